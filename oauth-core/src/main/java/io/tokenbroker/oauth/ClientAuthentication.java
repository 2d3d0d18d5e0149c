package io.tokenbroker.oauth;

/** How the client authenticates to the token, refresh and revocation endpoints. */
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
  NONE
}
