package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.SystemScheduler;
import java.time.Duration;
import java.util.concurrent.Future;

/**
 * The time seam of the library: how it measures elapsed time, waits, and runs work later. Together
 * with a {@link java.time.Clock} (wall-clock time: expiry, stamps) it is all the time the broker
 * and the token client use, so tests and simulations can run on virtual time: nothing in the
 * refresh protocol calls {@code System.nanoTime()}, {@code Thread.sleep} or a timer of its own.
 *
 * <p>{@link #system()} is real time: {@code System.nanoTime()}, {@code Thread.sleep}, and one
 * shared daemon thread for delayed tasks. A test passes its own implementation (the testkit's
 * {@code FakeScheduler} moves a {@code FakeClock}) to {@link TokenBroker.Builder#scheduler} and
 * {@link TokenClient.Builder#scheduler}.
 *
 * <p>A scheduler is a {@link Sleeper}: the one time seam of the library. {@link
 * AuthorizedHttpClient} and the vendor clients only wait, so they take any {@code Sleeper} (a
 * scheduler included); the broker and the token client also measure and schedule.
 *
 * <p>Implementations must be thread-safe. Scheduled tasks must be short: the broker's tasks only
 * hand work to its executor.
 */
public interface Scheduler extends Sleeper {

  /** Real time, with one shared daemon thread for delayed tasks. */
  static Scheduler system() {
    return SystemScheduler.INSTANCE;
  }

  /**
   * A monotonic time in nanoseconds, as {@link System#nanoTime()}: only differences mean anything.
   */
  long nanoTime();

  /**
   * Blocks the calling thread for {@code duration} (retry back-off, waiting for another process's
   * lease).
   *
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  @Override
  void sleep(Duration duration) throws InterruptedException;

  /**
   * Runs {@code task} once after {@code delay}, on a thread of the scheduler's choice.
   *
   * @return a handle whose {@link Future#cancel} keeps the task from running if it has not started
   */
  Future<?> schedule(Runnable task, Duration delay);
}
