package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.net.http.HttpHeaders;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Procore's rate-limit state as the {@code X-Rate-Limit-Limit}, {@code X-Rate-Limit-Remaining} and
 * {@code X-Rate-Limit-Reset} headers of one response report it. Procore keeps an hourly and a short
 * "spike" window and reports whichever is nearer exhaustion.
 *
 * @param limit requests allowed in the reported window
 * @param remaining requests left in it
 * @param reset when the window resets
 */
public record RateLimit(long limit, long remaining, Instant reset) {
  /** Values below this are read as seconds from now rather than Unix time (defensive). */
  private static final long MIN_EPOCH_SECOND = 1_000_000_000L;

  public RateLimit {
    requireNonNull(reset, "reset == null");
  }

  /** How long until the window resets, from {@code now}; zero if it already did. */
  public Duration untilReset(Instant now) {
    Duration d = Duration.between(now, reset);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** Whether no request is left in the window. */
  public boolean isExhausted() {
    return remaining <= 0;
  }

  /**
   * Reads the three headers; null when any is missing or unreadable. {@code X-Rate-Limit-Reset} is
   * Unix seconds as documented; a value too small to be one is taken as seconds from {@code now}.
   */
  static @Nullable RateLimit from(HttpHeaders headers, Instant now) {
    Long limit = number(headers.firstValue("X-Rate-Limit-Limit").orElse(null));
    Long remaining = number(headers.firstValue("X-Rate-Limit-Remaining").orElse(null));
    Long reset = number(headers.firstValue("X-Rate-Limit-Reset").orElse(null));
    if (limit == null || remaining == null || reset == null) {
      return null;
    }
    Instant at;
    try {
      at = reset < MIN_EPOCH_SECOND ? now.plusSeconds(reset) : Instant.ofEpochSecond(reset);
    } catch (DateTimeException e) {
      return null; // a reset beyond any representable date is unreadable (found by fuzzing)
    }
    return new RateLimit(limit, remaining, at);
  }

  private static @Nullable Long number(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    // Digits only, tolerating a decimal part ("1700000000.0") that some proxies add.
    if (!v.matches("\\d{1,18}(\\.\\d*)?")) {
      return null;
    }
    int dot = v.indexOf('.');
    return Long.parseLong(dot < 0 ? v : v.substring(0, dot));
  }
}
