package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link TokenStore} keeps for one grant: sealed (encrypted and authenticated) bytes plus
 * non-secret metadata. Stores never see plaintext tokens.
 *
 * @param key the grant
 * @param version starts at 1 and grows by one with every write; used for compare-and-set
 * @param sealed the sealed entry, opaque to the store
 * @param expiresAt when the access token inside expires, for housekeeping; not authoritative
 */
public record StoredGrant(GrantKey key, long version, byte[] sealed, @Nullable Instant expiresAt) {

  public StoredGrant {
    requireNonNull(key, "key == null");
    requireNonNull(sealed, "sealed == null");
    if (version < 1) {
      throw new IllegalArgumentException("version < 1: " + version);
    }
    sealed = sealed.clone();
  }

  /** Returns a copy of the sealed bytes. */
  @Override
  public byte[] sealed() {
    return sealed.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoredGrant that
        && key.equals(that.key)
        && version == that.version
        && Arrays.equals(sealed, that.sealed)
        && java.util.Objects.equals(expiresAt, that.expiresAt);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "StoredGrant[key="
        + key
        + ", version="
        + version
        + ", sealed="
        + sealed.length
        + " bytes, expiresAt="
        + expiresAt
        + "]";
  }
}
