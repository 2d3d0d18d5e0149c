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
  AUTHORIZATION_CODE
}
