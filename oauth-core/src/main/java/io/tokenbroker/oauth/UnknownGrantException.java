package io.tokenbroker.oauth;

/** No grant is registered or stored under the key. */
public final class UnknownGrantException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  public UnknownGrantException(GrantKey grantKey) {
    super(
        "no grant is registered or stored under '" + grantKey + "'", 0, null, null, grantKey, null);
  }

  /** As above, saying more precisely what is missing. */
  UnknownGrantException(GrantKey grantKey, String message) {
    super(message, 0, null, null, grantKey, null);
  }
}
