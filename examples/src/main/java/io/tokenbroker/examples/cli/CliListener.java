package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Counts what the broker did (the demo shows it), narrates it with {@code --verbose}, and keeps why
 * token writes failed, for the message when the CLI cannot save them before it exits.
 */
final class CliListener implements BrokerListener {
  private final PrintStream err;
  private final boolean verbose;
  final AtomicInteger refreshes = new AtomicInteger();
  final AtomicInteger adoptions = new AtomicInteger();
  private final Map<GrantKey, TokenStoreException> failedWrites =
      new HashMap<>(); // guarded by this

  CliListener(PrintStream err, boolean verbose) {
    this.err = err;
    this.verbose = verbose;
  }

  @Override
  public void refreshStarted(GrantKey key) {
    if (verbose) {
      err.println("[broker] '" + key + "': calling the token endpoint");
    }
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    refreshes.incrementAndGet();
    if (verbose) {
      err.println("[broker] '" + key + "': new tokens saved, valid until " + expiresAt);
    }
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    if (verbose) {
      err.println("[broker] '" + key + "': refresh failed: " + failure.getMessage());
    }
  }

  @Override
  public void tokensAdopted(GrantKey key, Instant expiresAt) {
    adoptions.incrementAndGet();
    if (verbose) {
      err.println("[broker] '" + key + "': another process had refreshed; adopted its tokens");
    }
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    synchronized (this) {
      failedWrites.put(key, failure);
    }
    err.println(
        "warning: new tokens of '"
            + key
            + "' could not be saved yet ("
            + failure.getMessage()
            + "); retrying");
  }

  @Override
  public void storeWriteRecovered(GrantKey key) {
    synchronized (this) {
      failedWrites.remove(key);
    }
    if (verbose) {
      err.println("[broker] '" + key + "': the delayed write succeeded");
    }
  }

  @Override
  public void keysRotated(int resealed, int failed) {
    if (verbose) {
      err.println("[broker] re-sealed " + resealed + " grants, " + failed + " failed");
    }
  }

  /** Why the store refused the new tokens of {@code key} last, or null if it did not. */
  synchronized @Nullable TokenStoreException lastWriteFailure(GrantKey key) {
    return failedWrites.get(key);
  }
}
