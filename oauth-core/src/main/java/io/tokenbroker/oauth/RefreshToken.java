package io.tokenbroker.oauth;

/** An OAuth 2.0 refresh token. Redacted in {@code toString()}; see {@link Secret}. */
public final class RefreshToken extends Secret {
  private RefreshToken(String value) {
    super(value);
  }

  /** Wraps a raw value; throws if it is empty. */
  public static RefreshToken of(String value) {
    return new RefreshToken(value);
  }
}
