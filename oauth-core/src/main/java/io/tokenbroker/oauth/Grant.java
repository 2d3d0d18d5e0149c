package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.Sleeper;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * One registered grant in a broker: the published token snapshot read by the hot path, and the
 * single-flight refresh that implements DESIGN.md §4. Thread-safe.
 */
final class Grant {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());

  /** What the hot path reads: immutable, published through a volatile field. */
  static final class Snapshot {
    final GrantRecord record;
    final long version;
    final AccessToken token;
    final long refreshAtMillis;
    final long usableUntilMillis;

    Snapshot(GrantRecord record, long version, BrokerSettings settings) {
      this.record = record;
      this.version = version;
      this.token = record.tokens().accessToken();
      long expires = record.tokens().expiresAt().toEpochMilli();
      long lifetime = Math.max(0, expires - record.tokens().issuedAt().toEpochMilli());
      // A short-lived token shrinks the windows, so it is not refreshed on every call.
      long skew = Math.min(settings.expirySkew.toMillis(), lifetime / 10);
      long ahead = Math.max(skew, Math.min(settings.refreshAhead.toMillis(), lifetime / 2));
      this.refreshAtMillis = expires - ahead;
      this.usableUntilMillis = expires - skew;
    }
  }

  /** A record that reached memory but not yet the store. */
  private record PendingWrite(GrantRecord record, long expectedVersion) {}

  final GrantKey key;
  final ClientRegistration registration;
  final GrantType type;
  private final TokenClient client;
  private final BrokerSettings settings;

  volatile @Nullable Snapshot snapshot;
  private @Nullable CompletableFuture<Snapshot> inFlight; // guarded by this
  private long retryNotBeforeMillis; // guarded by this
  private int consecutiveFailures; // guarded by this
  private @Nullable RuntimeException lastFailure; // guarded by this
  private volatile @Nullable PendingWrite pendingWrite;
  private boolean writeRetryScheduled; // guarded by this

  Grant(GrantKey key, ClientRegistration registration, GrantType type, TokenClient client, BrokerSettings settings) {
    this.key = key;
    this.registration = registration;
    this.type = type;
    this.client = client;
    this.settings = settings;
  }

  TokenClient client() {
    return client;
  }

  /** The hot path: no lock and no allocation while the token is fresh. */
  AccessToken accessToken() {
    Snapshot s = snapshot;
    if (s != null) {
      long now = settings.clock.millis();
      if (now < s.refreshAtMillis) {
        return s.token;
      }
      if (now < s.usableUntilMillis) {
        startBackgroundRefresh(s);
        return s.token;
      }
    }
    return await(startFlight(s == null ? 0 : s.version, false, false));
  }

  /** Obtains a new token now, unless another broker already replaced {@code seenVersion}'s. */
  AccessToken forceRefresh() {
    Snapshot s = snapshot;
    return await(startFlight(s == null ? 0 : s.version, true, true));
  }

  /** After an API answered 401 with {@code rejected}: refresh only if it is still current. */
  AccessToken refreshIfCurrent(AccessToken rejected) {
    Snapshot s = snapshot;
    if (s != null && !s.token.equals(rejected)) {
      return accessToken();
    }
    return forceRefresh();
  }

  /** Publishes a record written by this broker (consent, saveTokens). */
  void publish(GrantRecord record, long version) {
    snapshot = new Snapshot(record, version, settings);
  }

  /** Forgets the in-memory state (after remove/revoke). */
  void forget() {
    snapshot = null;
    pendingWrite = null;
  }

  private void startBackgroundRefresh(Snapshot s) {
    synchronized (this) {
      if (inFlight != null || settings.clock.millis() < retryNotBeforeMillis) {
        return;
      }
    }
    startFlight(s.version, false, true);
  }

  /**
   * Joins the refresh in flight or starts one. Right after a failure, callers without a usable
   * token get that failure again until the back-off passes, so an outage does not turn every call
   * into a token-endpoint request.
   */
  private synchronized CompletableFuture<Snapshot> startFlight(long seenVersion, boolean force, boolean ignoreBackoff) {
    if (inFlight != null) {
      return inFlight;
    }
    if (!ignoreBackoff && lastFailure != null && settings.clock.millis() < retryNotBeforeMillis) {
      return CompletableFuture.failedFuture(lastFailure);
    }
    CompletableFuture<Snapshot> flight = new CompletableFuture<>();
    inFlight = flight;
    try {
      settings.executor.execute(() -> runFlight(flight, seenVersion, force));
    } catch (RuntimeException rejected) {
      inFlight = null;
      flight.completeExceptionally(
          new TransientTokenException("the broker is closed or its executor refused the refresh of '" + key + "'",
              TransientTokenException.Kind.NETWORK, 0, null, key, rejected));
    }
    return flight;
  }

  private void runFlight(CompletableFuture<Snapshot> flight, long seenVersion, boolean force) {
    Snapshot result = null;
    Throwable failure = null;
    try {
      result = obtain(seenVersion, force);
    } catch (Throwable t) {
      failure = t;
    }
    synchronized (this) {
      inFlight = null;
      if (failure == null) {
        consecutiveFailures = 0;
        retryNotBeforeMillis = 0;
        lastFailure = null;
      } else {
        consecutiveFailures++;
        lastFailure = failure instanceof RuntimeException r ? r : null;
        long backoff = Math.min(settings.failureBackoffMax.toMillis(),
            settings.failureBackoffMin.toMillis() << Math.min(10, consecutiveFailures - 1));
        retryNotBeforeMillis = settings.clock.millis() + backoff;
      }
    }
    if (failure == null) {
      flight.complete(result);
    } else {
      if (failure instanceof TokenBrokerException e) {
        settings.events.refreshFailed(key, e);
      }
      flight.completeExceptionally(failure);
    }
  }

  private AccessToken await(CompletableFuture<Snapshot> flight) {
    try {
      return flight.get(settings.maxWait.toMillis(), TimeUnit.MILLISECONDS).token;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (TimeoutException e) {
      throw new TransientTokenException(
          "no token for '" + key + "' within " + settings.maxWait.toMillis() + " ms (a refresh is still running)",
          TransientTokenException.Kind.TIMEOUT, 0, null, key, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientTokenException("interrupted while waiting for a token for '" + key + "'",
          TransientTokenException.Kind.NETWORK, 0, null, key, e);
    }
  }

  // ---- the refresh protocol (runs on the executor, one at a time per grant) ----

  private Snapshot obtain(long seenVersion, boolean force) {
    Stored stored;
    try {
      stored = readStore();
    } catch (TokenStoreException e) {
      if (!e.isTransient() || type != GrantType.CLIENT_CREDENTIALS) {
        throw e;
      }
      // No refresh token can be burned: renew from memory now and persist when the store is back.
      LOG.log(Level.WARNING, "store unavailable; renewing client-credentials grant ''{0}'' without a lease, to persist later", key);
      Snapshot s = snapshot;
      return refreshAndPersist(s == null ? new Stored(null, 0) : new Stored(s.record, s.version));
    }
    Snapshot adopted = adoptIfUsable(stored, seenVersion, force);
    if (adopted != null) {
      return adopted;
    }
    checkRefreshable(stored);
    try (TokenStore.Lease lease = acquireLease()) {
      if (lease != null) {
        stored = readStore();
        adopted = adoptIfUsable(stored, seenVersion, force);
        if (adopted != null) {
          return adopted;
        }
        checkRefreshable(stored);
      }
      return refreshAndPersist(stored);
    }
  }

  /** The grant as the store has it, or as held in memory when a write is still pending. */
  private record Stored(@Nullable GrantRecord record, long version) {}

  private Stored readStore() {
    PendingWrite pending = pendingWrite;
    if (pending != null) {
      return new Stored(pending.record(), pending.expectedVersion());
    }
    Optional<StoredGrant> entry;
    try {
      entry = settings.store.load(key);
    } catch (TokenStoreException e) {
      if (e.reason() == TokenStoreException.Reason.CORRUPT || e.reason() == TokenStoreException.Reason.CANNOT_DECRYPT) {
        settings.events.storeEntryUnreadable(key, e);
      }
      throw e;
    }
    if (entry.isEmpty()) {
      return new Stored(null, 0);
    }
    GrantRecord record;
    try {
      record = GrantRecord.decode(key, settings.sealer().open(key, entry.get().sealed()));
    } catch (TokenStoreException e) {
      settings.events.storeEntryUnreadable(key, e);
      throw e;
    }
    return new Stored(record, entry.get().version());
  }

  private @Nullable Snapshot adoptIfUsable(Stored stored, long seenVersion, boolean force) {
    GrantRecord record = stored.record();
    if (record == null || record.reauthorizationRequired()) {
      return null;
    }
    Snapshot candidate = new Snapshot(record, stored.version(), settings);
    boolean newer = stored.version() > seenVersion;
    if (force && !newer) {
      return null;
    }
    if (settings.clock.millis() >= candidate.refreshAtMillis) {
      return null;
    }
    snapshot = candidate;
    if (newer && seenVersion > 0) {
      settings.events.tokensAdopted(key, record.tokens().expiresAt());
    }
    return candidate;
  }

  private void checkRefreshable(Stored stored) {
    GrantRecord record = stored.record();
    if (record != null && record.reauthorizationRequired()) {
      throw reauthorizationRequired(record.reauthorizationReason());
    }
    if (type == GrantType.AUTHORIZATION_CODE) {
      if (record == null) {
        throw new UnknownGrantException(key);
      }
      if (record.tokens().refreshToken() == null) {
        throw new InvalidGrantException(
            "grant '" + key + "' has no refresh token and its access token has expired; "
                + "complete the consent again to re-authorize it", key);
      }
    }
  }

  private InvalidGrantException reauthorizationRequired(@Nullable String reason) {
    return new InvalidGrantException(
        "grant '" + key + "' needs re-authorization"
            + (reason == null ? "" : " (" + reason + ")")
            + "; complete the consent again for this key (CLI: tokenbroker login '" + key + "')",
        key);
  }

  private TokenStore.@Nullable Lease acquireLease() {
    long deadline = System.nanoTime() + settings.leaseWait.toNanos();
    long pause = 5;
    while (true) {
      Optional<TokenStore.Lease> lease;
      try {
        lease = settings.store.tryAcquireLease(key, settings.leaseTtl);
      } catch (TokenStoreException e) {
        if (e.isTransient() && type == GrantType.CLIENT_CREDENTIALS) {
          // No refresh token can be burned: renew without the lease and persist later.
          LOG.log(Level.WARNING, "store unavailable; renewing client-credentials grant ''{0}'' without a lease", key);
          return null;
        }
        throw e;
      }
      if (lease.isPresent()) {
        return lease.get();
      }
      if (System.nanoTime() >= deadline) {
        throw new TransientTokenException(
            "another broker holds the refresh lease of '" + key + "' for longer than "
                + settings.leaseWait.toMillis() + " ms",
            TransientTokenException.Kind.TIMEOUT, 0, null, key, null);
      }
      try {
        settings.sleeper.sleep(Duration.ofMillis(pause));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientTokenException("interrupted while waiting for the refresh lease of '" + key + "'",
            TransientTokenException.Kind.NETWORK, 0, null, key, e);
      }
      pause = Math.min(pause * 2, 200);
    }
  }

  private Snapshot refreshAndPersist(Stored stored) {
    GrantRecord current = stored.record();
    settings.events.refreshStarted(key);
    TokenSet next;
    try {
      next =
          current == null || type == GrantType.CLIENT_CREDENTIALS
              ? client.clientCredentials(key)
              : client.refresh(current.tokens(), key);
    } catch (InvalidGrantException e) {
      if (type == GrantType.AUTHORIZATION_CODE && current != null) {
        return handleInvalidGrant(current, e);
      }
      throw e;
    }
    Instant now = settings.clock.instant();
    GrantRecord updated =
        current == null
            ? new GrantRecord(type, registration.provider().name(), registration.clientId(), next, null, false, null, now)
            : current.withTokens(next, now);
    long version = persist(updated, stored.version());
    Snapshot published = new Snapshot(updated, version, settings);
    snapshot = published;
    settings.events.refreshSucceeded(key, next.expiresAt());
    return published;
  }

  /**
   * {@code invalid_grant} on refresh: someone else may have rotated the token. Only if the stored
   * refresh token is still the one we sent is the grant dead.
   */
  private Snapshot handleInvalidGrant(GrantRecord sent, InvalidGrantException failure) {
    pendingWrite = null; // a pending record is what we sent; re-read the store itself
    Stored latest = readStore();
    GrantRecord record = latest.record();
    RefreshToken sentToken = sent.tokens().refreshToken();
    if (record != null && !record.reauthorizationRequired()
        && record.tokens().refreshToken() != null
        && !record.tokens().refreshToken().equals(sentToken)) {
      Snapshot adopted = new Snapshot(record, latest.version(), settings);
      snapshot = adopted;
      settings.events.tokensAdopted(key, record.tokens().expiresAt());
      return adopted;
    }
    String reason = "the provider answered invalid_grant to a refresh"
        + failure.errorDescription().map(d -> ": " + d).orElse("");
    if (record != null) {
      GrantRecord dead = record.markReauthorizationRequired(reason, settings.clock.instant());
      try {
        if (settings.store.compareAndSet(latest.version(), new StoredGrant(key, latest.version() + 1,
            settings.sealer().seal(key, dead.encode()), dead.tokens().expiresAt()))) {
          snapshot = null;
        }
      } catch (TokenStoreException e) {
        LOG.log(Level.WARNING, "could not persist the re-authorization state of ''{0}'': {1}", key, e.getMessage());
      }
    }
    snapshot = null;
    InvalidGrantException dead = reauthorizationRequired(reason);
    settings.events.reauthorizationRequired(key, dead);
    throw dead;
  }

  /** Compare-and-set the new record; a failing store keeps it in memory and retries. */
  private long persist(GrantRecord record, long expectedVersion) {
    long expected = expectedVersion;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        StoredGrant entry = new StoredGrant(key, expected + 1,
            settings.sealer().seal(key, record.encode()), record.tokens().expiresAt());
        if (settings.store.compareAndSet(expected, entry)) {
          if (pendingWrite != null) {
            pendingWrite = null;
            settings.events.storeWriteRecovered(key);
          }
          return expected + 1;
        }
        // Someone wrote despite our lease (it expired, or the store was down): our tokens are the
        // newest valid ones we know, so write them on top.
        settings.events.storeConflict(key);
        expected = settings.store.load(key).map(StoredGrant::version).orElse(0L);
      } catch (TokenStoreException e) {
        if (!e.isTransient()) {
          LOG.log(Level.ERROR, "new tokens of ''{0}'' cannot be written to the store ({1}); "
              + "they are held in memory only", key, e.getMessage());
        } else {
          LOG.log(Level.WARNING, "new tokens of ''{0}'' could not be written to the store ({1}); "
              + "holding them in memory and retrying", key, e.getMessage());
        }
        pendingWrite = new PendingWrite(record, expected);
        settings.events.storeWriteFailed(key, e);
        scheduleWriteRetry(1);
        return expected;
      }
    }
    pendingWrite = new PendingWrite(record, expected);
    scheduleWriteRetry(1);
    return expected;
  }

  private void scheduleWriteRetry(int attempt) {
    synchronized (this) {
      if (writeRetryScheduled) {
        return;
      }
      writeRetryScheduled = true;
    }
    long delay = Math.min(settings.writeRetryMax.toMillis(), settings.writeRetryMin.toMillis() << Math.min(attempt - 1, 16));
    try {
      settings.scheduler.schedule(() -> retryWrite(attempt), delay, TimeUnit.MILLISECONDS);
    } catch (RuntimeException closed) {
      synchronized (this) {
        writeRetryScheduled = false;
      }
    }
  }

  private void retryWrite(int attempt) {
    synchronized (this) {
      writeRetryScheduled = false;
    }
    PendingWrite pending = pendingWrite;
    if (pending == null) {
      return;
    }
    try {
      long expected = settings.store.load(key).map(StoredGrant::version).orElse(0L);
      StoredGrant entry = new StoredGrant(key, expected + 1,
          settings.sealer().seal(key, pending.record().encode()), pending.record().tokens().expiresAt());
      if (settings.store.compareAndSet(expected, entry)) {
        synchronized (this) {
          if (pendingWrite == pending) {
            pendingWrite = null;
          }
        }
        Snapshot s = snapshot;
        if (s != null && s.record == pending.record()) {
          snapshot = new Snapshot(pending.record(), expected + 1, settings);
        }
        LOG.log(Level.INFO, "tokens of ''{0}'' are now persisted", key);
        settings.events.storeWriteRecovered(key);
        return;
      }
    } catch (TokenStoreException e) {
      LOG.log(Level.DEBUG, "store still unavailable for ''{0}'': {1}", key, e.getMessage());
    }
    scheduleWriteRetry(attempt + 1);
  }

  boolean hasPendingWrite() {
    return pendingWrite != null;
  }

  /** Waits until no refresh is in flight, at most until {@code deadlineNanos}. */
  void awaitIdle(long deadlineNanos) {
    while (true) {
      CompletableFuture<Snapshot> flight;
      synchronized (this) {
        flight = inFlight;
      }
      long left = deadlineNanos - System.nanoTime();
      if (flight == null || left <= 0) {
        return;
      }
      try {
        flight.get(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException e) {
        // The flight's own callers see its failure; here we only wait for it to end.
      }
    }
  }

  /** One last attempt to persist tokens held in memory; returns whether none are left unwritten. */
  boolean flushPendingWrite() {
    if (pendingWrite != null) {
      retryWrite(Integer.MAX_VALUE);
    }
    return pendingWrite == null;
  }
}
