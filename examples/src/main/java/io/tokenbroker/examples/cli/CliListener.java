package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what the broker did (the demo shows it), narrates it with {@code --verbose}, and tracks
 * token writes that failed so the CLI does not exit while new tokens exist only in memory.
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
      notifyAll();
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

  /**
   * Waits up to {@code limit} for failed token writes to succeed.
   *
   * @throws CliException ({@link ExitCodes#TRANSIENT}) if some are still failing
   */
  void awaitWrites(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (this) {
      while (!failedWrites.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          Map.Entry<GrantKey, TokenStoreException> first =
              failedWrites.entrySet().iterator().next();
          throw new CliException(
              ExitCodes.TRANSIENT,
              "the new tokens of '"
                  + first.getKey()
                  + "' could not be saved to the store ("
                  + first.getValue().getMessage()
                  + "); they are lost when tokenbroker exits",
              "fix the store, then run 'tokenbroker token "
                  + first.getKey()
                  + "'; if the provider rotated the refresh token, 'tokenbroker login "
                  + first.getKey()
                  + "' again");
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
