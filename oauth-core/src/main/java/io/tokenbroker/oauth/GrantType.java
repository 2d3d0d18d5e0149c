package io.tokenbroker.oauth;

/** How a registered grant obtains new tokens. */
public enum GrantType {
  /** Tokens are fetched on demand and renewed by running client credentials again. */
  CLIENT_CREDENTIALS,
  /**
   * Tokens come from a consent (authorization code) and are renewed with the refresh token. The
   * first tokens are saved by completing a consent through the broker, or with {@link
   * TokenBroker#saveTokens}.
   */
  AUTHORIZATION_CODE,
  /**
   * Tokens come from a device authorization (RFC 8628: the user approves on another device, see
   * {@link TokenBroker#deviceAuthorization}) and are renewed with the refresh token.
   */
  DEVICE_CODE,
  /**
   * Tokens are fetched on demand with a JWT assertion signed by the registration's {@link
   * ClientKey} (RFC 7523 §2.1: {@code iss} the client id, {@code sub} the registration's {@link
   * ClientRegistration#assertionSubject() assertion subject}) and renewed by running that grant
   * again, like client credentials.
   */
  JWT_BEARER;

  /**
   * Whether the broker obtains this grant's tokens by itself (client credentials, JWT bearer)
   * rather than from a user's consent renewed with a refresh token.
   */
  public boolean renewsByItself() {
    return this == CLIENT_CREDENTIALS || this == JWT_BEARER;
  }
}
