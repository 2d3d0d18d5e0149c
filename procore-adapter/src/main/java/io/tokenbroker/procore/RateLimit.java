package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.net.http.HttpHeaders;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;

/**
 * Procore's rate-limit state as the {@code X-Rate-Limit-Limit}, {@code X-Rate-Limit-Remaining} and
 * {@code X-Rate-Limit-Reset} headers of one response report it. Procore keeps an hourly and a short
 * "spike" window and reports whichever is nearer exhaustion.
 *
 * <p>{@code X-Rate-Limit-Reset} is a time on Procore's clock (Unix seconds). It is timed from the
 * same response's {@code Date} header, not from this machine's clock, and {@link #reset()} is that
 * moment on this machine's clock: a client whose clock runs minutes off still waits exactly as long
 * as Procore asked (to the headers' one-second resolution). Without a readable {@code Date}, the
 * reset is read as it is.
 *
 * @param limit requests allowed in the reported window
 * @param remaining requests left in it
 * @param reset when the window resets, on this machine's clock
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
   * Reads the three headers of a response received at {@code now} (this machine's clock); null when
   * any is missing or unreadable. {@code X-Rate-Limit-Reset} is Unix seconds as documented, timed
   * from the response's {@code Date}; a value too small to be Unix seconds is taken as seconds from
   * the response.
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
      if (reset < MIN_EPOCH_SECOND) {
        at = now.plusSeconds(reset);
      } else {
        Instant serverNow = serverDate(headers);
        Instant serverReset = Instant.ofEpochSecond(reset);
        at = serverNow == null ? serverReset : now.plus(Duration.between(serverNow, serverReset));
      }
    } catch (DateTimeException | ArithmeticException e) {
      return null; // a reset beyond any representable date is unreadable (found by fuzzing)
    }
    return new RateLimit(limit, remaining, at);
  }

  /** The response's {@code Date} (RFC 9110 IMF-fixdate), or null when absent or unreadable. */
  static @Nullable Instant serverDate(HttpHeaders headers) {
    String date = headers.firstValue("Date").orElse(null);
    if (date == null || date.isBlank()) {
      return null;
    }
    try {
      return ZonedDateTime.parse(date.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeException e) {
      return null;
    }
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
