package io.tokenbroker.testkit.procore;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Procore's two rate-limit windows per bucket (a token, or a service-account token and company): an
 * hourly window and a short spike window, both fixed windows that start with the first request
 * after the previous one ended. Thread-safe.
 */
final class RateLimiter {
  /**
   * What the {@code X-Rate-Limit-*} headers say, and whether the request may proceed; {@code
   * resetAt} is when the reported window ends on the injected clock.
   */
  record Decision(boolean allowed, long limit, long remaining, Instant resetAt) {}

  private static final class Window {
    Instant start = Instant.MIN;
    long count;
  }

  private static final class Bucket {
    final Window hour = new Window();
    final Window spike = new Window();
  }

  private final long hourlyLimit;
  private final Duration hourlyWindow;
  private final long spikeLimit;
  private final Duration spikeWindow;
  private final Map<String, Bucket> buckets = new HashMap<>();

  RateLimiter(long hourlyLimit, Duration hourlyWindow, long spikeLimit, Duration spikeWindow) {
    this.hourlyLimit = hourlyLimit;
    this.hourlyWindow = hourlyWindow;
    this.spikeLimit = spikeLimit;
    this.spikeWindow = spikeWindow;
  }

  /** Counts one request against {@code bucket}, unless a window is exhausted. */
  synchronized Decision acquire(String bucket, Instant now) {
    Bucket b = buckets.computeIfAbsent(bucket, k -> new Bucket());
    roll(b.hour, hourlyWindow, now);
    roll(b.spike, spikeWindow, now);
    boolean hourFull = b.hour.count >= hourlyLimit;
    boolean spikeFull = b.spike.count >= spikeLimit;
    if (hourFull || spikeFull) {
      // Report the window that blocks the longest: that is when the caller may come back.
      Instant hourReset = reset(b.hour, hourlyWindow);
      Instant spikeReset = reset(b.spike, spikeWindow);
      if (hourFull && (!spikeFull || !hourReset.isBefore(spikeReset))) {
        return new Decision(false, hourlyLimit, 0, hourReset);
      }
      return new Decision(false, spikeLimit, 0, spikeReset);
    }
    b.hour.count++;
    b.spike.count++;
    return report(b);
  }

  /** The headers for {@code bucket} without counting a request. */
  synchronized Decision peek(String bucket, Instant now) {
    Bucket b = buckets.get(bucket);
    if (b == null) {
      b = new Bucket();
    }
    // Rolling a peeked fresh bucket is harmless: it is not stored.
    roll(b.hour, hourlyWindow, now);
    roll(b.spike, spikeWindow, now);
    return report(b);
  }

  /** Reports whichever window is nearer exhaustion (the smaller remaining fraction). */
  private Decision report(Bucket b) {
    long hourRemaining = Math.max(0, hourlyLimit - b.hour.count);
    long spikeRemaining = Math.max(0, spikeLimit - b.spike.count);
    // hourRemaining / hourlyLimit <= spikeRemaining / spikeLimit, without division.
    boolean hourCloser = hourRemaining * spikeLimit <= spikeRemaining * hourlyLimit;
    return hourCloser
        ? new Decision(true, hourlyLimit, hourRemaining, reset(b.hour, hourlyWindow))
        : new Decision(true, spikeLimit, spikeRemaining, reset(b.spike, spikeWindow));
  }

  private static void roll(Window w, Duration length, Instant now) {
    if (w.start.equals(Instant.MIN) || !now.isBefore(w.start.plus(length))) {
      w.start = now;
      w.count = 0;
    }
  }

  private static Instant reset(Window w, Duration length) {
    return w.start.plus(length);
  }
}
