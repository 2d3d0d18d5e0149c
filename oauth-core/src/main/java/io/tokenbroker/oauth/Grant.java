package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.DpopKey;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One registered grant in a broker: the published token snapshot read by the hot path, and the
 * single-flight refresh that implements DESIGN.md §4. Thread-safe.
 *
 * <p>Writes to the store (a refresh's compare-and-set and the retries of a write that failed) run
 * under {@link #writeLock}, so an older record can never be written over a newer one.
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

    boolean isUsableAt(long nowMillis) {
      return nowMillis < usableUntilMillis;
    }
  }

  /** The grant as the store holds it (or as held in memory while a write is pending). */
  private record Stored(@Nullable GrantRecord record, long version) {}

  /**
   * A new record and what it was derived from: {@code base} at {@code baseVersion} ({@code null}
   * and 0 when nothing was stored).
   */
  private record Write(GrantRecord record, long baseVersion, @Nullable GrantRecord base) {}

  /** The outcome of writing a record. */
  private record Written(long version, boolean pending) {}

  final GrantKey key;
  final ClientRegistration registration;
  final GrantType type;
  private final TokenClient client;
  private final BrokerSettings settings;
  private final ReentrantLock writeLock = new ReentrantLock();

  volatile @Nullable Snapshot snapshot;
  private @Nullable CompletableFuture<Snapshot> inFlight; // guarded by this
  private volatile long retryNotBeforeMillis; // written under this
  private int consecutiveFailures; // guarded by this
  private @Nullable RuntimeException lastFailure; // guarded by this
  private volatile @Nullable Write pendingWrite; // written under writeLock
  private boolean writeRetryScheduled; // guarded by this

  Grant(
      GrantKey key,
      ClientRegistration registration,
      GrantType type,
      TokenClient client,
      BrokerSettings settings) {
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
      if (s.isUsableAt(now)) {
        if (now >= retryNotBeforeMillis) {
          startFlight(s.version, false, null, true);
        }
        return s.token;
      }
    }
    return await(startFlight(s == null ? 0 : s.version, false, null, false));
  }

  /** Obtains a new token now, unless another broker meanwhile stored a different one. */
  AccessToken forceRefresh() {
    Snapshot s = snapshot;
    return await(startFlight(s == null ? 0 : s.version, true, s == null ? null : s.token, true));
  }

  /** After an API answered 401 with {@code rejected}: refresh only if it is still current. */
  AccessToken refreshIfCurrent(AccessToken rejected) {
    Snapshot s = snapshot;
    if (s != null && !s.token.equals(rejected)) {
      return accessToken();
    }
    return await(startFlight(s == null ? 0 : s.version, true, rejected, true));
  }

  /** Publishes a record this broker just wrote (consent, saveTokens). */
  void publish(GrantRecord record, long version) {
    snapshot = new Snapshot(record, version, settings);
  }

  /**
   * Forgets the in-memory state (after remove or revoke, or when replaced by a new registration).
   */
  void forget() {
    snapshot = null;
    writeLock.lock();
    try {
      pendingWrite = null;
    } finally {
      writeLock.unlock();
    }
  }

  /** Takes over the state of the registration this one replaces, including unwritten tokens. */
  void inheritFrom(Grant previous) {
    Snapshot s = previous.snapshot;
    Write pending;
    previous.writeLock.lock();
    try {
      pending = previous.pendingWrite;
      previous.pendingWrite = null;
    } finally {
      previous.writeLock.unlock();
    }
    if (s != null) {
      snapshot = new Snapshot(s.record, s.version, settings);
    }
    if (pending != null) {
      writeLock.lock();
      try {
        pendingWrite = pending;
      } finally {
        writeLock.unlock();
      }
      scheduleWriteRetry(1);
    }
  }

  boolean hasPendingWrite() {
    return pendingWrite != null;
  }

  /**
   * Joins the refresh in flight or starts one. Right after a failure, callers without a usable
   * token get that failure again until the back-off passes, so an outage does not turn every call
   * into a token-endpoint request.
   *
   * @param replacing with {@code force}, the token that must not be adopted as the new one
   */
  private CompletableFuture<Snapshot> startFlight(
      long seenVersion, boolean force, @Nullable AccessToken replacing, boolean ignoreBackoff) {
    CompletableFuture<Snapshot> flight;
    synchronized (this) {
      if (inFlight != null) {
        return inFlight;
      }
      if (!ignoreBackoff && lastFailure != null && settings.clock.millis() < retryNotBeforeMillis) {
        return CompletableFuture.failedFuture(lastFailure);
      }
      flight = new CompletableFuture<>();
      inFlight = flight;
    }
    // Submitted outside the lock: an executor that runs tasks inline must not block other callers.
    try {
      settings.executor.execute(() -> runFlight(flight, seenVersion, force, replacing));
    } catch (RuntimeException rejected) {
      synchronized (this) {
        if (inFlight == flight) {
          inFlight = null;
        }
      }
      flight.completeExceptionally(
          new TransientTokenException(
              "the broker is closed or its executor refused the refresh of '" + key + "'",
              TransientTokenException.Kind.NETWORK,
              0,
              null,
              key,
              rejected));
    }
    return flight;
  }

  private void runFlight(
      CompletableFuture<Snapshot> flight,
      long seenVersion,
      boolean force,
      @Nullable AccessToken replacing) {
    Snapshot result = null;
    Throwable failure = null;
    try {
      result = obtain(seenVersion, force, replacing);
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
        long backoff =
            Math.min(
                settings.failureBackoffMax.toMillis(),
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
          "no token for '"
              + key
              + "' within "
              + settings.maxWait.toMillis()
              + " ms (a refresh is still running)",
          TransientTokenException.Kind.TIMEOUT,
          0,
          null,
          key,
          null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientTokenException(
          "interrupted while waiting for a token for '" + key + "'",
          TransientTokenException.Kind.NETWORK,
          0,
          null,
          key,
          e);
    }
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

  // ---- the refresh protocol (runs on the executor, one flight at a time per grant) ----

  private Snapshot obtain(long seenVersion, boolean force, @Nullable AccessToken replacing) {
    Stored stored;
    try {
      stored = readStore();
    } catch (TokenStoreException e) {
      if (!e.isTransient() || !type.renewsByItself()) {
        throw e;
      }
      // No refresh token can be burned: renew from memory now and persist when the store is back.
      LOG.log(
          Level.WARNING,
          "store unavailable; renewing client-credentials grant ''{0}'' without a lease, to persist later",
          key);
      Snapshot s = snapshot;
      return refreshAndPersist(s == null ? new Stored(null, 0) : new Stored(s.record, s.version));
    }
    Snapshot adopted = adoptIfUsable(stored, seenVersion, force, replacing);
    if (adopted != null) {
      return adopted;
    }
    checkRefreshable(stored);
    try (TokenStore.Lease lease = acquireLease()) {
      if (lease != null) {
        stored = readStore();
        adopted = adoptIfUsable(stored, seenVersion, force, replacing);
        if (adopted != null) {
          return adopted;
        }
        checkRefreshable(stored);
      }
      return refreshAndPersist(stored);
    }
  }

  /** The grant as held in memory while a write is pending, else as the store has it. */
  private Stored readStore() {
    Write pending = pendingWrite;
    if (pending != null) {
      return new Stored(pending.record(), pending.baseVersion());
    }
    return readStoreDirectly();
  }

  private Stored readStoreDirectly() {
    Optional<StoredGrant> entry;
    try {
      entry = settings.store.load(key);
    } catch (TokenStoreException e) {
      if (e.kind() == TokenStoreException.Kind.CORRUPT
          || e.kind() == TokenStoreException.Kind.CANNOT_DECRYPT) {
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

  private @Nullable Snapshot adoptIfUsable(
      Stored stored, long seenVersion, boolean force, @Nullable AccessToken replacing) {
    GrantRecord record = stored.record();
    if (record == null || record.reauthorizationRequired()) {
      return null;
    }
    boolean newer = stored.version() > seenVersion;
    if (force && (!newer || record.tokens().accessToken().equals(replacing))) {
      return null;
    }
    Snapshot candidate = new Snapshot(record, stored.version(), settings);
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
    if (!type.renewsByItself()) {
      if (record == null) {
        throw new UnknownGrantException(key);
      }
      if (record.tokens().refreshToken() == null) {
        throw new InvalidGrantException(
            "grant '"
                + key
                + "' has no refresh token and its access token has expired; "
                + "complete the consent again to re-authorize it",
            key);
      }
    }
  }

  private InvalidGrantException reauthorizationRequired(@Nullable String reason) {
    return new InvalidGrantException(
        "grant '"
            + key
            + "' needs re-authorization"
            + (reason == null ? "" : " (" + reason + ")")
            + "; complete the consent again for this key (CLI: tokenbroker login '"
            + key
            + "')",
        key);
  }

  /**
   * Takes the grant's lease with a bounded wait; null when the store is down for a
   * client-credentials grant.
   */
  TokenStore.@Nullable Lease acquireLease() {
    long deadline = System.nanoTime() + settings.leaseWait.toNanos();
    long pause = 5;
    while (true) {
      Optional<TokenStore.Lease> lease;
      try {
        lease = settings.store.tryAcquireLease(key, settings.leaseTtl);
      } catch (TokenStoreException e) {
        if (e.isTransient() && type.renewsByItself()) {
          // No refresh token can be burned: renew without the lease and persist later.
          LOG.log(
              Level.WARNING,
              "store unavailable; renewing client-credentials grant ''{0}'' without a lease",
              key);
          return null;
        }
        throw e;
      }
      if (lease.isPresent()) {
        return lease.get();
      }
      if (System.nanoTime() >= deadline) {
        throw new TransientTokenException(
            "another broker holds the refresh lease of '"
                + key
                + "' for longer than "
                + settings.leaseWait.toMillis()
                + " ms",
            TransientTokenException.Kind.TIMEOUT,
            0,
            null,
            key,
            null);
      }
      try {
        settings.sleeper.sleep(Duration.ofMillis(pause));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransientTokenException(
            "interrupted while waiting for the refresh lease of '" + key + "'",
            TransientTokenException.Kind.NETWORK,
            0,
            null,
            key,
            e);
      }
      pause = Math.min(pause * 2, 200);
    }
  }

  private Snapshot refreshAndPersist(Stored stored) {
    GrantRecord current = stored.record();
    settings.events.refreshStarted(key);
    TokenSet next;
    DpopKey dpop = client.dpopKeyFor(current); // the grant's own, kept across refreshes
    try {
      next =
          current == null || type.renewsByItself()
              ? client.obtain(type, key, dpop)
              : client.refresh(current.tokens(), key, dpop);
    } catch (InvalidGrantException e) {
      if (!type.renewsByItself() && current != null) {
        return handleInvalidGrant(stored, e);
      }
      throw e;
    }
    Instant now = settings.clock.instant();
    GrantRecord updated = GrantRecord.next(current, type, registration, next, dpop, now);
    Written written = persist(new Write(updated, stored.version(), current));
    Snapshot published = new Snapshot(updated, written.version(), settings);
    snapshot = published;
    settings.events.refreshSucceeded(key, next.expiresAt());
    return published;
  }

  /**
   * {@code invalid_grant} on refresh: someone else may have rotated the token. Only if the store
   * holds nothing newer than what we sent is the grant dead.
   */
  private Snapshot handleInvalidGrant(Stored sent, InvalidGrantException failure) {
    writeLock.lock();
    try {
      pendingWrite = null; // if we refreshed with held tokens, the provider just refused them
    } finally {
      writeLock.unlock();
    }
    Stored latest = readStoreDirectly();
    GrantRecord record = latest.record();
    if (record != null
        && !record.reauthorizationRequired()
        && latest.version() > sent.version()
        && record.tokens().refreshToken() != null
        && !record.tokens().refreshToken().equals(sent.record().tokens().refreshToken())) {
      Snapshot adopted = new Snapshot(record, latest.version(), settings);
      if (adopted.isUsableAt(settings.clock.millis())) {
        snapshot = adopted;
        settings.events.tokensAdopted(key, record.tokens().expiresAt());
        return adopted;
      }
      return refreshAndPersist(latest); // another broker rotated since; refresh from its tokens
    }
    String reason =
        "the provider answered invalid_grant to a refresh"
            + failure.errorDescription().map(d -> ": " + d).orElse("");
    if (record != null) {
      GrantRecord dead = record.markReauthorizationRequired(reason, settings.clock.instant());
      try {
        settings.store.compareAndSet(latest.version(), entry(dead, latest.version() + 1));
      } catch (TokenStoreException e) {
        LOG.log(
            Level.WARNING,
            "could not persist the re-authorization state of ''{0}'': {1}",
            key,
            e.getMessage());
      }
    }
    snapshot = null;
    InvalidGrantException dead = reauthorizationRequired(reason);
    settings.events.reauthorizationRequired(key, dead);
    throw dead;
  }

  private StoredGrant entry(GrantRecord record, long version) {
    return new StoredGrant(
        key, version, settings.sealer().seal(key, record.encode()), record.tokens().expiresAt());
  }

  private Written persist(Write write) {
    Written written;
    writeLock.lock();
    try {
      written = writeLocked(write);
    } finally {
      writeLock.unlock();
    }
    if (written.pending()) {
      scheduleWriteRetry(1);
    }
    return written;
  }

  /**
   * Compare-and-set {@code write} on its base version. On a conflict, writes on top only if the
   * store still holds the state the record was derived from (re-sealed, or marked dead by a broker
   * that tried the refresh token this one had already rotated); anything else (a new consent, a
   * deletion) wins. A failing store keeps the record in memory as {@link #pendingWrite}, for the
   * caller to schedule a retry. Caller holds writeLock.
   */
  private Written writeLocked(Write write) {
    long expected = write.baseVersion();
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        if (settings.store.compareAndSet(expected, entry(write.record(), expected + 1))) {
          if (pendingWrite != null) {
            pendingWrite = null; // this record is the newest: any held one is older
            settings.events.storeWriteRecovered(key);
          }
          return new Written(expected + 1, false);
        }
        settings.events.storeConflict(key);
        Stored now = readStoreDirectly();
        if (!stillHoldsBase(now, write)) {
          LOG.log(
              Level.INFO,
              "tokens of ''{0}'' were replaced or removed elsewhere; not overwriting",
              key);
          pendingWrite = null;
          return new Written(now.version(), false);
        }
        expected = now.version();
      } catch (TokenStoreException e) {
        if (!e.isTransient()) {
          LOG.log(
              Level.ERROR,
              "new tokens of ''{0}'' cannot be written to the store ({1}); "
                  + "they are held in memory only",
              key,
              e.getMessage());
          pendingWrite = null;
          return new Written(write.baseVersion(), false);
        }
        LOG.log(
            Level.WARNING,
            "new tokens of ''{0}'' could not be written to the store ({1}); "
                + "holding them in memory and retrying",
            key,
            e.getMessage());
        boolean first = pendingWrite == null;
        pendingWrite = new Write(write.record(), expected, write.base());
        if (first) {
          settings.events.storeWriteFailed(key, e);
        }
        return new Written(expected, true);
      }
    }
    pendingWrite = new Write(write.record(), expected, write.base());
    return new Written(expected, true);
  }

  private static boolean stillHoldsBase(Stored now, Write write) {
    GrantRecord stored = now.record();
    GrantRecord base = write.base();
    if (stored == null || base == null) {
      return stored == null && base == null; // never stored (a first client-credentials write)
    }
    RefreshToken from = base.tokens().refreshToken();
    return from != null
        ? from.equals(stored.tokens().refreshToken())
        : base.tokens().accessToken().equals(stored.tokens().accessToken());
  }

  private void scheduleWriteRetry(int attempt) {
    synchronized (this) {
      if (writeRetryScheduled) {
        return;
      }
      writeRetryScheduled = true;
    }
    long delay =
        Math.min(
            settings.writeRetryMax.toMillis(),
            settings.writeRetryMin.toMillis() << Math.min(attempt - 1, 16));
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
    if (!flushPendingWrite()) {
      scheduleWriteRetry(attempt + 1);
    }
  }

  /** Tries once to persist tokens held in memory; returns whether none are left unwritten. */
  boolean flushPendingWrite() {
    writeLock.lock();
    try {
      Write pending = pendingWrite;
      if (pending == null) {
        return true;
      }
      Written written = writeLocked(pending);
      if (!written.pending()) {
        Snapshot s = snapshot;
        if (s != null && s.record == pending.record()) {
          snapshot = new Snapshot(pending.record(), written.version(), settings);
        }
        LOG.log(Level.INFO, "tokens of ''{0}'' are now persisted", key);
      }
      return pendingWrite == null;
    } finally {
      writeLock.unlock();
    }
  }
}
