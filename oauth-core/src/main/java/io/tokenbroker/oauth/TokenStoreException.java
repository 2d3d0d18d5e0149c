package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * A token store failed, or an entry cannot be opened. Thrown by {@link TokenStore} implementations
 * and by the broker's sealing layer. A store never replaces an entry it could not read; corrupt
 * entries are kept (or quarantined) for inspection.
 */
public final class TokenStoreException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** What kind of store failure this is, by what the caller should do about it. */
  public enum Kind {
    /**
     * The store could not do it now: unreachable, restarting, read-only (as around a failover), a
     * serialization failure or lock timeout, out of resources, an I/O error, or a failure that is
     * not certainly permanent. Retrying later may succeed.
     */
    UNAVAILABLE,
    /** An entry is damaged and cannot be parsed. */
    CORRUPT,
    /** An entry parses but cannot be decrypted or authenticated with the keyset in use. */
    CANNOT_DECRYPT,
    /**
     * The store is certainly set up wrongly: a missing table or column, a missing permission, bad
     * credentials, options that cannot work. Retrying helps only once someone fixed it.
     */
    MISCONFIGURED,
    /**
     * A write was refused because the caller's lease no longer holds (closed, expired or taken over
     * by another holder); nothing was written. Take a new lease and read again.
     */
    LEASE_LOST
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

  /**
   * Whether retrying later may succeed without anyone fixing anything: {@link Kind#UNAVAILABLE} and
   * {@link Kind#LEASE_LOST} (with a new lease).
   */
  public boolean isTransient() {
    return kind == Kind.UNAVAILABLE || kind == Kind.LEASE_LOST;
  }
}
