package io.tokenbroker.oauth;

/**
 * How the client authenticates to the token, refresh, revocation, device-authorization and
 * pushed-authorization endpoints.
 *
 * <p>This says <em>how</em>; the credential itself belongs to the {@link ClientRegistration}: its
 * {@link ClientSecret} for the secret methods and {@link #CLIENT_SECRET_JWT}, its {@link ClientKey}
 * for {@link #PRIVATE_KEY_JWT}. The method is a property of the authorization server (a {@link
 * Provider} quirk, the same for every client of it), the credential one of each client, so a
 * provider description is shared by many registrations and no secret ever sits in it.
 */
public enum ClientAuthentication {
  /**
   * HTTP Basic with the client id and secret each form-encoded first, as RFC 6749 §2.3.1 requires
   * (so {@code :}, {@code %} and non-ASCII characters survive).
   */
  CLIENT_SECRET_BASIC,
  /** {@code client_id} and {@code client_secret} sent as request parameters. */
  CLIENT_SECRET_POST,
  /** Only {@code client_id} is sent, as a request parameter (public clients). */
  CLIENT_ID_ONLY,
  /** Nothing identifies the client (some vendors' refresh endpoints). */
  NONE,
  /**
   * A JWT signed with the registration's {@link ClientKey} (RFC 7523 §2.2, OpenID Connect Core §9
   * {@code private_key_jwt}): {@code iss} and {@code sub} the client id, {@code aud} the issuer (or
   * the token endpoint, see {@link Provider.AssertionAudience}), a fresh {@code jti} and an {@code
   * exp} 60 seconds ahead on every request. No secret is shared with the server.
   */
  PRIVATE_KEY_JWT,
  /**
   * A JWT like {@link #PRIVATE_KEY_JWT}'s, signed with HS256 keyed by the registration's client
   * secret ({@code client_secret_jwt}); the secret must be at least 32 bytes long.
   */
  CLIENT_SECRET_JWT;

  /** Whether this method needs the registration's {@link ClientSecret}. */
  public boolean needsClientSecret() {
    return this == CLIENT_SECRET_BASIC || this == CLIENT_SECRET_POST || this == CLIENT_SECRET_JWT;
  }

  /** Whether this method needs the registration's {@link ClientKey}. */
  public boolean needsClientKey() {
    return this == PRIVATE_KEY_JWT;
  }

  /** The RFC 7591 name, e.g. {@code private_key_jwt}; {@code none} for the last two. */
  public String wireName() {
    return switch (this) {
      case CLIENT_SECRET_BASIC -> "client_secret_basic";
      case CLIENT_SECRET_POST -> "client_secret_post";
      case CLIENT_ID_ONLY, NONE -> "none";
      case PRIVATE_KEY_JWT -> "private_key_jwt";
      case CLIENT_SECRET_JWT -> "client_secret_jwt";
    };
  }
}
