package io.tokenbroker.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenBroker;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many grants: for each store, writes {@code count} grants (sealed by a broker through {@code
 * saveTokens}, 8 writer threads), then measures
 *
 * <ul>
 *   <li>{@code scan}: {@code list()} plus {@code load(key)} of every entry, one thread;
 *   <li>{@code warm}: a new broker registers every grant and calls {@code accessToken(key)} for
 *       each, one thread: every grant is read from the store, opened, decoded and cached, the cost
 *       of a cold start that touches all grants;
 *   <li>heap per grant: live heap after {@code warm} minus live heap before the broker existed
 *       (after full GCs), divided by {@code count}; this is the broker's own cost per cached grant
 *       ({@code memory}: the store's entries were there before and are not counted; {@code h2}:
 *       H2's page cache, which lives in the same JVM, is counted).
 * </ul>
 *
 * Usage: {@code java -Xmx4g -cp benchmarks.jar io.tokenbroker.benchmarks.GrantsAtScale [count]
 * [stores] [out.json]} (defaults: 100000, memory,file,h2,postgres).
 */
public final class GrantsAtScale {
  private GrantsAtScale() {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String[] kinds =
        args.length > 1 ? args[1].split(",") : new String[] {"memory", "file", "h2", "postgres"};
    List<Map<String, Object>> results = new ArrayList<>();
    for (String kind : kinds) {
      Map<String, Object> result = run(kind, count);
      results.add(result);
      System.out.printf(
          "%-9s %,d grants: populate %.1f s, scan %.2f s, warm %.2f s, heap %.0f B/grant%n",
          kind,
          count,
          (Double) result.get("populateSeconds"),
          (Double) result.get("scanSeconds"),
          (Double) result.get("warmSeconds"),
          (Double) result.get("heapBytesPerGrant"));
    }
    if (args.length > 2) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("count", count);
      out.put("results", results);
      Files.createDirectories(Path.of(args[2]).toAbsolutePath().getParent());
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(Path.of(args[2]).toFile(), out);
    }
  }

  private static Map<String, Object> run(String kind, int count) throws Exception {
    KeysetHandle keyset = Keysets.generate();
    GrantKey[] keys = new GrantKey[count];
    for (int i = 0; i < count; i++) {
      keys[i] = GrantKey.of(String.format("bench/grant-%06d", i));
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("store", kind);
    result.put("grants", count);
    try (Stores stores = Stores.open(kind)) {
      // Populate through a broker, so every entry is sealed for its own key.
      long start = System.nanoTime();
      try (TokenBroker seeder = TokenBroker.builder().store(stores.store).keyset(keyset).build()) {
        Instant now = Instant.now();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        int slice = (count + 7) / 8;
        for (int w = 0; w < 8; w++) {
          int from = w * slice;
          int to = Math.min(count, from + slice);
          done.add(
              writers.submit(
                  () -> {
                    for (int i = from; i < to; i++) {
                      seeder.register(keys[i], Stores.REGISTRATION, GrantType.AUTHORIZATION_CODE);
                      seeder.saveTokens(keys[i], Stores.tokenSet(now, Duration.ofHours(8)));
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
        writers.shutdown();
        writers.awaitTermination(1, TimeUnit.MINUTES);
      }
      result.put("populateSeconds", seconds(start));

      start = System.nanoTime();
      List<GrantKey> listed = stores.store.list();
      long bytes = 0;
      for (GrantKey key : listed) {
        StoredGrant grant = stores.store.load(key).orElseThrow();
        bytes += grant.sealed().length;
      }
      result.put("scanSeconds", seconds(start));
      if (listed.size() != count) {
        throw new IllegalStateException("listed " + listed.size() + " grants, wrote " + count);
      }
      result.put("sealedBytesPerGrant", bytes / count);

      long before = liveHeap();
      start = System.nanoTime();
      TokenBroker broker = TokenBroker.builder().store(stores.store).keyset(keyset).build();
      for (GrantKey key : keys) {
        broker.register(key, Stores.REGISTRATION, GrantType.AUTHORIZATION_CODE);
      }
      for (GrantKey key : keys) {
        if (broker.accessToken(key).revealValue().isEmpty()) {
          throw new IllegalStateException("empty token");
        }
      }
      result.put("warmSeconds", seconds(start));
      long after = liveHeap();
      result.put("heapBytesPerGrant", (double) (after - before) / count);
      // Keep the broker reachable until the heap was measured.
      broker.close();
    }
    return result;
  }

  /** Seconds since {@code startNanos} ({@link System#nanoTime}). */
  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Heap used after full GCs: what is live. */
  static long liveHeap() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
