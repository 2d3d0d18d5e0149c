package io.tokenbroker.oauth;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code Retry-After} header (RFC 9110 §10.2.3): delay seconds or an HTTP-date. The one
 * parser of the library, used by the broker's token calls, {@link AuthorizedHttpClient} and the
 * vendor clients. Stateless and thread-safe.
 */
public final class RetryAfter {
  private RetryAfter() {}

  /** The wait the first {@code Retry-After} of {@code headers} asks for; see {@link #parse}. */
  public static Optional<Duration> from(HttpHeaders headers, Instant now) {
    return parse(headers.firstValue("Retry-After").orElse(null), now);
  }

  /**
   * Returns the wait the header asks for, measured from {@code now}; empty when absent or
   * unreadable. A date in the past means no wait; a number of seconds too large for a {@link
   * Duration} is read as the largest wait that fits (any cap then refuses it).
   */
  public static Optional<Duration> parse(@Nullable String header, Instant now) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String value = header.trim();
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(value)));
      } catch (NumberFormatException e) {
        return Optional.of(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L));
      }
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
