package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Writes to a {@link TokenStore} the way the broker does, under the grant's lease, for tests that
 * arrange a store's content (plant an entry, damage one, delete one). Each call takes the lease,
 * writes and releases it.
 */
public final class StoreWrites {
  private static final Duration TTL = Duration.ofMinutes(1);

  private StoreWrites() {}

  /**
   * Compare-and-set under a lease taken for this call.
   *
   * @return the new version, or empty if the stored version is not {@code expectedVersion}
   * @throws IllegalStateException if someone else holds the grant's lease
   */
  public static OptionalLong compareAndSet(
      TokenStore store,
      GrantKey key,
      long expectedVersion,
      byte[] sealed,
      @Nullable Instant expiresAt) {
    try (TokenStore.Lease lease = lease(store, key)) {
      return store.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    }
  }

  /**
   * Writes {@code sealed} over whatever the store holds for {@code key} (a new entry if none).
   *
   * @return the new version
   */
  public static long put(
      TokenStore store, GrantKey key, byte[] sealed, @Nullable Instant expiresAt) {
    try (TokenStore.Lease lease = lease(store, key)) {
      long current = store.load(key).map(StoredGrant::version).orElse(0L);
      return store
          .compareAndSet(lease, current, sealed, expiresAt)
          .orElseThrow(
              () ->
                  new IllegalStateException("the entry of '" + key + "' changed under the lease"));
    }
  }

  /** Deletes {@code key}'s entry under its lease; returns whether there was one. */
  public static boolean delete(TokenStore store, GrantKey key) {
    try (TokenStore.Lease lease = lease(store, key)) {
      return store.delete(lease);
    }
  }

  /**
   * Takes {@code key}'s lease now.
   *
   * @throws IllegalStateException if someone else holds it
   */
  public static TokenStore.Lease lease(TokenStore store, GrantKey key) {
    requireNonNull(store, "store == null");
    requireNonNull(key, "key == null");
    return store
        .tryAcquireLease(key, TTL)
        .orElseThrow(() -> new IllegalStateException("the lease of '" + key + "' is held"));
  }
}
