package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How token-endpoint calls are retried after transient failures (5xx, 429, connection errors,
 * timeouts, non-JSON bodies). Waits grow exponentially with full jitter, starting from {@code
 * initialBackoff} and capped at {@code maxBackoff}; a server's {@code Retry-After} is honoured up
 * to {@code maxRetryAfter}, and a longer demand ends the retries. {@code invalid_grant} and
 * configuration errors are never retried.
 *
 * @param maxAttempts total attempts including the first; 1 disables retries
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts < 1: " + maxAttempts);
    }
    requireNonNull(initialBackoff, "initialBackoff == null");
    requireNonNull(maxBackoff, "maxBackoff == null");
    requireNonNull(maxRetryAfter, "maxRetryAfter == null");
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff");
    }
  }

  /** Three attempts, 250 ms growing to 5 s, {@code Retry-After} honoured up to 60 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(
        3, Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(60));
  }

  /** One attempt only. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }
}
