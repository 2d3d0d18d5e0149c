package io.tokenbroker.oauth;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A store that can be switched "down" (every call fails as unavailable), over a real store. */
class FlakyStore implements TokenStore {
  private final TokenStore delegate;
  volatile boolean down;
  volatile boolean writesDown;

  FlakyStore(TokenStore delegate) {
    this.delegate = delegate;
  }

  private void check(GrantKey key, boolean write) {
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
  public boolean compareAndSet(long expectedVersion, StoredGrant grant) {
    check(grant.key(), true);
    return delegate.compareAndSet(expectedVersion, grant);
  }

  @Override
  public boolean delete(GrantKey key) {
    check(key, true);
    return delegate.delete(key);
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
