package io.tokenbroker.oauth;

import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * The root of every failure this library reports. Unchecked; the subtypes are the failure classes
 * callers act on:
 *
 * <ul>
 *   <li>{@link InvalidGrantException}: the grant is dead; the user must consent again.
 *   <li>{@link ClientConfigurationException}: the server rejected the client or the request as
 *       configured ({@code invalid_client}, {@code unauthorized_client}, …); never retried.
 *   <li>{@link TransientTokenException} (and {@link RateLimitedException}): try again later; a
 *       stored grant is untouched.
 *   <li>{@link ConsentException}: the authorization-code consent failed (denied, state mismatch,
 *       timeout).
 *   <li>{@link TokenStoreException}: persistence failed or an entry cannot be opened.
 *   <li>{@link KeysetException}: {@link Keysets} could not generate, load, decrypt or save a
 *       keyset.
 *   <li>{@link UnknownGrantException}: no grant is registered or stored under the key.
 * </ul>
 *
 * <p>Messages carry the HTTP status, the OAuth {@code error} and {@code error_description} and the
 * grant key where known, and never a token, refresh token, code or client secret.
 */
public abstract sealed class TokenBrokerException extends RuntimeException
    permits InvalidGrantException,
        ClientConfigurationException,
        TransientTokenException,
        ConsentException,
        TokenStoreException,
        KeysetException,
        UnknownGrantException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final @Nullable String oauthError;
  private final @Nullable String errorDescription;
  private final @Nullable GrantKey grantKey;

  TokenBrokerException(
      String message,
      int httpStatus,
      @Nullable String oauthError,
      @Nullable String errorDescription,
      @Nullable GrantKey grantKey,
      @Nullable Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.oauthError = oauthError;
    this.errorDescription = errorDescription;
    this.grantKey = grantKey;
  }

  /** The HTTP status of the response that caused this, if there was one. */
  public OptionalInt httpStatus() {
    return httpStatus > 0 ? OptionalInt.of(httpStatus) : OptionalInt.empty();
  }

  /** The OAuth 2.0 {@code error} code from the response, if any. */
  public Optional<String> oauthError() {
    return Optional.ofNullable(oauthError);
  }

  /** The OAuth 2.0 {@code error_description} from the response, if any. */
  public Optional<String> errorDescription() {
    return Optional.ofNullable(errorDescription);
  }

  /** The grant this failure concerns, where known. */
  public Optional<GrantKey> grantKey() {
    return Optional.ofNullable(grantKey);
  }

  static String describe(
      String summary, int httpStatus, @Nullable String oauthError, @Nullable String description) {
    StringBuilder message = new StringBuilder(summary);
    if (httpStatus > 0) {
      message.append(" (HTTP ").append(httpStatus);
      if (oauthError != null) {
        message.append(", error=").append(oauthError);
      }
      message.append(')');
    } else if (oauthError != null) {
      message.append(" (error=").append(oauthError).append(')');
    }
    if (description != null && !description.isBlank()) {
      message.append(": ").append(description);
    }
    return message.toString();
  }
}
