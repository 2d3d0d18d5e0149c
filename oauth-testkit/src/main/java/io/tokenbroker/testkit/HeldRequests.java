package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LoopbackServer.FaultDispatcher} that holds the requests it matches (received, not yet
 * processed) until the test releases them, and counts them: how a test keeps a refresh in flight
 * while it does something else, without a fixed sleep. Released requests are processed normally.
 *
 * <pre>{@code
 * HeldRequests held = HeldRequests.matching(request -> request.path().equals("/token"));
 * server.setDispatcher(held);
 * // ... start a call that refreshes, on another thread ...
 * assertTrue(held.awaitArrived(1, Duration.ofSeconds(10))); // the refresh is at the server
 * // ... the race under test ...
 * held.release(); // in a finally block: held and later requests go on
 * assertEquals(1, held.arrived());
 * }</pre>
 *
 * A request is held for at most {@link #MAX_HOLD} if the test never releases it. Thread-safe.
 */
public final class HeldRequests implements LoopbackServer.FaultDispatcher {
  /** How long a request is held at most, should the test fail before it releases them. */
  public static final Duration MAX_HOLD = Duration.ofSeconds(60);

  private final Predicate<RecordedRequest> matching;
  private final CountDownLatch released = new CountDownLatch(1);
  private int arrived; // guarded by this

  private HeldRequests(Predicate<RecordedRequest> matching) {
    this.matching = requireNonNull(matching, "matching == null");
  }

  /** Holds every request {@code matching} accepts until {@link #release()}. */
  public static HeldRequests matching(Predicate<RecordedRequest> matching) {
    return new HeldRequests(matching);
  }

  /** Counts a matching request and holds it until {@link #release()}; never faults it. */
  @Override
  public @Nullable Fault dispatch(RecordedRequest request) {
    if (!matching.test(request)) {
      return null;
    }
    synchronized (this) {
      arrived++;
      notifyAll();
    }
    try {
      released.await(MAX_HOLD.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the server is closing: let the request go
    }
    return null;
  }

  /**
   * Waits until {@code count} matching requests have arrived (held, or passed after {@link
   * #release()}).
   *
   * @return whether they arrived within {@code timeout}
   */
  public synchronized boolean awaitArrived(int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (arrived < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** How many matching requests have arrived so far. */
  public synchronized int arrived() {
    return arrived;
  }

  /** Lets the held requests, and every later one, go on; idempotent. */
  public void release() {
    released.countDown();
  }

  @Override
  public String toString() {
    return "HeldRequests["
        + arrived()
        + " arrived, "
        + (released.getCount() == 0 ? "released" : "holding")
        + "]";
  }
}
