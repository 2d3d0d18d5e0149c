package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that only moves when told to, for exact and instant tests of expiry. Thread-safe:
 * one test thread may advance it while others read it.
 */
public final class FakeClock extends Clock {
  private final AtomicReference<Instant> now;
  private final ZoneId zone;

  private FakeClock(AtomicReference<Instant> now, ZoneId zone) {
    this.now = now;
    this.zone = zone;
  }

  /** A clock standing at {@code start}, in UTC. */
  public static FakeClock at(Instant start) {
    return new FakeClock(
        new AtomicReference<>(requireNonNull(start, "start == null")), ZoneOffset.UTC);
  }

  /** A clock standing at 2026-01-01T00:00:00Z. */
  public static FakeClock create() {
    return at(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** Moves the clock forward (or back, for a negative duration) and returns the new instant. */
  public Instant advance(Duration duration) {
    requireNonNull(duration, "duration == null");
    return now.updateAndGet(t -> t.plus(duration));
  }

  /** Sets the clock to {@code instant}. */
  public void set(Instant instant) {
    now.set(requireNonNull(instant, "instant == null"));
  }

  @Override
  @SuppressWarnings("NullAway") // never null: the constructor and set() check what they store
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** Returns a view in another zone that shares this clock's time. */
  @Override
  public Clock withZone(ZoneId zone) {
    return new FakeClock(now, zone);
  }

  @Override
  public String toString() {
    return "FakeClock[" + now.get() + "]";
  }
}
