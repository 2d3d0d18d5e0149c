package io.tokenbroker.oauth;

import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A {@link Scheduler} on a {@link FakeClock}'s time whose {@link #sleep} only hands the wait to a
 * hook (record it, move the clock, react): for tests of retries and polling that count the waits.
 * Delayed tasks go to a {@link FakeScheduler} on the same clock.
 */
final class SleepHook implements Scheduler {
  private final FakeScheduler time;
  private final Consumer<Duration> onSleep;

  SleepHook(FakeClock clock, Consumer<Duration> onSleep) {
    this.time = FakeScheduler.on(clock);
    this.onSleep = onSleep;
  }

  @Override
  public long nanoTime() {
    return time.nanoTime();
  }

  @Override
  public void sleep(Duration duration) {
    onSleep.accept(duration);
  }

  @Override
  public Future<?> schedule(Runnable task, Duration delay) {
    return time.schedule(task, delay);
  }
}
