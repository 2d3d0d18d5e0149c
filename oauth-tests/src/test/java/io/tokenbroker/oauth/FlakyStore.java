package io.tokenbroker.oauth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A store that can be switched "down" (every call fails as unavailable) or have only its writes
 * fail, over a real store. Taking a lease is a write.
 */
class FlakyStore implements TokenStore {
  private final TokenStore delegate;
  volatile boolean down;
  volatile boolean writesDown;

  FlakyStore(TokenStore delegate) {
    this.delegate = delegate;
  }

  void check(@Nullable GrantKey key, boolean write) {
    if (down || (write && writesDown)) {
      throw new TokenStoreException(
          "store is down (test)", TokenStoreException.Kind.UNAVAILABLE, key, null);
    }
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    check(key, false);
    return delegate.load(key);
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    check(lease.key(), true);
    return delegate.compareAndSet(lease, expectedVersion, sealed, expiresAt);
  }

  @Override
  public boolean delete(Lease lease) {
    check(lease.key(), true);
    return delegate.delete(lease);
  }

  @Override
  public List<GrantKey> list() {
    check(null, false);
    return delegate.list();
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    check(key, false);
    return delegate.tryAcquireLease(key, ttl);
  }
}
