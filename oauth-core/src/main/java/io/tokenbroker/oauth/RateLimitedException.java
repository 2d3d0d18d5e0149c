package io.tokenbroker.oauth;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A 429, or a 503 with {@code Retry-After}: the server asked us to slow down. */
public final class RateLimitedException extends TransientTokenException {
  private static final long serialVersionUID = 1L;

  /** For code in other modules (API clients) that meets a rate limit itself. */
  public RateLimitedException(String message, int httpStatus, @Nullable Duration retryAfter) {
    super(message, Kind.RATE_LIMITED, httpStatus, retryAfter, null, null);
  }

  RateLimitedException(
      String message, int httpStatus, @Nullable Duration retryAfter, @Nullable GrantKey grantKey) {
    super(message, Kind.RATE_LIMITED, httpStatus, retryAfter, grantKey, null);
  }
}
