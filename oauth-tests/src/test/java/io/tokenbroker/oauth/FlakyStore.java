package io.tokenbroker.oauth;

import io.tokenbroker.testkit.ForwardingTokenStore;
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
class FlakyStore extends ForwardingTokenStore {
  volatile boolean down;
  volatile boolean writesDown;

  FlakyStore(TokenStore delegate) {
    super(delegate);
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
    return super.load(key);
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    check(lease.key(), true);
    return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
  }

  @Override
  public boolean delete(Lease lease) {
    check(lease.key(), true);
    return super.delete(lease);
  }

  @Override
  public List<GrantKey> list() {
    check(null, false);
    return super.list();
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    check(key, false);
    return super.tryAcquireLease(key, ttl);
  }

  @Override
  public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    check(null, false);
    return super.loadPage(keyPrefix, after, limit);
  }

  @Override
  public void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    check(null, true);
    super.savePendingConsent(id, sealed, expiresAt);
  }

  @Override
  public Optional<byte[]> takePendingConsent(String id, Instant now) {
    check(null, true);
    return super.takePendingConsent(id, now);
  }

  @Override
  public int purgeExpiredPendingConsents(Instant now) {
    check(null, true);
    return super.purgeExpiredPendingConsents(now);
  }
}
