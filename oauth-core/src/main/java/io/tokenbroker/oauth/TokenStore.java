package io.tokenbroker.oauth;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Persistence for sealed grants: the one pluggable storage concern. The broker seals every entry
 * before it reaches a store, so stores hold only opaque bytes and non-secret metadata.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Implementations are thread-safe; persistent ones are also safe for several processes that
 *       share the same storage.
 *   <li>{@link #compareAndSet} is atomic: of concurrent writers expecting the same version, exactly
 *       one wins.
 *   <li>A lease excludes other lease holders for the same key until it is closed or its time to
 *       live runs out (so a crashed holder cannot block a grant forever). Leases work for keys that
 *       have no stored grant yet. A lease does not guard writes: writers still use {@link
 *       #compareAndSet}.
 *   <li>No method may replace an entry it could not read; an unreadable entry is reported with
 *       {@link TokenStoreException.Kind#CORRUPT} and kept for inspection.
 *   <li>Failures are {@link TokenStoreException}s; {@link TokenStoreException#isTransient()} tells
 *       whether a retry may help.
 * </ul>
 *
 * <p>The shared contract test suite {@code io.tokenbroker.testkit.TokenStoreContract} checks all of
 * this; every implementation should extend it.
 */
public interface TokenStore {

  /** Returns the stored grant for {@code key}, or empty if there is none. */
  Optional<StoredGrant> load(GrantKey key);

  /**
   * Writes {@code grant} if the currently stored version of {@code grant.key()} is {@code
   * expectedVersion} ({@code 0} meaning "no entry"). {@code grant.version()} must be {@code
   * expectedVersion + 1}.
   *
   * @return {@code true} if written, {@code false} if the stored version differs
   * @throws IllegalArgumentException if {@code grant.version() != expectedVersion + 1}
   */
  boolean compareAndSet(long expectedVersion, StoredGrant grant);

  /**
   * For implementations of {@link #compareAndSet}: checks that {@code grant.version()} is {@code
   * expectedVersion + 1}.
   *
   * @throws IllegalArgumentException if it is not
   */
  static void requireNextVersion(long expectedVersion, StoredGrant grant) {
    if (grant.version() != expectedVersion + 1) {
      throw new IllegalArgumentException(
          "grant.version() must be expectedVersion + 1, was "
              + grant.version()
              + " for expected "
              + expectedVersion);
    }
  }

  /** Deletes the entry for {@code key}; returns whether there was one. */
  boolean delete(GrantKey key);

  /** Returns the keys of all stored grants, in no particular order. */
  List<GrantKey> list();

  /**
   * Tries once, without waiting, to take the lease for {@code key}, valid for {@code ttl}. Callers
   * wanting a bounded wait poll. The same process may not re-enter a lease it holds.
   *
   * @return the lease, or empty if someone else holds an unexpired one
   */
  Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl);

  /**
   * An exclusive, expiring right to refresh one grant. Closing releases it (idempotent); closing
   * after it expired and was taken by someone else must not disturb the new holder.
   */
  interface Lease extends AutoCloseable {
    GrantKey key();

    @Override
    void close();
  }
}
