package io.tokenbroker.oauth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Persistence for sealed grants: the one pluggable storage concern. The broker seals every entry
 * before it reaches a store, so stores hold only opaque bytes and non-secret metadata.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Implementations are thread-safe; persistent ones are also safe for several processes that
 *       share the same storage.
 *   <li><b>Every write is fenced.</b> {@link #compareAndSet} and {@link #delete} take the {@link
 *       Lease} of the grant and succeed only while that lease holds: not closed, not expired, not
 *       taken over by a newer lease. The check and the write are one atomic step (in one SQL {@code
 *       UPDATE}, under one file lock), so a writer whose lease ran out while it waited for a token
 *       endpoint can never overwrite what the next lease holder wrote.
 *   <li>Leases carry a {@linkplain Lease#fence() fencing number} that grows strictly with every
 *       lease taken on a key, across store instances, processes and restarts. A lease excludes
 *       every other lease on its key until it is closed or its time to live runs out (so a crashed
 *       holder cannot block a grant forever). Leases work for keys with no stored grant.
 *   <li>{@link #compareAndSet} is a compare-and-set on the grant's version: of writers expecting
 *       the same version, at most one wins. <b>Versions never repeat for a key</b>: each write
 *       stores a version greater than every version the key ever had, also after {@link #delete}
 *       and a new first write (a store keeps a tombstone or a per-key high-water mark).
 *   <li>No method may replace an entry it could not read; an unreadable entry is reported with
 *       {@link TokenStoreException.Kind#CORRUPT} and kept for inspection.
 *   <li>Failures are {@link TokenStoreException}s whose {@link TokenStoreException#kind() kind}
 *       says what the caller should do: {@link TokenStoreException.Kind#UNAVAILABLE} (retry later;
 *       also for failures that are not certainly permanent), {@link
 *       TokenStoreException.Kind#LEASE_LOST} (take a new lease), {@link
 *       TokenStoreException.Kind#MISCONFIGURED} (only where the setup is certainly wrong: no table
 *       or column, no permission, bad credentials), {@link TokenStoreException.Kind#CORRUPT}.
 *       Messages name the real cause and never a secret.
 * </ul>
 *
 * <h2>Changes</h2>
 *
 * <p>Since issue 12 the write methods take the {@link Lease} (they used to be unfenced and took a
 * caller-chosen version); the store now chooses the version. New operations (bulk and paged reads,
 * pending consents) are added as methods with default implementations, so implementations written
 * against this version keep compiling.
 *
 * <p>The shared contract test suite {@code io.tokenbroker.testkit.TokenStoreContract} checks all of
 * this; every implementation should extend it.
 */
public interface TokenStore {

  /** Returns the stored grant for {@code key}, or empty if there is none (or it was deleted). */
  Optional<StoredGrant> load(GrantKey key);

  /**
   * Writes {@code sealed} as the grant of {@code lease.key()} if its stored version is {@code
   * expectedVersion} ({@code 0} meaning "no entry", also after a delete) and {@code lease} still
   * holds. Checking the lease and writing are one atomic step.
   *
   * @param lease this caller's lease on the grant, from this store
   * @param expectedVersion the version the caller read, or 0 if it read no entry
   * @param sealed the sealed entry, opaque to the store
   * @param expiresAt when the access token inside expires, for housekeeping; not authoritative
   * @return the version now stored, greater than every version the key had before; empty if the
   *     stored version is not {@code expectedVersion} (nothing was written)
   * @throws TokenStoreException {@link TokenStoreException.Kind#LEASE_LOST} if the lease is closed,
   *     expired or taken over (nothing was written); other reasons as for any call
   * @throws IllegalArgumentException if {@code lease} is not from this store or {@code
   *     expectedVersion} is negative
   */
  OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt);

  /**
   * Deletes the grant of {@code lease.key()} if {@code lease} still holds. The key's versions go on
   * from the deleted one: a later first write gets a higher version.
   *
   * @return whether there was an entry
   * @throws TokenStoreException {@link TokenStoreException.Kind#LEASE_LOST} if the lease no longer
   *     holds (nothing was deleted)
   * @throws IllegalArgumentException if {@code lease} is not from this store
   */
  boolean delete(Lease lease);

  /** Returns the keys of all stored grants, in no particular order. */
  List<GrantKey> list();

  /**
   * Tries once, without waiting, to take the lease for {@code key}, valid for {@code ttl} from now
   * (by the store's clock). Taking a lease is a write: a store that cannot write cannot lease.
   * Callers wanting a bounded wait poll. The same process may not re-enter a lease it holds.
   *
   * @return the lease, or empty if someone else holds an unexpired one
   */
  Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl);

  /**
   * Returns up to {@code limit} stored grants whose key starts with {@code keyPrefix}, ordered by
   * key ({@link GrantKey#compareTo}), strictly after {@code after} when it is given. Callers page
   * through many grants by passing the {@link GrantPage#next()} of one page as {@code after} of the
   * next. Persistent stores answer a page with one query or one directory walk, not one read per
   * grant. Grants written or deleted while a caller pages may or may not be seen.
   *
   * <p>The default implementation reads {@link #list()} and {@link #load} each key: correct, but
   * one read per grant.
   *
   * @param keyPrefix a prefix of {@link GrantKey#value()}; empty for every grant
   * @param after the last key of the previous page, or null for the first page
   * @param limit at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  default GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    return GrantPage.fromAll(this, keyPrefix, after, limit);
  }

  /**
   * Keeps a started authorization request (sealed by the broker: its state, PKCE verifier, redirect
   * URI, template and grant key) until {@code expiresAt}, so that any broker sharing this store can
   * complete the consent. {@code id} is derived from the request's {@code state} by the broker (a
   * hash: the store never sees the state itself). Saving an id that exists replaces it. A consent
   * counts as expired from {@code expiresAt} on (an instant equal to it is expired).
   *
   * <p>Ids are 1 to 128 characters from {@code [A-Za-z0-9_-]} (for example the unpadded base64url
   * of a SHA-256, 43 characters), so every store can use them as file names and column values; the
   * stores shipped here reject other ids with {@link IllegalArgumentException}.
   *
   * @throws UnsupportedOperationException if the store cannot keep pending consents
   * @throws IllegalArgumentException if {@code id} is not of the form above
   */
  default void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not keep pending consents");
  }

  /**
   * Removes and returns the pending consent {@code id} in one atomic step, so that of several
   * callers (threads, store instances, processes) at most one gets it; empty if there is none or it
   * expired ({@code expiresAt <= now}; an expired one is removed too). A take whose outcome is lost
   * with its connection may remove the consent without returning it: the user starts the consent
   * again, nothing else is lost.
   */
  default Optional<byte[]> takePendingConsent(String id, Instant now) {
    return Optional.empty();
  }

  /**
   * Deletes the pending consents that expired ({@code expiresAt <= now}); returns how many. Safe to
   * run on every instance at any time.
   */
  default int purgeExpiredPendingConsents(Instant now) {
    return 0;
  }

  /**
   * An exclusive, expiring right to write one grant. Closing releases it (idempotent); closing
   * after it expired and was taken by someone else must not disturb the new holder.
   */
  interface Lease extends AutoCloseable {
    GrantKey key();

    /**
     * The fencing number: greater than the fence of every lease taken earlier on this key, by any
     * store instance or process. Writes made with this lease fail once a lease with a greater fence
     * exists.
     */
    long fence();

    @Override
    void close();
  }
}
