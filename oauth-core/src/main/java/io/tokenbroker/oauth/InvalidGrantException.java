package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * The grant can no longer be used: the server answered {@code invalid_grant} (refresh token
 * expired, revoked or already used; authorization code invalid), or the grant is already marked
 * re-authorization required. The broker persists that state rather than deleting the grant; the
 * message names the grant and how to consent again.
 */
public final class InvalidGrantException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** For code in other modules that detects a dead grant itself. */
  public InvalidGrantException(String message, @Nullable GrantKey grantKey) {
    super(message, 0, "invalid_grant", null, grantKey, null);
  }

  InvalidGrantException(
      String message,
      int httpStatus,
      @Nullable String oauthError,
      @Nullable String errorDescription,
      @Nullable GrantKey grantKey) {
    super(message, httpStatus, oauthError, errorDescription, grantKey, null);
  }
}
