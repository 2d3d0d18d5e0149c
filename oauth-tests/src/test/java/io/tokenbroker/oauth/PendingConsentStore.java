package io.tokenbroker.oauth;

import io.tokenbroker.testkit.ForwardingTokenStore;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A store over another that keeps pending consents in memory and counts the broker's reads, so that
 * tests can check "one store read per cold grant" and "no per-grant query when listing". Can fail
 * its grant writes on demand ({@link #writesDown}), as a database that refuses writes does.
 */
final class PendingConsentStore extends ForwardingTokenStore {
  private record Pending(byte[] sealed, Instant expiresAt) {}

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  final AtomicInteger loads = new AtomicInteger();
  final AtomicInteger pages = new AtomicInteger();
  final AtomicInteger purges = new AtomicInteger();
  volatile boolean writesDown;

  PendingConsentStore(TokenStore delegate) {
    super(delegate);
  }

  int pendingConsents() {
    return pending.size();
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    loads.incrementAndGet();
    return super.load(key);
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    if (writesDown) {
      throw new TokenStoreException(
          "writes are down (test)", TokenStoreException.Kind.UNAVAILABLE, lease.key(), null);
    }
    return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
  }

  @Override
  public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    pages.incrementAndGet();
    return super.loadPage(keyPrefix, after, limit);
  }

  @Override
  public void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    pending.put(id, new Pending(sealed.clone(), expiresAt));
  }

  @Override
  public Optional<byte[]> takePendingConsent(String id, Instant now) {
    Pending p = pending.remove(id);
    return p == null || p.expiresAt().isBefore(now) ? Optional.empty() : Optional.of(p.sealed());
  }

  @Override
  public int purgeExpiredPendingConsents(Instant now) {
    purges.incrementAndGet();
    int before = pending.size();
    pending.values().removeIf(p -> p.expiresAt().isBefore(now));
    return before - pending.size();
  }
}
