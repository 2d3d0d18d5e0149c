package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.Scheduler;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** {@link Scheduler#system()}: real time, one shared daemon thread for delayed tasks. */
public final class SystemScheduler implements Scheduler {
  /** The one instance. */
  public static final SystemScheduler INSTANCE = new SystemScheduler();

  private SystemScheduler() {}

  /** Created on first use; its daemon thread never keeps the JVM alive. */
  private static final class Timer {
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor =
          new ScheduledThreadPoolExecutor(
              1,
              runnable -> {
                Thread thread = new Thread(runnable, "tokenbroker-scheduler");
                thread.setDaemon(true);
                return thread;
              });
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    long nanos = saturatedNanos(duration);
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  }

  @Override
  public Future<?> schedule(Runnable task, Duration delay) {
    requireNonNull(task, "task == null");
    return Timer.EXECUTOR.schedule(task, Math.max(0, saturatedNanos(delay)), TimeUnit.NANOSECONDS);
  }

  @Override
  public String toString() {
    return "Scheduler.system()";
  }

  private static long saturatedNanos(Duration duration) {
    requireNonNull(duration, "duration == null");
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
