package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in this JVM's memory: the default, and the reference for the store contract.
 * Entries are still sealed. Thread-safe (one monitor; the broker's hot path never reaches the
 * store); shared by brokers in one JVM if you pass the same instance.
 *
 * <p>A deleted key keeps its version high-water mark and lease fence in memory, so versions and
 * fences never repeat for the life of the store.
 */
public final class InMemoryTokenStore implements TokenStore {
  private final Map<GrantKey, Slot> slots = new HashMap<>(); // guarded by this
  private final Clock clock;

  /** Everything the store knows about one key. */
  private static final class Slot {
    @Nullable StoredGrant grant;
    long highWater;
    long fence;
    @Nullable MemoryLease holder;
    Instant leaseExpiresAt = Instant.MIN;
  }

  private InMemoryTokenStore(Clock clock) {
    this.clock = requireNonNull(clock, "clock == null");
  }

  /** Creates an empty store whose leases expire by the system clock. */
  public static InMemoryTokenStore create() {
    return new InMemoryTokenStore(Clock.systemUTC());
  }

  /** Creates an empty store whose leases expire by {@code clock}. */
  public static InMemoryTokenStore create(Clock clock) {
    return new InMemoryTokenStore(clock);
  }

  @Override
  public synchronized Optional<StoredGrant> load(GrantKey key) {
    Slot slot = slots.get(requireNonNull(key, "key == null"));
    return Optional.ofNullable(slot == null ? null : slot.grant);
  }

  @Override
  public synchronized OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    requireNonNull(sealed, "sealed == null");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expectedVersion < 0: " + expectedVersion);
    }
    Slot slot = holding(lease, "write");
    long current = slot.grant == null ? 0 : slot.grant.version();
    if (current != expectedVersion) {
      return OptionalLong.empty();
    }
    long next = slot.highWater + 1;
    slot.grant = new StoredGrant(lease.key(), next, sealed, expiresAt);
    slot.highWater = next;
    return OptionalLong.of(next);
  }

  @Override
  public synchronized boolean delete(Lease lease) {
    Slot slot = holding(lease, "delete");
    boolean present = slot.grant != null;
    slot.grant = null;
    return present;
  }

  @Override
  public synchronized List<GrantKey> list() {
    List<GrantKey> keys = new ArrayList<>();
    slots.forEach(
        (key, slot) -> {
          if (slot.grant != null) {
            keys.add(key);
          }
        });
    return keys;
  }

  @Override
  public synchronized Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    requireNonNull(key, "key == null");
    requireNonNull(ttl, "ttl == null");
    Instant now = clock.instant();
    Slot slot = slots.computeIfAbsent(key, k -> new Slot());
    if (slot.holder != null && now.isBefore(slot.leaseExpiresAt)) {
      return Optional.empty();
    }
    slot.fence++;
    MemoryLease lease = new MemoryLease(key, slot.fence);
    slot.holder = lease;
    slot.leaseExpiresAt = plus(now, ttl);
    return Optional.of(lease);
  }

  @Override
  public synchronized String toString() {
    return "InMemoryTokenStore[" + list().size() + " grants]";
  }

  /** The slot of {@code lease}'s key, if the lease still holds it. Caller holds this. */
  private Slot holding(Lease lease, String operation) {
    requireNonNull(lease, "lease == null");
    if (!(lease instanceof MemoryLease mine) || mine.store() != this) {
      throw new IllegalArgumentException("the lease is not from this store: " + lease);
    }
    Slot slot = slots.get(lease.key());
    if (slot == null || slot.holder != mine || !clock.instant().isBefore(slot.leaseExpiresAt)) {
      throw new TokenStoreException(
          "cannot "
              + operation
              + " grant '"
              + lease.key()
              + "': its lease (fence "
              + lease.fence()
              + ") was closed, ran out or was taken over; nothing was written",
          TokenStoreException.Kind.LEASE_LOST,
          lease.key(),
          null);
    }
    return slot;
  }

  private static Instant plus(Instant now, Duration ttl) {
    try {
      return now.plus(ttl);
    } catch (DateTimeException | ArithmeticException e) {
      return ttl.isNegative() ? Instant.MIN : Instant.MAX;
    }
  }

  private final class MemoryLease implements Lease {
    private final GrantKey key;
    private final long fence;

    MemoryLease(GrantKey key, long fence) {
      this.key = key;
      this.fence = fence;
    }

    InMemoryTokenStore store() {
      return InMemoryTokenStore.this;
    }

    @Override
    public GrantKey key() {
      return key;
    }

    @Override
    public long fence() {
      return fence;
    }

    @Override
    public void close() {
      synchronized (InMemoryTokenStore.this) {
        Slot slot = slots.get(key);
        if (slot != null && slot.holder == this) {
          slot.holder = null;
          slot.leaseExpiresAt = Instant.MIN;
        }
      }
    }

    @Override
    public String toString() {
      return "MemoryLease[" + key + ", fence " + fence + "]";
    }
  }
}
