package io.tokenbroker.oauth;

/**
 * An OAuth 2.0 client secret (or a vendor API secret used as one). Redacted in {@code toString()};
 * see {@link Secret}.
 */
public final class ClientSecret extends Secret {
  private ClientSecret(String value) {
    super(value);
  }

  /** Wraps a raw value; throws if it is empty. */
  public static ClientSecret of(String value) {
    return new ClientSecret(value);
  }
}
