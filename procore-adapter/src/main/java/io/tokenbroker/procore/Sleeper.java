package io.tokenbroker.procore;

import java.time.Duration;

/**
 * Waits before a paced retry (429, 503). {@link #SYSTEM} sleeps the calling thread; tests inject
 * one that advances a fake clock instead, so that no test waits for real.
 */
@FunctionalInterface
public interface Sleeper {
  /** {@link Thread#sleep}. */
  Sleeper SYSTEM = duration -> Thread.sleep(duration.toMillis());

  /**
   * Waits {@code duration}.
   *
   * @throws InterruptedException if the thread was interrupted while waiting
   */
  void sleep(Duration duration) throws InterruptedException;
}
