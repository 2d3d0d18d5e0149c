package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.Resealer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A store lease on one grant, with the time it was asked for on the broker's {@link Scheduler}, so
 * that the broker knows how long it may still act under it without asking the store.
 *
 * <p>The lease is judged from the moment <em>before</em> the store was asked: the store's own
 * expiry can only be later. A token call made under it gets a deadline that keeps {@link
 * BrokerSettings#writeMargin} of the lease for the write of its result: the call starts only before
 * it, and retries only if they can end before it. The fenced write refuses anything after the
 * lease, so a slow listener or store can delay a write but never make it land after another
 * holder's; what it refuses is held and written under a new lease.
 *
 * <p>A lease of a registered grant belongs to its {@link Grant}: {@link #close()} gives it back,
 * and the grant keeps it while it holds tokens the store refused (so that no other broker refreshes
 * with the stored, spent refresh token meanwhile), or releases it.
 */
final class GrantLease implements AutoCloseable, Resealer.Leased {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());

  private final TokenStore.Lease lease;
  private final long askedNanos;
  private final BrokerSettings settings;
  private final @Nullable Grant owner;

  private GrantLease(
      TokenStore.Lease lease, long askedNanos, BrokerSettings settings, @Nullable Grant owner) {
    this.lease = lease;
    this.askedNanos = askedNanos;
    this.settings = settings;
    this.owner = owner;
  }

  /**
   * Takes the lease of {@code key}, waiting at most {@link BrokerSettings#leaseWait} for another
   * holder.
   *
   * @param owner the grant that gets it back on {@link #close()}, or null to release it then
   * @throws TransientTokenException if another holder keeps it longer
   * @throws TokenStoreException if the store cannot lease (a lease is a write)
   */
  static GrantLease acquire(BrokerSettings settings, GrantKey key, @Nullable Grant owner) {
    Scheduler scheduler = settings.scheduler;
    long deadline = scheduler.nanoTime() + settings.leaseWait.toNanos();
    long pause = 5;
    while (true) {
      GrantLease lease = tryAcquire(settings, key, owner);
      if (lease != null) {
        return lease;
      }
      if (scheduler.nanoTime() - deadline >= 0) {
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
        scheduler.sleep(Duration.ofMillis(pause));
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

  /** Takes the lease of {@code key} if it is free now; null if someone holds it. */
  static @Nullable GrantLease tryAcquire(
      BrokerSettings settings, GrantKey key, @Nullable Grant owner) {
    long asked = settings.scheduler.nanoTime();
    Optional<TokenStore.Lease> lease = settings.store.tryAcquireLease(key, settings.leaseTtl);
    return lease.map(l -> new GrantLease(l, asked, settings, owner)).orElse(null);
  }

  @Override
  public TokenStore.Lease lease() {
    return lease;
  }

  /** The latest moment (scheduler nanos) a token call under this lease may run until. */
  long tokenCallDeadlineNanos() {
    return askedNanos + settings.leaseTtl.toNanos() - settings.writeMargin.toNanos();
  }

  /** Scheduler nanos until the lease surely holds no more (negative once it may have expired). */
  long remainingNanos() {
    return askedNanos + settings.leaseTtl.toNanos() - settings.scheduler.nanoTime();
  }

  /** Gives the lease back to its grant (which may keep it), or releases it. */
  @Override
  public void close() {
    if (owner != null) {
      owner.release(this);
    } else {
      release();
    }
  }

  /** Releases the lease; a failure to release is logged (the lease then runs out by itself). */
  void release() {
    try {
      lease.close();
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not release the lease of ''{0}'' ({1}); it runs out by itself",
          lease.key(),
          e.getMessage());
    }
  }
}
