package io.tokenbroker.benchmarks;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Store operations on realistic sealed entries (one broker-sealed grant record, about 490 bytes),
 * single-threaded: {@link #save} writes a new grant as the broker does a consent (take the grant's
 * lease, compare-and-set from "absent", release), {@link #compareAndSet} replaces an existing one
 * under a lease held for the whole run (the fenced write every refresh makes), {@link #load} reads
 * one of 256 stored grants. {@code memory} is the baseline. Latency percentiles come from {@code
 * Mode.SampleTime}, throughput from {@code Mode.Throughput}; both run by default.
 *
 * <p>What {@code save} wrote is deleted after each iteration (outside the measurement), so the
 * store keeps its size.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StoreBenchmark {
  private static final int LOADED_GRANTS = 256;

  @Param({"memory", "file", "h2", "postgres"})
  public String store;

  private Stores stores;
  private byte[] sealed;
  private GrantKey[] loadKeys;
  private GrantKey casKey;
  private TokenStore.Lease casLease;
  private long casVersion;
  private long saveCounter;
  private int loadIndex;

  @Setup(Level.Trial)
  public void open() {
    sealed = Stores.realisticSealedEntry();
    loadKeys = new GrantKey[LOADED_GRANTS];
    for (int i = 0; i < LOADED_GRANTS; i++) {
      loadKeys[i] = GrantKey.of("bench/load/" + i);
    }
    casKey = GrantKey.of("bench/cas");
    stores = Stores.open(store);
    Instant expires = Instant.now().plusSeconds(3600);
    for (GrantKey key : loadKeys) {
      writeUnderNewLease(key, expires);
    }
    casLease = lease(casKey);
    casVersion = write(casLease, 0, expires);
  }

  /**
   * Deletes what {@link #save} wrote, so the store keeps its size from one iteration to the next.
   */
  @TearDown(Level.Iteration)
  public void deleteSaved() {
    for (long i = 0; i < saveCounter; i++) {
      try (TokenStore.Lease lease = lease(saveKey(i))) {
        stores.store.delete(lease);
      }
    }
    saveCounter = 0;
  }

  @TearDown(Level.Trial)
  public void close() {
    casLease.close();
    stores.close();
  }

  private static GrantKey saveKey(long i) {
    return GrantKey.of("bench/save/" + i);
  }

  @Benchmark
  public long save() {
    return writeUnderNewLease(saveKey(saveCounter++), null);
  }

  @Benchmark
  public long compareAndSet() {
    casVersion = write(casLease, casVersion, null);
    return casVersion;
  }

  @Benchmark
  public Optional<StoredGrant> load() {
    GrantKey key = loadKeys[loadIndex];
    loadIndex = (loadIndex + 1) % LOADED_GRANTS;
    Optional<StoredGrant> grant = stores.store.load(key);
    if (grant.isEmpty()) {
      throw new IllegalStateException("grant " + key + " is missing");
    }
    return grant;
  }

  private long writeUnderNewLease(GrantKey key, @Nullable Instant expires) {
    try (TokenStore.Lease lease = lease(key)) {
      return write(lease, 0, expires);
    }
  }

  private TokenStore.Lease lease(GrantKey key) {
    return stores
        .store
        .tryAcquireLease(key, Duration.ofHours(1))
        .orElseThrow(() -> new IllegalStateException("the lease of " + key + " is held"));
  }

  private long write(TokenStore.Lease lease, long expected, @Nullable Instant expires) {
    return stores
        .store
        .compareAndSet(lease, expected, sealed, expires)
        .orElseThrow(
            () -> new IllegalStateException("compare-and-set of " + lease.key() + " lost"));
  }
}
