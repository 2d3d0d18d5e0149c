package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void delaySeconds() {
    assertEquals(Optional.of(Duration.ofSeconds(120)), RetryAfter.parse("120", NOW));
    assertEquals(Optional.of(Duration.ofSeconds(7)), RetryAfter.parse(" 7 ", NOW));
    assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("0", NOW));
  }

  @Test
  void aNumberTooLargeForADurationIsTheLargestWaitNotAFailure() {
    Duration wait = RetryAfter.parse("99999999999999999999999", NOW).orElseThrow();
    assertEquals(Long.MAX_VALUE / 1_000_000_000L, wait.toSeconds());
  }

  @Test
  void httpDateFromNowAndNeverNegative() {
    assertEquals(
        Optional.of(Duration.ofSeconds(30)),
        RetryAfter.parse("Thu, 01 Jan 2026 00:00:30 GMT", NOW));
    assertEquals(
        Optional.of(Duration.ZERO), RetryAfter.parse("Wed, 31 Dec 2025 00:00:00 GMT", NOW));
  }

  @Test
  void absentOrUnreadableIsEmpty() {
    assertEquals(Optional.empty(), RetryAfter.parse(null, NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("  ", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("-5", NOW));
    assertEquals(Optional.empty(), RetryAfter.parse("1.5", NOW));
  }

  @Test
  void fromTheFirstHeaderOfAResponse() {
    HttpHeaders headers =
        HttpHeaders.of(Map.of("retry-after", List.of("9", "10")), (name, value) -> true);
    assertEquals(Optional.of(Duration.ofSeconds(9)), RetryAfter.from(headers, NOW));
    assertEquals(Optional.empty(), RetryAfter.from(HttpHeaders.of(Map.of(), (n, v) -> true), NOW));
  }
}
