package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.DpopKey;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The consents of template grants while they wait for their callback: sealed into the store, so
 * that any broker sharing it completes them, taken out once, and purged when expired.
 */
final class PendingConsents {
  private static final long CONSENT_PURGE_INTERVAL_MILLIS = 60_000;

  private final BrokerSettings settings;
  private final Duration lifetime;
  private final AtomicLong nextPurgeMillis = new AtomicLong(Long.MIN_VALUE);

  PendingConsents(BrokerSettings settings, Duration lifetime) {
    this.settings = settings;
    this.lifetime = lifetime;
  }

  /**
   * Seals the consent {@code request} started for grant {@code key} of {@code template} into the
   * store, expiring after the lifetime, and purges expired ones (at most once a minute).
   */
  PendingConsent save(
      GrantKey key,
      String template,
      AuthorizationRequest request,
      URI redirectUri,
      @Nullable DpopKey dpop) {
    Instant now = settings.clock.instant();
    PendingConsent pending =
        new PendingConsent(
            key,
            template,
            request.state(),
            request.codeVerifier(),
            redirectUri,
            now.plus(lifetime),
            request.stateRequired(),
            request.issuer().orElse(null),
            request.issuerRequired(),
            dpop);
    String id = pending.id();
    settings.store.savePendingConsent(
        id, settings.sealer().sealConsent(id, pending.encode()), pending.expiresAt());
    purgeExpired(now);
    return pending;
  }

  /**
   * Takes the pending consent {@code id} out of the store, so that it completes once.
   *
   * @throws ConsentException {@link ConsentException.Kind#UNKNOWN_STATE} if there is none (already
   *     completed, expired, or never started)
   */
  PendingConsent take(String id) {
    Instant now = settings.clock.instant();
    purgeExpired(now);
    Optional<byte[]> sealed = settings.store.takePendingConsent(id, now);
    PendingConsent pending =
        sealed.isEmpty()
            ? null
            : PendingConsent.decode(settings.sealer().openConsent(id, sealed.get()));
    if (pending == null || !now.isBefore(pending.expiresAt())) {
      throw new ConsentException(
          "no started consent matches the callback's state: it was completed already (a replayed"
              + " callback), it expired, or it was started with another store; start a new"
              + " consent",
          ConsentException.Kind.UNKNOWN_STATE,
          null,
          null);
    }
    return pending;
  }

  /** Deletes expired pending consents, at most once a minute (a failure loses nothing). */
  private void purgeExpired(Instant now) {
    long next = nextPurgeMillis.get();
    long nowMillis = now.toEpochMilli();
    if (nowMillis < next
        || !nextPurgeMillis.compareAndSet(next, nowMillis + CONSENT_PURGE_INTERVAL_MILLIS)) {
      return;
    }
    try {
      settings.store.purgeExpiredPendingConsents(now);
    } catch (TokenStoreException e) {
      System.getLogger(TokenBroker.class.getName())
          .log(
              System.Logger.Level.WARNING,
              "could not purge expired pending consents: {0}",
              e.getMessage());
    }
  }
}
