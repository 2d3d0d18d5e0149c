package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * The server rejected the request as configured: {@code invalid_client}, {@code
 * unauthorized_client}, {@code invalid_scope}, {@code invalid_request}, {@code
 * unsupported_grant_type}, or another 4xx answer. Retrying will not help; fix the client
 * registration or the provider description.
 */
public final class ClientConfigurationException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** For code in other modules that detects a configuration error itself. */
  public ClientConfigurationException(String message) {
    super(message, 0, null, null, null, null);
  }

  ClientConfigurationException(
      String message,
      int httpStatus,
      @Nullable String oauthError,
      @Nullable String errorDescription,
      @Nullable GrantKey grantKey) {
    super(message, httpStatus, oauthError, errorDescription, grantKey, null);
  }
}
