package io.tokenbroker.oauth;

import java.time.Instant;

/**
 * Observes what a {@link TokenBroker} does, for metrics and alerts. Every method has a no-op
 * default; {@link #NONE} ignores everything.
 *
 * <p>Called on the broker's threads; implementations must be thread-safe and quick. An exception
 * thrown by a listener is logged and otherwise ignored: it never breaks a call. No event carries a
 * secret.
 */
public interface BrokerListener {
  /** Ignores every event. */
  BrokerListener NONE = new BrokerListener() {};

  /** This broker is about to call the token endpoint for {@code key}. */
  default void refreshStarted(GrantKey key) {}

  /** New tokens were obtained, persisted (or held for a retried write) and published. */
  default void refreshSucceeded(GrantKey key, Instant expiresAt) {}

  /** Obtaining tokens failed; {@code failure} tells the class of failure. */
  default void refreshFailed(GrantKey key, TokenBrokerException failure) {}

  /** Another broker (process or instance) had already refreshed; its tokens were adopted. */
  default void tokensAdopted(GrantKey key, Instant expiresAt) {}

  /** A compare-and-set write lost against another writer. */
  default void storeConflict(GrantKey key) {}

  /**
   * Writing new tokens to the store failed, whatever the failure (unavailable, read-only, lease
   * lost, misconfigured, an entry that would not open). The tokens are kept in memory, served, used
   * by the next refresh, and the write is retried with back-off until it succeeds; until then a
   * crash of this process loses them. Called once per run of failures.
   */
  default void storeWriteFailed(GrantKey key, TokenStoreException failure) {}

  /** A write that had failed finally succeeded. */
  default void storeWriteRecovered(GrantKey key) {}

  /**
   * The broker was closed with new tokens of {@code key} still not written, after retrying for its
   * close wait; {@code lastFailure} is why the store refused them. If the provider rotated the
   * refresh token, the stored grant holds a spent one and needs a new consent.
   */
  default void storeWriteAbandoned(GrantKey key, TokenStoreException lastFailure) {}

  /** A store entry could not be read or opened (damaged, wrong key). */
  default void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {}

  /** The grant is dead and was marked re-authorization required. */
  default void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {}

  /** Every entry in the store was re-sealed under a new primary key. */
  default void keysRotated(int resealed, int failed) {}
}
