package io.tokenbroker.benchmarks;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * single-threaded: {@link #save} writes a new grant (compare-and-set from "absent"), {@link
 * #compareAndSet} replaces an existing one (what every refresh does), {@link #load} reads one of
 * 256 stored grants. {@code memory} is the baseline. Latency percentiles come from {@code
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
      write(0, new StoredGrant(key, 1, sealed, expires));
    }
    write(0, new StoredGrant(casKey, 1, sealed, expires));
    casVersion = 1;
  }

  /**
   * Deletes what {@link #save} wrote, so the store keeps its size from one iteration to the next.
   */
  @TearDown(Level.Iteration)
  public void deleteSaved() {
    for (long i = 0; i < saveCounter; i++) {
      stores.store.delete(saveKey(i));
    }
    saveCounter = 0;
  }

  @TearDown(Level.Trial)
  public void close() {
    stores.close();
  }

  private static GrantKey saveKey(long i) {
    return GrantKey.of("bench/save/" + i);
  }

  @Benchmark
  public boolean save() {
    GrantKey key = saveKey(saveCounter++);
    return write(0, new StoredGrant(key, 1, sealed, null));
  }

  @Benchmark
  public boolean compareAndSet() {
    long next = casVersion + 1;
    write(casVersion, new StoredGrant(casKey, next, sealed, null));
    casVersion = next;
    return true;
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

  private boolean write(long expected, StoredGrant grant) {
    if (!stores.store.compareAndSet(expected, grant)) {
      throw new IllegalStateException("compare-and-set of " + grant.key() + " lost");
    }
    return true;
  }
}
