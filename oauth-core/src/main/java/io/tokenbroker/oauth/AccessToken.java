package io.tokenbroker.oauth;

/** An OAuth 2.0 access token. Redacted in {@code toString()}; see {@link Secret}. */
public final class AccessToken extends Secret {
  private AccessToken(String value) {
    super(value);
  }

  /** Wraps a raw value; throws if it is empty. */
  public static AccessToken of(String value) {
    return new AccessToken(value);
  }
}
