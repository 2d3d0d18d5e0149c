package io.tokenbroker.oauth;

import java.time.Duration;

/**
 * How this library waits between attempts: the one time seam shared by the broker (as part of its
 * {@link Scheduler}, {@link TokenBroker.Builder#scheduler}), {@link AuthorizedHttpClient} and the
 * vendor clients built on it. {@link #system()} sleeps the calling thread; a test passes one that
 * records each wait (and moves its fake clock) so that nothing waits in real time and the exact
 * waits can be asserted:
 *
 * <pre>{@code
 * List<Duration> waits = new ArrayList<>();
 * AuthorizedHttpClient.builder(http, broker, key).sleeper(waits::add).build();
 * }</pre>
 *
 * <p>Implementations must be thread-safe: one sleeper serves every caller of the client it is given
 * to.
 */
@FunctionalInterface
public interface Sleeper {
  /**
   * Waits {@code duration} (zero or positive).
   *
   * @throws InterruptedException if the thread was interrupted while waiting; the caller stops
   *     retrying and reports the failure it was about to retry
   */
  void sleep(Duration duration) throws InterruptedException;

  /** The default: {@link Thread#sleep} on the calling thread. */
  static Sleeper system() {
    return duration -> Thread.sleep(duration.toMillis());
  }
}
