package io.tokenbroker.oauth;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A failure that may pass: a 5xx answer, a connection error or timeout, an HTML or non-JSON body,
 * an oversized body. The library already retried a bounded number of times with backoff; a stored
 * grant is untouched and a still-valid token keeps being served.
 */
public sealed class TransientTokenException extends TokenBrokerException
    permits RateLimitedException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** A 5xx answer. */
    SERVER_ERROR,
    /** A 429, or a 503 that said when to come back. */
    RATE_LIMITED,
    /** The connection failed or was dropped. */
    NETWORK,
    /** No answer within the request timeout. */
    TIMEOUT,
    /** The body was not the JSON the protocol requires (an HTML error page, say). */
    MALFORMED_RESPONSE,
    /** The body exceeded the size cap. */
    RESPONSE_TOO_LARGE
  }

  private final Kind kind;
  private final @Nullable Duration retryAfter;

  TransientTokenException(
      String message,
      Kind kind,
      int httpStatus,
      @Nullable Duration retryAfter,
      @Nullable GrantKey grantKey,
      @Nullable Throwable cause) {
    super(message, httpStatus, null, null, grantKey, cause);
    this.kind = kind;
    this.retryAfter = retryAfter;
  }

  /** For code in other modules (API clients) that meets a transient failure itself. */
  public TransientTokenException(
      String message, Kind kind, int httpStatus, @Nullable Throwable cause) {
    this(message, kind, httpStatus, null, null, cause);
  }

  public Kind kind() {
    return kind;
  }

  /** How long the server asked us to wait, already capped, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
