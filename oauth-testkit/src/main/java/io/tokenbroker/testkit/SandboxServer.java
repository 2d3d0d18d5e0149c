package io.tokenbroker.testkit;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What every server of the testkit offers a test, whatever protocol it speaks: queued faults, the
 * requests it received, and the tokens and codes it issued. {@link FakeAuthorizationServer} (a
 * standards authorization server), {@link io.tokenbroker.testkit.cor.CorSandbox} and {@link
 * io.tokenbroker.testkit.procore.ProcoreSandbox} extend it; each is a {@link LoopbackServer} with
 * its own dispatcher and protocol state.
 */
public abstract class SandboxServer implements AutoCloseable {
  /** Only the testkit's servers extend this. */
  protected SandboxServer() {}

  /** The HTTP server underneath. */
  protected abstract LoopbackServer loopback();

  /** What the server's protocol state has issued. */
  protected abstract IssuedTokens issued();

  /**
   * Queues {@code fault} for the next request it applies to (FIFO); which requests an unscoped
   * fault applies to is said by each server's class documentation, and {@link Fault#on} scopes it
   * to one path.
   */
  public void enqueue(Fault fault) {
    loopback().enqueue(fault);
  }

  /**
   * The oldest request not yet taken, waiting up to 10 seconds for one.
   *
   * @throws IllegalStateException if no request arrives in time
   */
  public RecordedRequest takeRequest() throws InterruptedException {
    return loopback().takeRequest();
  }

  /** The oldest request not yet taken, waiting up to {@code timeout}; null if none arrived. */
  public @Nullable RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return loopback().takeRequest(timeout);
  }

  /** Every request received so far, in arrival order, whether taken or not. */
  public List<RecordedRequest> requests() {
    return loopback().requests();
  }

  /** How many requests (to any path) the server has received. */
  public int requestCount() {
    return loopback().requestCount();
  }

  /** Every access token issued so far, oldest first (including ones whose response was lost). */
  public List<String> issuedAccessTokens() {
    return issued().accessTokens();
  }

  /** Every refresh token issued so far, oldest first (including ones whose response was lost). */
  public List<String> issuedRefreshTokens() {
    return issued().refreshTokens();
  }

  /** Every authorization code issued so far, oldest first. */
  public List<String> issuedAuthorizationCodes() {
    return issued().codes();
  }

  /** The last access token issued, or null if none was. */
  public @Nullable String lastAccessToken() {
    return issued().lastAccessToken();
  }

  /** The last refresh token issued, or null if none was. */
  public @Nullable String lastRefreshToken() {
    return issued().lastRefreshToken();
  }

  /** Stops listening, closes open connections and abandons requests in flight. Idempotent. */
  @Override
  public void close() {
    loopback().close();
  }
}
