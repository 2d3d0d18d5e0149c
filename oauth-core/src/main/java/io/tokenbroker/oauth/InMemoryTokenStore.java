package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link TokenStore} in this JVM's memory: the default, and the reference for the store contract.
 * Entries are still sealed. Thread-safe; shared by brokers in one JVM if you pass the same
 * instance.
 */
public final class InMemoryTokenStore implements TokenStore {
  private final ConcurrentMap<GrantKey, StoredGrant> grants = new ConcurrentHashMap<>();
  private final ConcurrentMap<GrantKey, MemoryLease> leases = new ConcurrentHashMap<>();
  private final Clock clock;

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
  public Optional<StoredGrant> load(GrantKey key) {
    return Optional.ofNullable(grants.get(requireNonNull(key, "key == null")));
  }

  @Override
  public boolean compareAndSet(long expectedVersion, StoredGrant grant) {
    requireNonNull(grant, "grant == null");
    TokenStore.requireNextVersion(expectedVersion, grant);
    if (expectedVersion == 0) {
      return grants.putIfAbsent(grant.key(), grant) == null;
    }
    boolean[] written = {false};
    grants.computeIfPresent(
        grant.key(),
        (key, current) -> {
          if (current.version() != expectedVersion) {
            return current;
          }
          written[0] = true;
          return grant;
        });
    return written[0];
  }

  @Override
  public boolean delete(GrantKey key) {
    return grants.remove(requireNonNull(key, "key == null")) != null;
  }

  @Override
  public List<GrantKey> list() {
    return List.copyOf(grants.keySet());
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    requireNonNull(key, "key == null");
    requireNonNull(ttl, "ttl == null");
    Instant now = clock.instant();
    MemoryLease fresh = new MemoryLease(key, now.plus(ttl));
    MemoryLease holder =
        leases.compute(
            key,
            (k, current) -> current == null || !now.isBefore(current.expiresAt) ? fresh : current);
    return holder == fresh ? Optional.of(fresh) : Optional.empty();
  }

  @Override
  public String toString() {
    return "InMemoryTokenStore[" + grants.size() + " grants]";
  }

  private final class MemoryLease implements Lease {
    private final GrantKey key;
    private final Instant expiresAt;

    MemoryLease(GrantKey key, Instant expiresAt) {
      this.key = key;
      this.expiresAt = expiresAt;
    }

    @Override
    public GrantKey key() {
      return key;
    }

    @Override
    public void close() {
      leases.remove(key, this);
    }
  }
}
