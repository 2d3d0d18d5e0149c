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
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in this JVM's memory: the default, and the reference for the store contract.
 * Entries are still sealed. Thread-safe (one monitor; the broker's hot path never reaches the
 * store); shared by brokers in one JVM if you pass the same instance.
 *
 * <p>A deleted key keeps its version high-water mark and lease fence in memory, so versions and
 * fences never repeat for the life of the store. Keys are kept sorted, so {@link #loadPage} costs
 * O(log n) plus the page. Pending consents live in memory too: brokers sharing this instance (one
 * JVM) can complete each other's consents.
 */
public final class InMemoryTokenStore implements TokenStore {
  /** What {@link #savePendingConsent} accepts as an id (the broker uses base64url hashes). */
  private static final Pattern CONSENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final NavigableMap<GrantKey, Slot> slots = new TreeMap<>(); // guarded by this
  private final Map<String, PendingConsent> pending = new HashMap<>(); // guarded by this
  private final Clock clock;

  /** Everything the store knows about one key. */
  private static final class Slot {
    @Nullable StoredGrant grant;
    long highWater;
    long fence;
    @Nullable MemoryLease holder;
    Instant leaseExpiresAt = Instant.MIN;
  }

  private record PendingConsent(byte[] sealed, Instant expiresAt) {}

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
  public synchronized GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    requireNonNull(keyPrefix, "keyPrefix == null");
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    NavigableMap<GrantKey, Slot> tail =
        after != null && after.value().compareTo(keyPrefix) >= 0
            ? slots.tailMap(after, false)
            : slots.tailMap(firstKeyAtOrAfter(keyPrefix), true);
    List<StoredGrant> page = new ArrayList<>();
    for (Map.Entry<GrantKey, Slot> entry : tail.entrySet()) {
      String value = entry.getKey().value();
      if (!value.startsWith(keyPrefix)) {
        if (value.compareTo(keyPrefix) > 0) {
          break; // keys with the prefix are contiguous in key order
        }
        continue;
      }
      StoredGrant grant = entry.getValue().grant;
      if (grant == null) {
        continue;
      }
      if (page.size() == limit) {
        return new GrantPage(page, page.get(limit - 1).key());
      }
      page.add(grant);
    }
    return new GrantPage(page, null);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code id} is not 1 to 128 letters, digits, {@code -} or
   *     {@code _}
   */
  @Override
  public synchronized void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    checkConsentId(id);
    requireNonNull(sealed, "sealed == null");
    requireNonNull(expiresAt, "expiresAt == null");
    pending.put(id, new PendingConsent(sealed.clone(), expiresAt));
  }

  @Override
  public synchronized Optional<byte[]> takePendingConsent(String id, Instant now) {
    requireNonNull(id, "id == null");
    requireNonNull(now, "now == null");
    PendingConsent taken = pending.remove(id);
    if (taken == null || !now.isBefore(taken.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(taken.sealed().clone());
  }

  @Override
  public synchronized int purgeExpiredPendingConsents(Instant now) {
    requireNonNull(now, "now == null");
    int before = pending.size();
    pending.values().removeIf(consent -> !now.isBefore(consent.expiresAt()));
    return before - pending.size();
  }

  /** The smallest possible key, or the prefix itself where it is a valid key. */
  private GrantKey firstKeyAtOrAfter(String keyPrefix) {
    if (!keyPrefix.isBlank() && keyPrefix.length() <= GrantKey.MAX_LENGTH) {
      try {
        return GrantKey.of(keyPrefix);
      } catch (IllegalArgumentException e) {
        // a control character: no key has this prefix; the scan below finds none
      }
    }
    return slots.isEmpty() ? GrantKey.of("x") : slots.firstKey();
  }

  private static void checkConsentId(String id) {
    requireNonNull(id, "id == null");
    if (!CONSENT_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "pending consent id must be 1 to 128 letters, digits, '-' or '_'");
    }
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
