package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.DpopKey;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One registered grant in a broker: the published token snapshot read by the hot path, and the
 * single-flight refresh that implements DESIGN.md §4. Thread-safe.
 *
 * <p>The hot path takes no lock and allocates nothing while the token is fresh, and takes no lock
 * in the refresh-ahead window either (the flight in progress is an atomic reference). Every store
 * write happens under the grant's store lease and is fenced by it; tokens the store did not accept
 * are kept by {@link HeldWrite} and written by {@link HeldWriteFlusher}. The back-off after failed
 * refreshes is kept by {@link RefreshBackoff}; what the hot path reads is a {@link GrantSnapshot}.
 */
final class Grant {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());

  /** What a flight was asked for. */
  private record Request(long seenVersion, boolean force, @Nullable AccessToken replacing) {}

  /**
   * What {@link #inFlight} holds once the broker's cache evicted this grant ({@link #tryDetach}):
   * no flight can start on it any more, and callers still holding it look the grant up again.
   */
  private static final CompletableFuture<GrantSnapshot> DETACHED =
      CompletableFuture.failedFuture(Evicted.INSTANCE);

  /** Thrown to a caller that holds a grant the cache evicted: look it up again. */
  static final class Evicted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("StaticAssignmentOfThrowable") // stackless and immutable, shared on purpose
    static final Evicted INSTANCE = new Evicted();

    private Evicted() {
      super("the grant was evicted from the broker's cache", null, false, false);
    }
  }

  /**
   * Thrown inside a flight that read a store entry naming another client template than this
   * grant's: its tokens belong to another client, which this grant must never use on them. The
   * flight detaches the grant and its callers get {@link Evicted}, so the broker loads the grant
   * again from the store, bound to the entry's template (issue 17).
   */
  private static final class TemplateChanged extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("StaticAssignmentOfThrowable") // stackless and immutable, shared on purpose
    static final TemplateChanged INSTANCE = new TemplateChanged();

    private TemplateChanged() {
      super("the stored grant names another client template", null, false, false);
    }
  }

  private final GrantKey key;
  private final @Nullable String template;
  private final ClientRegistration registration;
  private final GrantType type;
  private final TokenClient client;
  private final BrokerSettings settings;
  private final RefreshBackoff backoff;
  private final HeldWriteFlusher writer;
  private final HeldWrite held;
  private final AtomicReference<@Nullable CompletableFuture<GrantSnapshot>> inFlight =
      new AtomicReference<>();
  private final Object publishLock = new Object();

  /** Held while this grant uses its store lease (never on the hot path). */
  private final ReentrantLock leaseLock = new ReentrantLock();

  private volatile @Nullable GrantSnapshot snapshot; // written under publishLock

  /**
   * The newest store version this grant read ({@link #readStore}): what a failed refresh had seen,
   * so that a newer entry (a consent completed elsewhere) ends the back-off of its failure.
   */
  private volatile long storeVersionSeen;

  /** Whether a held-off caller reads the store now: one at a time, the others fail fast. */
  private final AtomicBoolean checkingStore = new AtomicBoolean();

  /**
   * When the hot path next tells the broker's cache that this grant is used (template grants: at
   * most once per touch interval, so that a hit costs no cache bookkeeping); never for grants
   * registered on their own. Plain fields: a lost or doubled touch is harmless.
   */
  private long touchDueMillis = Long.MAX_VALUE;

  private long touchIntervalMillis;
  private java.util.function.@Nullable Consumer<Grant> toucher;

  /** Drops this grant from the broker's cache once it detached itself for another template. */
  private java.util.function.@Nullable Consumer<Grant> dropper;

  private volatile boolean closed; // written under publishLock

  Grant(
      GrantKey key,
      ClientRegistration registration,
      GrantType type,
      TokenClient client,
      BrokerSettings settings) {
    this(key, null, registration, type, client, settings);
  }

  /** A grant created against client template {@code template} (null: registered on its own). */
  Grant(
      GrantKey key,
      @Nullable String template,
      ClientRegistration registration,
      GrantType type,
      TokenClient client,
      BrokerSettings settings) {
    this.key = key;
    this.template = template;
    this.registration = registration;
    this.type = type;
    this.client = client;
    this.settings = settings;
    this.backoff = new RefreshBackoff(settings);
    this.writer = new HeldWriteFlusher(this, key, settings);
    this.held = writer.held();
  }

  GrantKey key() {
    return key;
  }

  @Nullable String template() {
    return template;
  }

  /** Makes the hot path call {@code toucher} with this grant at most once per {@code interval}. */
  void touchedBy(java.util.function.Consumer<Grant> toucher, long intervalMillis) {
    this.toucher = toucher;
    this.touchIntervalMillis = intervalMillis;
    this.touchDueMillis = settings.clock.millis() + intervalMillis;
  }

  /** Makes a flight that detaches this grant for another template call {@code dropper} with it. */
  void droppedBy(java.util.function.Consumer<Grant> dropper) {
    this.dropper = dropper;
  }

  private void touch(long now) {
    touchDueMillis = now + touchIntervalMillis;
    java.util.function.Consumer<Grant> t = toucher;
    if (t != null) {
      t.accept(this);
      if (isDetached()) {
        throw Evicted.INSTANCE; // it expired from the cache just now: read it again
      }
    }
  }

  /**
   * For the broker's cache, which is evicting this grant: succeeds, and from then on no refresh can
   * start on this object, only if no refresh is in flight and no write is held. A grant that is
   * busy is not detached; the broker keeps it (pinned) until it is idle.
   */
  boolean tryDetach() {
    if (!inFlight.compareAndSet(null, DETACHED)) {
      return inFlight.get() == DETACHED;
    }
    if (held.current() != null) {
      inFlight.compareAndSet(DETACHED, null);
      return false;
    }
    return true;
  }

  /** Whether {@link #tryDetach} succeeded: this object serves no refresh any more. */
  boolean isDetached() {
    return inFlight.get() == DETACHED;
  }

  /** Whether a refresh is in flight or tokens are held unwritten (never evicted then). */
  boolean isBusy() {
    CompletableFuture<GrantSnapshot> flight = inFlight.get();
    return (flight != null && flight != DETACHED) || held.current() != null;
  }

  ClientRegistration registration() {
    return registration;
  }

  GrantType type() {
    return type;
  }

  TokenClient client() {
    return client;
  }

  /** The tokens published now (possibly held, not yet written), or null. */
  @Nullable GrantRecord currentRecord() {
    GrantSnapshot s = snapshot;
    return s == null ? null : s.record;
  }

  /** The tokens held in memory because the store did not accept them yet, or null. */
  @Nullable GrantRecord heldRecord() {
    HeldWrite.Write write = held.current();
    return write == null ? null : write.record();
  }

  /** The held records, oldest first (each refreshed from the one before), or an empty list. */
  java.util.List<GrantRecord> heldChain() {
    HeldWrite.Write write = held.current();
    if (write == null) {
      return java.util.List.of();
    }
    java.util.List<GrantRecord> chain = new java.util.ArrayList<>(write.lineage());
    chain.add(write.record());
    return chain;
  }

  boolean hasPendingWrite() {
    return held.current() != null;
  }

  @Nullable TokenStoreException lastWriteFailure() {
    return held.lastFailure();
  }

  // ---------------------------------------------------------------------------- the hot path

  /** The hot path: no lock, and no allocation while the token is fresh. */
  AccessToken accessToken() {
    GrantSnapshot s = snapshot;
    if (s != null) {
      long now = settings.clock.millis();
      if (now >= touchDueMillis) {
        touch(now);
      }
      if (now < s.refreshAtMillis) {
        return s.token;
      }
      if (now < s.usableUntilMillis) {
        if (inFlight.get() == null && now >= backoff.retryNotBeforeMillis()) {
          CompletableFuture<GrantSnapshot> flight =
              startFlight(new Request(s.version, false, null), true);
          if (flight.isDone() && snapshot != s) {
            // It ran inline and changed what is served (a new token, or the grant is dead): its
            // outcome stands, not the token read before it.
            return await(flight);
          }
        }
        return s.token;
      }
    }
    return await(startFlight(new Request(s == null ? 0 : s.version, false, null), false));
  }

  /** Obtains a new token now, unless another broker meanwhile stored a different one. */
  AccessToken forceRefresh() {
    GrantSnapshot s = snapshot;
    return await(
        startFlight(
            new Request(s == null ? 0 : s.version, true, s == null ? null : s.token), true));
  }

  /** After an API answered 401 with {@code rejected}: refresh only if it is still current. */
  AccessToken refreshIfCurrent(AccessToken rejected) {
    GrantSnapshot s = snapshot;
    if (s != null && !s.token.equals(rejected)) {
      return accessToken();
    }
    return await(startFlight(new Request(s == null ? 0 : s.version, true, rejected), true));
  }

  // ---------------------------------------------------------------------------- publishing

  /** Publishes {@code record} at {@code version} unless a newer version is published already. */
  void publish(GrantRecord record, long version) {
    synchronized (publishLock) {
      GrantSnapshot current = snapshot;
      if (!closed && (current == null || current.version <= version)) {
        snapshot = new GrantSnapshot(record, version, settings);
      }
    }
  }

  void unpublish() {
    synchronized (publishLock) {
      snapshot = null;
    }
  }

  /**
   * After held tokens were superseded: serves what the store holds if it can be served (it replaces
   * the dropped tokens whatever its version), otherwise nothing.
   */
  @Nullable GrantSnapshot serveStoreState(StoredState stored) {
    GrantRecord record = stored.record();
    if (record != null && !record.reauthorizationRequired()) {
      GrantSnapshot candidate = new GrantSnapshot(record, stored.version(), settings);
      if (candidate.isUsableAt(settings.clock.millis())) {
        synchronized (publishLock) {
          if (!closed) {
            snapshot = candidate;
          }
        }
        return candidate;
      }
    }
    unpublish();
    return null;
  }

  /** After a consent or a re-seal written under the lease: the store holds this now. */
  void published(GrantRecord record, long version) {
    publish(record, version);
  }

  /** Forgets the in-memory state (after remove or revoke). */
  void forget() {
    held.clear();
    unpublish();
  }

  /**
   * A new consent was written at {@code version}: it replaces anything held, and a failure of the
   * tokens before it no longer holds off their refreshes (a {@code Retry-After} still does).
   */
  void replacedBy(GrantRecord record, long version) {
    held.clear();
    backoff.newerTokens();
    synchronized (publishLock) {
      if (!closed) {
        snapshot = new GrantSnapshot(record, version, settings);
      }
    }
  }

  /** Takes over the state of the registration this one replaces, including unwritten tokens. */
  void inheritFrom(Grant previous) {
    GrantSnapshot s = previous.snapshot;
    if (s != null) {
      publish(s.record, s.version);
    }
    held.takeOver(previous.held);
  }

  /** Stops refreshing: later calls fail; what is held stays for {@link #flushHeldOnce}. */
  void close() {
    synchronized (publishLock) {
      closed = true;
      snapshot = null;
    }
    held.stop();
  }

  /** After the broker's last flush: releases a lease kept for held tokens. */
  void releaseKeptLease() {
    leaseLock.lock();
    try {
      held.releaseLease();
    } finally {
      leaseLock.unlock();
    }
  }

  // ---------------------------------------------------------------------------- the lease

  /**
   * Takes this grant's store lease: the one kept for held tokens, or a new one (bounded wait).
   * Closing the result gives it back. One user at a time in this broker.
   *
   * @throws TransientTokenException if another broker keeps it past the lease wait
   * @throws TokenStoreException if the store cannot lease
   */
  GrantLease lease() {
    leaseLock.lock();
    try {
      GrantLease kept = held.takeLease();
      return kept != null ? kept : GrantLease.acquire(settings, key, this);
    } catch (RuntimeException e) {
      leaseLock.unlock();
      throw e;
    }
  }

  /** As {@link #lease()}, without waiting: null if this broker or another one uses it now. */
  @Nullable GrantLease tryLease() {
    if (!leaseLock.tryLock()) {
      return null;
    }
    try {
      GrantLease kept = held.takeLease();
      GrantLease lease = kept != null ? kept : GrantLease.tryAcquire(settings, key, this);
      if (lease == null) {
        leaseLock.unlock();
      }
      return lease;
    } catch (RuntimeException e) {
      leaseLock.unlock();
      throw e;
    }
  }

  /**
   * Gets a lease back from {@link GrantLease#close()}: kept while tokens are held, else released.
   */
  void release(GrantLease lease) {
    try {
      if (held.current() != null) {
        held.keepLease(lease);
      } else {
        lease.release();
      }
    } finally {
      leaseLock.unlock();
    }
  }

  // ---------------------------------------------------------------------------- flights

  /**
   * Joins the refresh in flight or starts one. Right after a failure, callers without a usable
   * token get that failure again until the back-off passes, so an outage does not turn every call
   * into a token-endpoint request; a {@code Retry-After} holds off forced refreshes too.
   */
  private CompletableFuture<GrantSnapshot> startFlight(Request request, boolean ignoreBackoff) {
    while (true) {
      CompletableFuture<GrantSnapshot> current = inFlight.get();
      if (current != null) {
        return current;
      }
      if (closed) {
        return CompletableFuture.failedFuture(closedException());
      }
      RuntimeException last = backoff.holdingOff(ignoreBackoff);
      if (last != null) {
        GrantSnapshot newer = adoptNewerWhileHoldingOff();
        if (newer != null) {
          return CompletableFuture.completedFuture(newer);
        }
        last = backoff.holdingOff(ignoreBackoff); // ended if the store holds newer tokens
        if (last != null) {
          return CompletableFuture.failedFuture(last);
        }
      }
      CompletableFuture<GrantSnapshot> flight = new CompletableFuture<>();
      if (!inFlight.compareAndSet(null, flight)) {
        continue;
      }
      if (closed) {
        inFlight.compareAndSet(flight, null);
        flight.completeExceptionally(closedException());
        return flight;
      }
      // Submitted outside any lock: an executor that runs tasks inline must not block others.
      try {
        settings.executor.execute(() -> runFlight(flight, request));
      } catch (RuntimeException rejected) {
        inFlight.compareAndSet(flight, null);
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
  }

  private IllegalStateException closedException() {
    return new IllegalStateException("the broker is closed; no token for '" + key + "'");
  }

  private void runFlight(CompletableFuture<GrantSnapshot> flight, Request request) {
    GrantSnapshot result = null;
    Throwable thrown = null;
    try {
      result = obtain(request);
    } catch (TemplateChanged changed) {
      // Nothing was written and nothing is held: this object serves no more; its callers load
      // the grant again (bound to the stored entry's template) and retry on that one.
      inFlight.compareAndSet(flight, DETACHED);
      java.util.function.Consumer<Grant> d = dropper;
      if (d != null) {
        d.accept(this); // also when no caller waits (a refresh ahead of expiry)
      }
      flight.completeExceptionally(Evicted.INSTANCE);
      return;
    } catch (Throwable t) {
      thrown = t;
    }
    backoff.record(thrown, storeVersionSeen);
    inFlight.compareAndSet(flight, null);
    if (thrown == null) {
      flight.complete(result);
    } else {
      if (thrown instanceof TokenBrokerException e) {
        settings.events.refreshFailed(key, e);
      }
      flight.completeExceptionally(thrown);
    }
  }

  private AccessToken await(CompletableFuture<GrantSnapshot> flight) {
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

  /** Waits until no refresh is in flight, at most until {@code deadlineNanos} (scheduler time). */
  void awaitIdle(long deadlineNanos) {
    while (true) {
      CompletableFuture<GrantSnapshot> flight = inFlight.get();
      long left = deadlineNanos - settings.scheduler.nanoTime();
      if (flight == null || flight == DETACHED || left <= 0) {
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

  // ---------------------------------------------------------------------------- the protocol

  private GrantSnapshot obtain(Request request) {
    if (held.current() == null) {
      // Without the lease: another broker may have refreshed already.
      StoredState stored;
      try {
        stored = readStore();
      } catch (TokenStoreException e) {
        if (e.isTransient() && type.renewsByItself()) {
          return renewWithoutLease(e);
        }
        throw e;
      }
      leaveIfAnotherTemplate(stored);
      GrantSnapshot adopted = adoptIfUsable(stored, request);
      if (adopted != null) {
        return adopted;
      }
      checkRefreshable(stored);
    }
    GrantLease lease;
    try {
      lease = lease();
    } catch (TokenStoreException e) {
      if (e.isTransient() && type.renewsByItself()) {
        return renewWithoutLease(e);
      }
      throw e; // no lease, no refresh token spent
    }
    try (lease) {
      HeldWrite.Write pending = held.current();
      if (pending == null) {
        StoredState stored = readStore();
        leaveIfAnotherTemplate(stored);
        GrantSnapshot adopted = adoptIfUsable(stored, request);
        if (adopted != null) {
          return adopted;
        }
        checkRefreshable(stored);
        return refreshAndPersist(stored, stored, lease, null);
      }
      // The held tokens are the newest: write them before anything else.
      try {
        StoredState stored = writeHeld(lease.lease(), pending, readStore());
        // The held tokens are written, or dropped because a new consent replaced them: either
        // way under their own lineage's rules, before this grant may leave for another template.
        leaveIfAnotherTemplate(stored);
        GrantSnapshot adopted = adoptIfUsable(stored, request);
        if (adopted != null) {
          return adopted;
        }
        checkRefreshable(stored);
        return refreshAndPersist(stored, stored, lease, null);
      } catch (RuntimeException writeFailed) {
        if (!(writeFailed instanceof TokenStoreException)) {
          throw writeFailed; // not a store failure (a dead grant, a transient token failure)
        }
        held.failedAgain(writeFailed);
      }
      // The store does not take them now: refresh from the held tokens if needed, keeping the
      // held write's original base, so that the newer tokens are written over it later.
      StoredState fromHeld = new StoredState(pending.record(), pending.baseVersion());
      boolean replacesHeld =
          request.force()
              && (request.replacing() == null
                  || pending.record().tokens().accessToken().equals(request.replacing()));
      if (!replacesHeld && isFresh(pending.record())) {
        return new GrantSnapshot(pending.record(), pending.baseVersion(), settings);
      }
      checkRefreshable(fromHeld);
      return refreshAndPersist(
          fromHeld, new StoredState(pending.base(), pending.baseVersion()), lease, pending);
    }
  }

  private boolean isFresh(GrantRecord record) {
    return settings.clock.millis() < new GrantSnapshot(record, 0, settings).refreshAtMillis;
  }

  /** The grant as the store holds it now. */
  StoredState readStore() {
    StoredState stored = StoredState.read(settings, key);
    if (stored.version() > storeVersionSeen) {
      storeVersionSeen = stored.version(); // a lost race only makes a failure look older
    }
    return stored;
  }

  /**
   * While the back-off holds off an old failure (never on the healthy hot path): one store read,
   * and if the store holds a live entry newer than the one that failed (a consent completed on
   * another broker), the old failure's back-off ends (a {@code Retry-After} stays) and the entry is
   * served if it needs no refresh; an entry that does, or that names another template, is left to a
   * flight. Null to keep the old failure: nothing newer, tokens held unwritten (their flight
   * decides), a store that cannot be read now, or another caller reading it already (so that a slow
   * store does not make every held-off caller wait).
   */
  private @Nullable GrantSnapshot adoptNewerWhileHoldingOff() {
    long failedAt = backoff.failedAtVersion();
    GrantSnapshot current = snapshot;
    if (held.current() != null || !checkingStore.compareAndSet(false, true)) {
      return null;
    }
    StoredGrant entry;
    GrantRecord record;
    try {
      // The version first: an entry no newer than the failed one is not even opened.
      entry = settings.store.load(key).orElse(null);
      if (entry == null
          || entry.version() <= Math.max(failedAt, current == null ? 0 : current.version)) {
        return null;
      }
      record = StoredState.open(settings, key, entry);
    } catch (TokenStoreException e) {
      return null; // the old failure stands; a flight reports an unreadable entry
    } finally {
      checkingStore.set(false);
    }
    if (record.reauthorizationRequired()) {
      return null;
    }
    backoff.newerTokens(failedAt);
    if (namesAnotherTemplate(record)) {
      return null;
    }
    GrantSnapshot candidate = new GrantSnapshot(record, entry.version(), settings);
    if (settings.clock.millis() >= candidate.refreshAtMillis) {
      return null;
    }
    publish(record, entry.version());
    settings.events.tokensAdopted(key, record.tokens().expiresAt());
    return candidate;
  }

  /**
   * If {@code stored} names another client template than this template grant's (a consent against
   * that template completed elsewhere), stops serving and leaves: {@link #runFlight} detaches this
   * grant, so that the broker binds the entry to its own template. Never while tokens are held
   * unwritten: those are refreshed and written under this grant's rules first (as before). Grants
   * registered on their own, and entries without a template, never leave.
   */
  private void leaveIfAnotherTemplate(StoredState stored) {
    GrantRecord record = stored.record();
    if (record != null && namesAnotherTemplate(record) && held.current() == null) {
      LOG.log(
          Level.INFO,
          "grant ''{0}'' is stored under template ''{1}'' now, not ''{2}''; loading it again with"
              + " that template",
          key,
          record.template(),
          template);
      unpublish();
      throw TemplateChanged.INSTANCE;
    }
  }

  /** Whether {@code record} names a client template other than this template grant's. */
  private boolean namesAnotherTemplate(GrantRecord record) {
    String named = record.template();
    return template != null && named != null && !named.equals(template);
  }

  private @Nullable GrantSnapshot adoptIfUsable(StoredState stored, Request request) {
    GrantRecord record = stored.record();
    if (record == null || record.reauthorizationRequired()) {
      return null;
    }
    boolean newer = stored.version() > request.seenVersion();
    if (request.force() && (!newer || record.tokens().accessToken().equals(request.replacing()))) {
      return null;
    }
    GrantSnapshot candidate = new GrantSnapshot(record, stored.version(), settings);
    if (settings.clock.millis() >= candidate.refreshAtMillis) {
      return null;
    }
    GrantSnapshot before = snapshot;
    publish(record, stored.version());
    if (newer
        && request.seenVersion() > 0
        && (before == null || !before.token.equals(candidate.token))) {
      settings.events.tokensAdopted(key, record.tokens().expiresAt());
    }
    return candidate;
  }

  private void checkRefreshable(StoredState stored) {
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
   * Calls the token endpoint under {@code lease} (within its deadline) with the tokens of {@code
   * from} and writes the result over {@code stored}, the store's state. From the answer on, the new
   * tokens are never dropped: a failed write holds them. {@code chain} is the held write {@code
   * from} came from (its base stays the base of the new write), or null.
   */
  @SuppressWarnings("ReferenceEquality") // identity on purpose: the very write and record held
  private GrantSnapshot refreshAndPersist(
      StoredState from, StoredState stored, GrantLease lease, HeldWrite.@Nullable Write chain) {
    GrantRecord current = from.record();
    settings.events.refreshStarted(key);
    long deadline = lease.tokenCallDeadlineNanos();
    TokenSet next;
    DpopKey dpop = client.dpopKeyFor(current); // the grant's own, kept across refreshes
    try {
      next =
          current == null || type.renewsByItself()
              ? client.obtain(type, key, dpop, deadline)
              : client.refresh(current.tokens(), key, dpop, deadline);
    } catch (InvalidGrantException e) {
      if (!type.renewsByItself() && current != null) {
        return handleInvalidGrant(from, lease, e);
      }
      throw e;
    }
    GrantRecord updated = newRecord(current, next, dpop);
    HeldWrite.Write write =
        chain != null
            ? chain.newer(updated)
            : new HeldWrite.Write(updated, current, stored.version());
    GrantSnapshot published;
    try {
      HeldWrite.Outcome outcome;
      try {
        outcome = held.write(lease.lease(), write, stored, this::readStore);
      } catch (TokenStoreException e) {
        if (e.kind() != TokenStoreException.Kind.LEASE_LOST) {
          throw e;
        }
        // The answer came after the lease ran out: write under a new lease if nobody took it.
        outcome = writer.rewriteUnderNewLease(write, e);
      }
      if (!outcome.written()) {
        // Under our lease nothing else may write; a store that did anyway holds a new consent.
        LOG.log(
            Level.WARNING,
            "the entry of ''{0}'' was replaced while its refresh ran; keeping" + " the store''s",
            key);
        GrantSnapshot served = serveStoreState(outcome.store());
        if (served == null) {
          throw new TransientTokenException(
              "the tokens of '" + key + "' were replaced elsewhere; no usable token now",
              TransientTokenException.Kind.NETWORK,
              0,
              null,
              key,
              null);
        }
        return served;
      }
      publish(updated, outcome.version());
      published = snapshot;
      if (chain != null) {
        // The held tokens' successor is stored: they are spent and must never be refreshed from
        // again, even while the store cannot be read (simulation seed 988456).
        held.settled(chain, true);
      }
    } catch (RuntimeException writeFailed) {
      if (held.current() != write) {
        held.hold(write, writeFailed);
      }
      publish(updated, stored.version());
      published = snapshot;
    }
    settings.events.refreshSucceeded(key, next.expiresAt());
    return published != null && published.record == updated
        ? published
        : new GrantSnapshot(updated, stored.version(), settings);
  }

  private GrantRecord newRecord(
      @Nullable GrantRecord current, TokenSet next, @Nullable DpopKey dpop) {
    return GrantRecord.next(current, type, registration, next, dpop, settings.clock.instant())
        .withTemplate(template);
  }

  /**
   * {@code invalid_grant} on refresh. Under our lease the store cannot have changed since we read
   * it, unless the lease ran out; if it did not change, the refresh token we sent is dead.
   */
  private GrantSnapshot handleInvalidGrant(
      StoredState sent, GrantLease lease, InvalidGrantException failure) {
    // The provider refused the newest refresh token this broker has (held or stored): stop
    // serving its tokens and drop what is held, even if the store cannot be read now.
    held.clear();
    unpublish();
    StoredState latest = readStore();
    GrantRecord record = latest.record();
    if (latest.version() != sent.version()) {
      leaveIfAnotherTemplate(latest);
      GrantSnapshot adopted = adoptIfUsable(latest, new Request(sent.version(), false, null));
      if (adopted != null) {
        return adopted;
      }
      throw new TransientTokenException(
          "the refresh of '"
              + key
              + "' was refused and the stored grant changed meanwhile (its"
              + " lease ran out); it will be tried again from the stored tokens",
          TransientTokenException.Kind.TIMEOUT,
          0,
          null,
          key,
          failure);
    }
    String reason =
        "the provider answered invalid_grant to a refresh"
            + failure.errorDescription().map(d -> ": " + d).orElse("");
    if (record != null) {
      GrantRecord dead = record.markReauthorizationRequired(reason, settings.clock.instant());
      byte[] sealed = settings.sealer().seal(key, dead.encode());
      try {
        settings.store.compareAndSet(
            lease.lease(), latest.version(), sealed, dead.tokens().expiresAt());
      } catch (TokenStoreException e) {
        if (e.kind() != TokenStoreException.Kind.LEASE_LOST
            || !markUnderNewLease(latest, sealed, dead)) {
          LOG.log(
              Level.WARNING,
              "could not persist the re-authorization state of ''{0}'': {1}",
              key,
              e.getMessage());
        }
      }
    }
    unpublish();
    InvalidGrantException dead = reauthorizationRequired(reason);
    settings.events.reauthorizationRequired(key, dead);
    throw dead;
  }

  /**
   * The re-authorization mark after the lease ran out: under a new lease if it is free now, so that
   * other brokers see the grant is dead instead of refreshing from its stored token.
   */
  private boolean markUnderNewLease(StoredState latest, byte[] sealed, GrantRecord dead) {
    try {
      GrantLease fresh = GrantLease.tryAcquire(settings, key, null);
      if (fresh == null) {
        return false;
      }
      try {
        return settings
            .store
            .compareAndSet(fresh.lease(), latest.version(), sealed, dead.tokens().expiresAt())
            .isPresent();
      } finally {
        fresh.release();
      }
    } catch (TokenStoreException e) {
      return false;
    }
  }

  /**
   * Client credentials while the store cannot lease: no refresh token can be burned, so renew from
   * memory now and hold the result for a later write (on the held write's original base).
   */
  private GrantSnapshot renewWithoutLease(TokenStoreException cause) {
    LOG.log(
        Level.WARNING,
        "store unavailable; renewing client-credentials grant ''{0}'' without a lease, to persist"
            + " later",
        key);
    settings.events.refreshStarted(key);
    GrantSnapshot s = snapshot;
    GrantRecord current = s == null ? null : s.record;
    DpopKey dpop = client.dpopKeyFor(current); // the grant's own, kept across renewals
    TokenSet next = client.obtain(type, key, dpop, TokenEndpoint.NO_DEADLINE);
    HeldWrite.Write previous = held.current();
    GrantRecord updated = newRecord(current, next, dpop);
    HeldWrite.Write write =
        previous != null
            ? previous.newer(updated)
            : new HeldWrite.Write(updated, s == null ? null : s.record, s == null ? 0 : s.version);
    held.hold(write, cause);
    publish(updated, write.baseVersion());
    settings.events.refreshSucceeded(key, next.expiresAt());
    GrantSnapshot published = snapshot;
    return published != null
        ? published
        : new GrantSnapshot(updated, write.baseVersion(), settings);
  }

  // ---------------------------------------------------------------------------- held writes

  /**
   * Writes the held tokens under {@code lease} over {@code stored}; returns the store's state after
   * (see {@link HeldWriteFlusher#writeHeld}).
   *
   * @throws RuntimeException if the write failed; the tokens stay held
   */
  StoredState writeHeld(TokenStore.Lease lease, HeldWrite.Write write, StoredState stored) {
    return writer.writeHeld(lease, write, stored);
  }

  /**
   * One attempt to write the held tokens, under a lease taken without waiting.
   *
   * @return whether nothing is held any more
   */
  boolean flushHeldOnce() {
    return writer.flushOnce();
  }

  /**
   * Under the lease of a key rotation that just re-sealed (or checked) the entry: write held tokens
   * now, or serve what the store holds if it is what this broker serves.
   */
  void afterReseal(TokenStore.Lease lease, StoredState stored) {
    writer.afterReseal(lease, stored);
  }

  /** Whether a refresh is in flight on this grant now. */
  boolean isRefreshing() {
    CompletableFuture<GrantSnapshot> flight = inFlight.get();
    return flight != null && flight != DETACHED;
  }

  /** Whether {@link #close()} ran. */
  boolean isClosed() {
    return closed;
  }

  /** The snapshot published now, or null. */
  @Nullable GrantSnapshot snapshot() {
    return snapshot;
  }
}
