package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} on the virtual time of a {@link FakeClock}: {@link #nanoTime()} reads the
 * clock, {@link #sleep} moves it forward (and records the wait), and scheduled tasks run only when
 * a test calls {@link #runDue()} or {@link #advance}. With an inline executor a broker on this
 * scheduler and the same clock never sleeps and never runs anything on another thread.
 *
 * <pre>{@code
 * FakeClock clock = FakeClock.create();
 * FakeScheduler scheduler = FakeScheduler.on(clock);
 * TokenBroker broker = TokenBroker.builder().clock(clock).scheduler(scheduler)
 *     .executor(FakeScheduler.inlineExecutor()).build();
 * scheduler.advance(Duration.ofSeconds(30)); // runs the write retries that fell due
 * }</pre>
 *
 * <p>Thread-safe; tasks run on the thread that calls {@link #runDue()}, in due order (ties in the
 * order they were scheduled).
 */
public final class FakeScheduler implements Scheduler {
  private final FakeClock clock;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>(); // guarded by this
  private final List<Duration> sleeps = new ArrayList<>(); // guarded by this
  private long sequence; // guarded by this

  private FakeScheduler(FakeClock clock) {
    this.clock = requireNonNull(clock, "clock == null");
  }

  /**
   * An executor service that runs each task on the calling thread, at once; shutting it down does
   * nothing. With it a broker refreshes on the caller's thread.
   */
  public static ExecutorService inlineExecutor() {
    return new AbstractExecutorService() {
      @Override
      public void execute(Runnable command) {
        command.run();
      }

      @Override
      public void shutdown() {}

      @Override
      public List<Runnable> shutdownNow() {
        return List.of();
      }

      @Override
      public boolean isShutdown() {
        return false;
      }

      @Override
      public boolean isTerminated() {
        return false;
      }

      @Override
      public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
      }
    };
  }

  /**
   * A scheduler in real time (it really sleeps, and runs tasks on a thread after real delays) whose
   * {@link Scheduler#nanoTime()} also moves with {@code clock}'s jumps: for a test whose broker
   * works on real threads while the test moves a {@link FakeClock} by hours, so that the broker
   * sees a lease run out when the clock says it has.
   */
  public static Scheduler realTimeWith(FakeClock clock) {
    requireNonNull(clock, "clock == null");
    Instant start = clock.instant();
    Scheduler system = Scheduler.system();
    return new Scheduler() {
      @Override
      public long nanoTime() {
        return system.nanoTime() + Duration.between(start, clock.instant()).toNanos();
      }

      @Override
      public void sleep(Duration duration) throws InterruptedException {
        system.sleep(duration);
      }

      @Override
      public Future<?> schedule(Runnable task, Duration delay) {
        return system.schedule(task, delay);
      }

      @Override
      public String toString() {
        return "real time with the jumps of " + clock;
      }
    };
  }

  /** A scheduler whose time is {@code clock}'s. */
  public static FakeScheduler on(FakeClock clock) {
    return new FakeScheduler(clock);
  }

  /** The clock's instant in nanoseconds since the epoch (monotonic as long as the clock is). */
  @Override
  public long nanoTime() {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Records {@code duration} and moves the clock forward by it; never blocks. */
  @Override
  public void sleep(Duration duration) {
    requireNonNull(duration, "duration == null");
    synchronized (this) {
      sleeps.add(duration);
    }
    if (!duration.isNegative()) {
      clock.advance(duration);
    }
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, Duration delay) {
    requireNonNull(task, "task == null");
    requireNonNull(delay, "delay == null");
    Task scheduled = new Task(nanoTime() + Math.max(0, delay.toNanos()), sequence++, task);
    tasks.add(scheduled);
    return scheduled.handle;
  }

  /** Runs every task due by now, including tasks that fall due while they run; returns how many. */
  public int runDue() {
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.peek();
        if (next == null || next.dueNanos > nanoTime()) {
          return ran;
        }
        tasks.poll();
      }
      if (next.handle.complete(null)) { // not cancelled
        next.task.run();
        ran++;
      }
    }
  }

  /** Moves the clock forward by {@code duration}, then runs what fell due. */
  public int advance(Duration duration) {
    clock.advance(duration);
    return runDue();
  }

  /** Tasks scheduled and neither run nor cancelled. */
  public synchronized int pending() {
    return (int) tasks.stream().filter(t -> !t.handle.isDone()).count();
  }

  /** The waits asked for through {@link #sleep}, in order. */
  public synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }

  @Override
  public String toString() {
    return "FakeScheduler[" + clock + ", " + pending() + " pending]";
  }

  private static final class Task implements Comparable<Task> {
    final long dueNanos;
    final long sequence;
    final Runnable task;
    final CompletableFuture<Void> handle = new CompletableFuture<>();

    Task(long dueNanos, long sequence, Runnable task) {
      this.dueNanos = dueNanos;
      this.sequence = sequence;
      this.task = task;
    }

    @Override
    public int compareTo(Task other) {
      int byTime = Long.compare(dueNanos, other.dueNanos);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }
}
