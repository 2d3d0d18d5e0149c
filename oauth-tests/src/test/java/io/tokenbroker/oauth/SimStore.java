package io.tokenbroker.oauth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The simulation's store: a real {@link InMemoryTokenStore} (fenced writes, versions that never
 * repeat) behind the faults the simulation draws: outages (every call fails), read-only windows
 * (writes and leases fail, as around a failover), non-transient errors on any operation, an entry
 * that does not open on a read, answers lost after the operation ran, slow answers, and other
 * brokers running while an answer is on its way. It checks that versions strictly increase.
 */
final class SimStore implements TokenStore {
  private final Simulation sim;
  private final InMemoryTokenStore real;

  /** The highest version ever written per key. */
  private long highest;

  SimStore(Simulation sim, InMemoryTokenStore real) {
    this.sim = sim;
    this.real = real;
  }

  InMemoryTokenStore real() {
    return real;
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    before(key, false);
    Optional<StoredGrant> loaded = real.load(key);
    after(key);
    if (loaded.isPresent() && sim.chance(sim.faults.pUnreadable)) {
      // An entry that does not open (a keyset mix-up, a damaged row): CANNOT_DECRYPT in the broker.
      if (sim.detailed) {
        sim.trace(sim.indent() + "  store: read returns an entry that does not open");
      }
      byte[] damaged = loaded.get().sealed();
      damaged[damaged.length - 1] ^= 1;
      return Optional.of(
          new StoredGrant(key, loaded.get().version(), damaged, loaded.get().expiresAt()));
    }
    return loaded;
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    before(lease.key(), true);
    OptionalLong written;
    try {
      written = real.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    } catch (TokenStoreException e) {
      if (sim.detailed) {
        sim.trace(sim.indent() + "  store: write refused: " + e.kind());
      }
      throw e;
    }
    if (sim.detailed) {
      sim.trace(
          sim.indent()
              + "  store: write expecting v"
              + expectedVersion
              + " (fence "
              + lease.fence()
              + ") -> "
              + (written.isPresent() ? "v" + written.getAsLong() : "conflict"));
    }
    if (written.isPresent()) {
      long version = written.getAsLong();
      if (version <= highest) {
        sim.violation(
            "store version " + version + " after " + highest + ": versions must increase");
      }
      highest = version;
      sim.persisted(sealed);
    }
    after(lease.key());
    return written;
  }

  @Override
  public boolean delete(Lease lease) {
    before(lease.key(), true);
    boolean deleted = real.delete(lease);
    if (sim.detailed) {
      sim.trace(sim.indent() + "  store: delete -> " + deleted);
    }
    after(lease.key());
    return deleted;
  }

  @Override
  public List<GrantKey> list() {
    before(null, false);
    List<GrantKey> keys = real.list();
    after(null);
    return keys;
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    before(key, true); // a lease is a write
    Optional<Lease> lease = real.tryAcquireLease(key, ttl);
    if (sim.detailed) {
      sim.trace(
          sim.indent()
              + "  store: lease "
              + lease.map(l -> "taken, fence " + l.fence()).orElse("busy"));
    }
    after(key, false); // the stores recognise a lease taken before its answer was lost
    return lease;
  }

  /** Faults that stop the operation before it runs. */
  private void before(@Nullable GrantKey key, boolean write) {
    long now = sim.clock.millis();
    if (now < sim.outageUntilMillis) {
      throw failure(
          key, () -> "connection refused, the database is restarting (sim, SQLState 57P03)");
    }
    if (write && now < sim.readOnlyUntilMillis) {
      throw failure(
          key, () -> "cannot execute UPDATE in a read-only transaction (sim, SQLState 25006)");
    }
    if (sim.chance(sim.faults.pStoreError)) {
      if (sim.detailed) {
        sim.trace(sim.indent() + "  store: fails: permission denied (MISCONFIGURED)");
      }
      throw new TokenStoreException(
          "permission denied for table grants (sim, SQLState 42501)",
          TokenStoreException.Kind.MISCONFIGURED,
          key,
          null);
    }
  }

  private void after(@Nullable GrantKey key) {
    after(key, true);
  }

  /** Faults after the operation ran: a slow or lost answer, other brokers running meanwhile. */
  private void after(@Nullable GrantKey key, boolean mayLoseAnswer) {
    if (sim.chance(sim.faults.pSlowStore)) {
      sim.clock.advance(Duration.ofMillis(1 + sim.random.nextInt(2000)));
    }
    sim.intercept(-1);
    if (mayLoseAnswer && sim.chance(sim.faults.pLostStoreAnswer)) {
      throw failure(key, () -> "connection lost before the answer arrived (sim, SQLState 08006)");
    }
  }

  private TokenStoreException failure(@Nullable GrantKey key, Supplier<String> message) {
    if (sim.detailed) {
      sim.trace(sim.indent() + "  store: fails: " + message.get());
    }
    return new TokenStoreException(message.get(), TokenStoreException.Kind.UNAVAILABLE, key, null);
  }

  @Override
  public String toString() {
    return "SimStore";
  }
}
