package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * A token store failed, or an entry cannot be opened. Thrown by {@link TokenStore} implementations
 * and by the broker's sealing layer. A store never replaces an entry it could not read; corrupt
 * entries are kept (or quarantined) for inspection.
 */
public final class TokenStoreException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** What kind of store failure this is. */
  public enum Kind {
    /** The store could not be reached or an I/O error occurred; may pass. */
    UNAVAILABLE,
    /** An entry is damaged and cannot be parsed. */
    CORRUPT,
    /** An entry parses but cannot be decrypted or authenticated with the keyset in use. */
    CANNOT_DECRYPT,
    /** The store is set up wrongly (permissions, schema, options). */
    MISCONFIGURED
  }

  private final Kind kind;

  public TokenStoreException(
      String message, Kind kind, @Nullable GrantKey grantKey, @Nullable Throwable cause) {
    super(message, 0, null, null, grantKey, cause);
    this.kind = kind;
  }

  /** What kind of store failure this is. */
  public Kind kind() {
    return kind;
  }

  /** Whether retrying the same operation later may succeed. */
  public boolean isTransient() {
    return kind == Kind.UNAVAILABLE;
  }
}
