package io.tokenbroker.oauth;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * New tokens of one grant that the store has not accepted yet, and the fenced write that puts them
 * there.
 *
 * <p>After a token endpoint answered, its tokens are never dropped because a write failed, whatever
 * the failure (unavailable, read-only, lease lost, misconfigured, an entry that would not open on
 * re-read): they are held here, served, used by the next refresh, retried with back-off, reported
 * to the listener, and flushed by {@code close()}. They are dropped only when the store holds
 * something that does not descend from the state they were derived from (a new consent, a
 * deletion): that replacement was deliberate.
 *
 * <p>A held write keeps the <em>original</em> base it was derived from (the record and version the
 * store held when the first unwritten refresh started), however many refreshes run on top of it
 * from memory, so that a later write recognises the store's entry as its ancestor even after it was
 * re-sealed or marked for re-authorization by a broker that tried the spent refresh token.
 *
 * <p>It also keeps the grant's <b>lease</b> while it lasts: the store still holds the refresh token
 * these tokens replaced, which the provider may already have spent, and no other broker may refresh
 * with it meanwhile. Retries are scheduled so that one runs before the lease runs out.
 *
 * <p>Thread-safe. Writes happen under the grant's lease, which serializes them.
 */
final class HeldWrite {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());
  private static final int MAX_CONFLICTS = 3;

  /**
   * A record to write and what it was derived from: {@code base} at {@code baseVersion} ({@code
   * null} and 0 when nothing was stored), through the held records in {@code lineage} (oldest
   * first), each refreshed from the one before.
   */
  record Write(
      GrantRecord record, @Nullable GrantRecord base, long baseVersion, List<GrantRecord> lineage) {
    Write(GrantRecord record, @Nullable GrantRecord base, long baseVersion) {
      this(record, base, baseVersion, List.of());
    }

    /** The same base, newer tokens (a refresh that started from the held ones). */
    Write newer(GrantRecord next) {
      List<GrantRecord> longer = new ArrayList<>(lineage);
      longer.add(record);
      return new Write(next, base, baseVersion, List.copyOf(longer));
    }
  }

  /** What a write came to: written at {@code version}, or superseded by what the store holds. */
  record Outcome(boolean written, long version, StoredState store) {}

  /** Reads the store directly, under the lease. */
  @FunctionalInterface
  interface Reader {
    StoredState read();
  }

  private final GrantKey key;
  private final BrokerSettings settings;
  private final Runnable retryAction;
  private final AtomicReference<@Nullable Write> pending = new AtomicReference<>();
  private volatile @Nullable TokenStoreException lastFailure;
  private final Object lock = new Object();
  private int attempts; // guarded by lock
  private @Nullable Future<?> retry; // guarded by lock
  private boolean stopped; // guarded by lock
  private @Nullable GrantLease lease; // guarded by lock

  HeldWrite(GrantKey key, BrokerSettings settings, Runnable retryAction) {
    this.key = key;
    this.settings = settings;
    this.retryAction = retryAction;
  }

  @Nullable Write current() {
    return pending.get();
  }

  /** Why the store refused the held tokens last, or null while none are held. */
  @Nullable TokenStoreException lastFailure() {
    return pending.get() == null ? null : lastFailure;
  }

  /**
   * Writes {@code write} under {@code lease} on top of {@code current}, the store's state read
   * under the same lease. Writes only over a state that descends from the write's base; recognises
   * a write that already landed (its answer lost).
   *
   * @throws RuntimeException whatever the store threw (the caller holds the tokens)
   */
  Outcome write(TokenStore.Lease lease, Write write, StoredState current, Reader reader) {
    StoredState now = current;
    for (int conflicts = 0; ; conflicts++) {
      GrantRecord stored = now.record();
      if (stored != null
          && !stored.reauthorizationRequired()
          && stored.tokens().accessToken().equals(write.record().tokens().accessToken())) {
        return new Outcome(true, now.version(), now); // an earlier attempt landed
      }
      if (!descendsFromBase(stored, write)) {
        return new Outcome(false, now.version(), now);
      }
      OptionalLong written =
          settings.store.compareAndSet(
              lease,
              now.version(),
              settings.sealer().seal(key, write.record().encode()),
              write.record().tokens().expiresAt());
      if (written.isPresent()) {
        return new Outcome(
            true, written.getAsLong(), new StoredState(write.record(), written.getAsLong()));
      }
      settings.events.storeConflict(key);
      if (conflicts >= MAX_CONFLICTS) {
        throw new TokenStoreException(
            "could not write the tokens of '"
                + key
                + "': the entry changed "
                + (conflicts + 1)
                + " times under the lease",
            TokenStoreException.Kind.UNAVAILABLE,
            key,
            null);
      }
      now = reader.read();
    }
  }

  /**
   * Whether the store's entry is the write's base, or a record of its lineage (an earlier write of
   * this chain that landed although its answer was lost), possibly re-sealed or marked for
   * re-authorization by a broker that presented a spent refresh token: the same refresh token, or,
   * for a grant without refresh tokens, the same access token. Anything else is a new consent or a
   * deletion.
   */
  static boolean descendsFromBase(@Nullable GrantRecord stored, Write write) {
    GrantRecord base = write.base();
    if (stored == null) {
      return base == null; // never stored: a first write
    }
    if (base != null && sameTokens(base, stored)) {
      return true;
    }
    for (GrantRecord ancestor : write.lineage()) {
      if (sameTokens(ancestor, stored)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameTokens(GrantRecord a, GrantRecord b) {
    RefreshToken refresh = a.tokens().refreshToken();
    return refresh != null
        ? refresh.equals(b.tokens().refreshToken())
        : a.tokens().accessToken().equals(b.tokens().accessToken());
  }

  /** Keeps {@code write} (newer than anything held before) after writing it failed. */
  void hold(Write write, RuntimeException cause) {
    pending.set(write);
    failed(cause);
  }

  /** A retry of the held write failed again. */
  void failedAgain(RuntimeException cause) {
    if (pending.get() != null) {
      failed(cause);
    }
  }

  private void failed(RuntimeException cause) {
    TokenStoreException failure = asStoreFailure(cause);
    boolean first = lastFailure == null;
    lastFailure = failure;
    if (first) {
      settings.events.storeWriteFailed(key, failure);
    } else {
      LOG.log(
          Level.INFO,
          "new tokens of ''{0}'' are still not written ({1}); retrying",
          key,
          failure.getMessage());
    }
    scheduleRetry();
  }

  /**
   * {@code write} was written ({@code written}) or superseded: forget it, unless newer tokens
   * replaced it meanwhile.
   */
  void settled(Write write, boolean written) {
    if (!pending.compareAndSet(write, null)) {
      return;
    }
    TokenStoreException failure = lastFailure;
    lastFailure = null;
    cancelRetry(false);
    releaseLease();
    if (written && failure != null) {
      settings.events.storeWriteRecovered(key);
    }
  }

  /** Drops whatever is held (the grant was removed, revoked or consented again). */
  void clear() {
    pending.set(null);
    lastFailure = null;
    cancelRetry(false);
    releaseLease();
  }

  /**
   * Keeps {@code taken} while tokens are held, unless it ran out or the store said it was lost:
   * then releases it (and keeps a lease kept before, if any).
   */
  void keepLease(GrantLease taken) {
    TokenStoreException failure = lastFailure;
    boolean lost = failure != null && failure.kind() == TokenStoreException.Kind.LEASE_LOST;
    boolean usable = pending.get() != null && !lost && taken.remainingNanos() > 0;
    GrantLease released;
    synchronized (lock) {
      if (usable) {
        released = lease != taken ? lease : null;
        lease = taken;
      } else {
        released = taken;
        if (lease == taken) {
          lease = null;
        }
      }
    }
    if (released != null) {
      released.release();
    }
    if (usable) {
      cancelRetry(false);
      scheduleRetry(); // one retry before it runs out
    }
  }

  /** The kept lease, if it still holds, handed over to the caller; null otherwise. */
  @Nullable GrantLease takeLease() {
    GrantLease taken;
    synchronized (lock) {
      taken = lease;
      lease = null;
    }
    if (taken != null && taken.remainingNanos() <= 0) {
      taken.release(); // ran out; releasing is harmless if someone took it over
      return null;
    }
    return taken;
  }

  /** Releases a kept lease (the tokens were written, dropped, or the broker closes). */
  void releaseLease() {
    GrantLease taken;
    synchronized (lock) {
      taken = lease;
      lease = null;
    }
    if (taken != null) {
      taken.release();
    }
  }

  /** No more background retries (the broker is closing and flushes itself). */
  void stop() {
    cancelRetry(true);
  }

  /** Takes over what {@code previous} holds (a grant registered again). */
  void takeOver(HeldWrite previous) {
    Write write = previous.pending.getAndSet(null);
    TokenStoreException failure = previous.lastFailure;
    previous.stop();
    previous.releaseLease(); // it belongs to the previous registration; a retry takes a new one
    if (write != null) {
      pending.set(write);
      lastFailure = failure;
      scheduleRetry();
    }
  }

  /**
   * Schedules a background retry with back-off (before a kept lease runs out), unless one is
   * scheduled or retries stopped.
   */
  void scheduleRetry() {
    synchronized (lock) {
      if (stopped || retry != null) {
        return;
      }
      long min = settings.writeRetryMin.toMillis();
      long delay = Math.min(settings.writeRetryMax.toMillis(), min << Math.min(attempts, 16));
      if (lease != null) {
        long beforeExpiry =
            lease.remainingNanos() / 1_000_000 - Math.min(1000, settings.leaseTtl.toMillis() / 10);
        delay = Math.max(1, Math.min(delay, beforeExpiry));
      }
      attempts++;
      try {
        retry = settings.scheduler.schedule(this::fire, Duration.ofMillis(delay));
      } catch (RuntimeException shutDown) {
        retry = null; // close() flushes what is left
      }
    }
  }

  private void fire() {
    synchronized (lock) {
      retry = null;
      if (stopped) {
        return;
      }
    }
    try {
      settings.executor.execute(retryAction);
    } catch (RuntimeException rejected) {
      LOG.log(Level.DEBUG, "write retry of ''{0}'' not run: the executor refused it", key);
    }
  }

  private void cancelRetry(boolean stop) {
    Future<?> scheduled;
    synchronized (lock) {
      stopped |= stop;
      attempts = 0;
      scheduled = retry;
      retry = null;
    }
    if (scheduled != null) {
      scheduled.cancel(false);
    }
  }

  private TokenStoreException asStoreFailure(RuntimeException cause) {
    if (cause instanceof TokenStoreException e) {
      return e;
    }
    return new TokenStoreException(
        "writing the tokens of '"
            + key
            + "' failed: "
            + cause.getClass().getSimpleName()
            + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"),
        TokenStoreException.Kind.UNAVAILABLE,
        key,
        cause);
  }
}
