package io.tokenbroker.oauth.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter (AWS architecture blog's "Full Jitter"). */
public final class Backoff {
  private Backoff() {}

  /**
   * Returns a random wait in {@code [0, min(max, initial * 2^(retry-1))]} for the {@code retry}-th
   * retry (1-based).
   */
  public static Duration fullJitter(
      int retry, Duration initial, Duration max, RandomGenerator random) {
    long ceiling = initial.toMillis();
    for (int i = 1; i < retry && ceiling < max.toMillis(); i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, max.toMillis());
    return ceiling <= 0 ? Duration.ZERO : Duration.ofMillis(random.nextLong(ceiling + 1));
  }
}
