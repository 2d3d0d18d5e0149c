package io.tokenbroker.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One broker over many template grants, capped at {@value #MAX_CACHED} cached grants ({@code
 * maxCachedGrants}). For each run ({@code count:store,store,...}) and store:
 *
 * <ul>
 *   <li>populate: {@code count} grants created against the client template {@value #TEMPLATE}, each
 *       sealed for its own key with an 8-hour access token and a refresh token, exactly as a broker
 *       stores them (sealed by brokers over a scratch in-memory store, 10,000 at a time), then
 *       written into the store through its own leases and compare-and-set (8 threads), or for
 *       {@code postgres} by batched {@code INSERT}s of the same rows and {@code VACUUM ANALYZE};
 *   <li>a new broker with the template registered and nothing else: {@code accessToken(key)} loads
 *       each grant from the store with its template (one read, one decryption) and never refreshes
 *       (the template's token endpoint does not exist: a refresh would fail the run);
 *   <li>{@code cold}: after {@value #WARM_UP} cold calls to warm the JIT, {@code accessToken} of
 *       {@value #SAMPLE} random keys never touched before, each timed on its own: p50, p99, mean;
 *   <li>heap used: live heap (after full GCs) once {@value #MAX_CACHED} distinct grants were
 *       touched and again after {@code min(count, 200,000)}, minus the live heap before the broker
 *       touched any grant (the store's own data in this JVM, e.g. the in-memory store's entries, is
 *       in the baseline); bounded means the second figure is not larger than the first;
 *   <li>{@code grants()}: the broker's full status listing (pages of the store, every entry
 *       decrypted), median of 3 runs (1 above 200,000 grants), and the first run;
 *   <li>hot path: {@code accessToken(key).revealValue()} of a cached grant in a timed loop, next to
 *       the floor (a {@code ConcurrentHashMap} lookup plus expiry check) timed the same way, in
 *       alternating rounds; the fastest round of each, and the median. Hand-timed loops, not JMH:
 *       AccessTokenBenchmark's {@code tokenbrokerTemplate} is the rigorous figure.
 * </ul>
 *
 * Usage: {@code java -Xmx6g -cp benchmarks.jar io.tokenbroker.benchmarks.BrokerAtScale out.json
 * 1000000:memory,postgres 100000:memory,file,h2}.
 */
public final class BrokerAtScale {
  static final String TEMPLATE = "bench-app";
  private static final int MAX_CACHED = 50_000;
  private static final int TOUCHED = 200_000;
  private static final int WARM_UP = 20_000;
  private static final int SAMPLE = 10_000;
  private static final int CHUNK = 10_000;
  private static final int HOT_CALLS = 1_000_000;
  private static final int HOT_ROUNDS = 21;
  private static final int HOT_WARM_UP = 5;

  /** Keeps the loops' results alive, so the JIT cannot drop them. */
  @SuppressWarnings("unused")
  private static volatile long sink;

  private BrokerAtScale() {}

  public static void main(String[] args) throws Exception {
    List<Map<String, Object>> results = new ArrayList<>();
    for (String spec : Arrays.copyOfRange(args, 1, args.length)) {
      int count = Integer.parseInt(spec.substring(0, spec.indexOf(':')));
      for (String kind : spec.substring(spec.indexOf(':') + 1).split(",")) {
        Map<String, Object> result = run(kind, count);
        results.add(result);
        System.out.println(result);
        write(Path.of(args[0]), results); // after each store, so a long run keeps what it measured
      }
    }
  }

  private static void write(Path file, List<Map<String, Object>> results) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("maxCachedGrants", MAX_CACHED);
    out.put("results", results);
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), out);
  }

  private static Map<String, Object> run(String kind, int count) throws Exception {
    if (count < MAX_CACHED) {
      throw new IllegalArgumentException("at least " + MAX_CACHED + " grants");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("store", kind);
    result.put("grants", count);
    KeysetHandle keyset = Keysets.generate();
    try (Stores stores = Stores.open(kind)) {
      long start = System.nanoTime();
      populate(stores, keyset, count);
      result.put("populateSeconds", GrantsAtScale.seconds(start));

      long heapBefore = GrantsAtScale.liveHeap();
      result.put("heapBeforeMegabytes", heapBefore / 1e6);
      try (TokenBroker broker =
          TokenBroker.builder()
              .store(stores.store)
              .keyset(keyset)
              .maxCachedGrants(MAX_CACHED)
              .expireIdleGrantsAfter(Duration.ofMinutes(30))
              .build()) {
        broker.registerTemplate(TEMPLATE, Stores.REGISTRATION, GrantType.AUTHORIZATION_CODE);
        int[] order = shuffled(count);
        int touched = 0;
        while (touched < WARM_UP) {
          touch(broker, order[touched++]);
        }
        double[] micros = new double[SAMPLE];
        for (int i = 0; i < SAMPLE; i++) {
          long t = System.nanoTime();
          touch(broker, order[touched++]);
          micros[i] = (System.nanoTime() - t) / 1e3;
        }
        Arrays.sort(micros);
        result.put("coldSample", SAMPLE);
        result.put("coldP50Micros", micros[SAMPLE / 2]);
        result.put("coldP99Micros", micros[SAMPLE * 99 / 100]);
        result.put("coldMeanMicros", Arrays.stream(micros).average().orElseThrow());

        while (touched < MAX_CACHED) {
          touch(broker, order[touched++]);
        }
        result.put("heapAtCapMegabytes", (GrantsAtScale.liveHeap() - heapBefore) / 1e6);
        int all = Math.min(count, TOUCHED);
        start = System.nanoTime();
        while (touched < all) {
          touch(broker, order[touched++]);
        }
        result.put("touchedAfterCap", all - MAX_CACHED);
        result.put("touchAfterCapSeconds", GrantsAtScale.seconds(start));
        result.put("touched", all);
        result.put("heapAfterTouchedMegabytes", (GrantsAtScale.liveHeap() - heapBefore) / 1e6);

        int runs = count > 200_000 ? 1 : 3;
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
          start = System.nanoTime();
          List<GrantStatus> statuses = broker.grants();
          times[i] = GrantsAtScale.seconds(start);
          if (statuses.size() != count) {
            throw new IllegalStateException(
                "grants() listed " + statuses.size() + " grants, stored " + count);
          }
        }
        result.put("grantsFirstSeconds", times[0]);
        Arrays.sort(times);
        result.put("grantsSeconds", times[runs / 2]);

        GrantKey hot = PagedScan.key(order[touched - 1]);
        result.putAll(hotPathAndFloor(broker, hot));
      }
    }
    return result;
  }

  private static void touch(TokenBroker broker, int i) {
    if (broker.accessToken(PagedScan.key(i)).revealValue().isEmpty()) {
      throw new IllegalStateException("empty token");
    }
  }

  /** 0 … count-1 in a random order (fixed seed): which grants are touched, and when. */
  private static int[] shuffled(int count) {
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Random random = new Random(17);
    for (int i = count - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * Writes {@code count} template grants, sealed in chunks by {@link #seal} while the previous
   * chunk is being written.
   */
  private static void populate(Stores stores, KeysetHandle keyset, int count) throws Exception {
    ExecutorService sealer = Executors.newSingleThreadExecutor();
    ExecutorService writers = Executors.newFixedThreadPool(8);
    try {
      CompletableFuture<List<StoredGrant>> next =
          CompletableFuture.supplyAsync(() -> seal(keyset, 0, Math.min(count, CHUNK)), sealer);
      for (int from = 0; from < count; from += CHUNK) {
        List<StoredGrant> chunk = next.get();
        int after = from + CHUNK;
        if (after < count) {
          next =
              CompletableFuture.supplyAsync(
                  () -> seal(keyset, after, Math.min(count, after + CHUNK)), sealer);
        }
        if (stores.kind.equals("postgres")) {
          stores.insertRows(chunk);
        } else {
          Stores.writeThroughLeases(stores.store, chunk, writers);
        }
      }
      if (stores.kind.equals("postgres")) {
        stores.vacuumAnalyze();
      }
    } finally {
      sealer.shutdown();
      writers.shutdown();
      writers.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  /**
   * Grants {@code from} … {@code to-1}, stored as a broker stores a template grant: one broker
   * saves tokens for each key registered on its own, a second loads each of them with the template
   * and saves new tokens, which stores the template's name with them.
   */
  private static List<StoredGrant> seal(KeysetHandle keyset, int from, int to) {
    InMemoryTokenStore scratch = InMemoryTokenStore.create();
    Instant now = Instant.now();
    try (TokenBroker plain = TokenBroker.builder().store(scratch).keyset(keyset).build()) {
      for (int i = from; i < to; i++) {
        GrantKey key = PagedScan.key(i);
        plain.register(key, Stores.REGISTRATION, GrantType.AUTHORIZATION_CODE);
        plain.saveTokens(key, Stores.tokenSet(now, Duration.ofHours(8)));
      }
    }
    try (TokenBroker templated =
        TokenBroker.builder().store(scratch).keyset(keyset).maxCachedGrants(to - from).build()) {
      templated.registerTemplate(TEMPLATE, Stores.REGISTRATION, GrantType.AUTHORIZATION_CODE);
      for (int i = from; i < to; i++) {
        GrantKey key = PagedScan.key(i);
        templated.accessToken(key, TEMPLATE);
        templated.saveTokens(key, Stores.tokenSet(now, Duration.ofHours(8)));
      }
    }
    List<StoredGrant> sealed = new ArrayList<>(to - from);
    GrantKey after = null;
    do {
      GrantPage page = scratch.loadPage("", after, 1000);
      sealed.addAll(page.grants());
      after = page.next();
    } while (after != null);
    if (sealed.size() != to - from) {
      throw new IllegalStateException("sealed " + sealed.size() + " grants of " + (to - from));
    }
    return sealed;
  }

  /** What the floor caches: a token and when it stops being usable. */
  private record Entry(String token, long usableUntilMillis) {}

  /**
   * ns per {@code accessToken(key).revealValue()} of a cached grant, and ns per lookup in a bare
   * {@code ConcurrentHashMap} plus expiry check (the floor, as in AccessTokenBenchmark): {@value
   * #HOT_ROUNDS} rounds of {@value #HOT_CALLS} calls each, alternating between the two so both see
   * the same load from the rest of the machine, after {@value #HOT_WARM_UP} untimed rounds each.
   * Returns the fastest round of each (the least disturbed by other processes on a shared machine)
   * and the median of each.
   */
  private static Map<String, Double> hotPathAndFloor(TokenBroker broker, GrantKey key) {
    @SuppressWarnings("UnnecessaryAsync") // the floor is a ConcurrentHashMap lookup on purpose
    ConcurrentHashMap<GrantKey, Entry> cache = new ConcurrentHashMap<>();
    cache.put(
        key,
        new Entry(
            broker.accessToken(key).revealValue(),
            System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1)));
    double[] hot = new double[HOT_ROUNDS];
    double[] floor = new double[HOT_ROUNDS];
    for (int r = -HOT_WARM_UP; r < HOT_ROUNDS; r++) {
      long sum = 0;
      long t = System.nanoTime();
      for (int i = 0; i < HOT_CALLS; i++) {
        sum += broker.accessToken(key).revealValue().length();
      }
      double hotRound = (double) (System.nanoTime() - t) / HOT_CALLS;
      t = System.nanoTime();
      for (int i = 0; i < HOT_CALLS; i++) {
        Entry entry = cache.get(key);
        if (entry == null || System.currentTimeMillis() >= entry.usableUntilMillis) {
          throw new IllegalStateException("expired");
        }
        sum += entry.token.length();
      }
      double floorRound = (double) (System.nanoTime() - t) / HOT_CALLS;
      sink = sum;
      if (r >= 0) {
        hot[r] = hotRound;
        floor[r] = floorRound;
      }
    }
    Arrays.sort(hot);
    Arrays.sort(floor);
    Map<String, Double> result = new LinkedHashMap<>();
    result.put("hotNanos", hot[0]);
    result.put("floorNanos", floor[0]);
    result.put("hotMedianNanos", hot[HOT_ROUNDS / 2]);
    result.put("floorMedianNanos", floor[HOT_ROUNDS / 2]);
    return result;
  }
}
