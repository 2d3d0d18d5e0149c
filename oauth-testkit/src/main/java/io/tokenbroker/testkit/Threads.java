package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Waits on another thread's state, for the points of a race no latch or event marks, such as "the
 * closer is now waiting inside {@code TokenBroker.close()} for the refresh in flight". The thread
 * is polled (its state and stack) until a deadline.
 *
 * <pre>{@code
 * Thread closer = new Thread(broker::close, "closer");
 * closer.start();
 * Threads.awaitParkedIn(closer, TokenBroker.class.getName(), "close", Duration.ofSeconds(30));
 * held.release(); // only now does the server answer the refresh
 * }</pre>
 */
public final class Threads {
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private Threads() {}

  /**
   * Whether {@code thread} is parked ({@link Thread.State#WAITING WAITING} or {@link
   * Thread.State#TIMED_WAITING TIMED_WAITING}) with {@code className.methodName} on its stack.
   *
   * @param className the binary name of the class, as {@link Class#getName()} gives it (so a
   *     package-private class can be named too)
   */
  public static boolean isParkedIn(Thread thread, String className, String methodName) {
    Thread.State state = thread.getState();
    return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING)
        && Arrays.stream(thread.getStackTrace())
            .anyMatch(
                frame ->
                    frame.getClassName().equals(className)
                        && frame.getMethodName().equals(methodName));
  }

  /**
   * Waits until {@code thread} is {@linkplain #isParkedIn parked inside} {@code
   * className.methodName}.
   *
   * @param className the binary name of the class, as {@link Class#getName()} gives it
   * @throws AssertionError naming the thread, the method and the thread's last state and stack, if
   *     {@code thread} terminates before it was seen parked there, or {@code timeout} passes first
   */
  public static void awaitParkedIn(
      Thread thread, String className, String methodName, Duration timeout) {
    requireNonNull(thread, "thread == null");
    requireNonNull(className, "className == null");
    requireNonNull(methodName, "methodName == null");
    long deadline = System.nanoTime() + timeout.toNanos();
    String what = thread.getName() + " to be parked in " + className + "." + methodName + "()";
    while (!isParkedIn(thread, className, methodName)) {
      if (thread.getState() == Thread.State.TERMINATED) {
        throw new AssertionError(
            thread.getName()
                + " terminated before it was seen parked in "
                + className
                + "."
                + methodName
                + "()");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "timed out after " + timeout + " waiting for " + what + "; it is " + describe(thread));
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  private static String describe(Thread thread) {
    StackTraceElement[] frames = thread.getStackTrace();
    return thread.getState()
        + (frames.length == 0
            ? ""
            : " at "
                + Arrays.stream(frames)
                    .limit(8)
                    .map(StackTraceElement::toString)
                    .collect(Collectors.joining(" <- ")));
  }
}
