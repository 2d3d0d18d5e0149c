package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} that forwards every call to another store, for tests that fail, slow down or
 * count some of a real store's calls: extend it and override only those (as Guava's forwarding
 * collections).
 *
 * <pre>{@code
 * AtomicInteger reads = new AtomicInteger();
 * TokenStore counted =
 *     new ForwardingTokenStore(InMemoryTokenStore.create()) {
 *       public Optional<StoredGrant> load(GrantKey key) {
 *         reads.incrementAndGet();
 *         return super.load(key);
 *       }
 *     };
 * }</pre>
 *
 * Every method is forwarded, also those {@link TokenStore} implements by default ({@link
 * #loadPage}, the pending consents), so the wrapped store's paging and pending consents are used. A
 * subclass that fails "every call" overrides those too.
 */
public abstract class ForwardingTokenStore implements TokenStore {
  private final TokenStore delegate;

  /** Forwards to {@code delegate}. */
  protected ForwardingTokenStore(TokenStore delegate) {
    this.delegate = requireNonNull(delegate, "delegate == null");
  }

  /** The store calls are forwarded to. */
  protected final TokenStore delegate() {
    return delegate;
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    return delegate.load(key);
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    return delegate.compareAndSet(lease, expectedVersion, sealed, expiresAt);
  }

  @Override
  public boolean delete(Lease lease) {
    return delegate.delete(lease);
  }

  @Override
  public List<GrantKey> list() {
    return delegate.list();
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    return delegate.tryAcquireLease(key, ttl);
  }

  @Override
  public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    return delegate.loadPage(keyPrefix, after, limit);
  }

  @Override
  public void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    delegate.savePendingConsent(id, sealed, expiresAt);
  }

  @Override
  public Optional<byte[]> takePendingConsent(String id, Instant now) {
    return delegate.takePendingConsent(id, now);
  }

  @Override
  public int purgeExpiredPendingConsents(Instant now) {
    return delegate.purgeExpiredPendingConsents(now);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
