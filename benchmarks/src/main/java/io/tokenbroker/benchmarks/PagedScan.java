package io.tokenbroker.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Reading many grants in pages ({@code TokenStore.loadPage}) against the old way ({@code list()}
 * plus {@code load(key)} of each). For each run ({@code count:store,store,...}) and store:
 *
 * <ul>
 *   <li>populate: {@code count} grants of one realistic sealed entry (487 B), written through the
 *       store's own leases and compare-and-set by 8 threads; for {@code postgres-bulk} one {@code
 *       INSERT … SELECT generate_series} instead (the same rows, made in seconds, for counts where
 *       8 writers would take too long here);
 *   <li>{@code listLoadSeconds}: {@code list()} plus {@code load} of every key, one thread (what
 *       listing cost before paging; skipped with {@code -noListLoad} runs, marked {@code null});
 *   <li>{@code pagedSeconds}: every grant through {@code loadPage("", after, 1000)}, one thread;
 *       the first scan of a store instance ({@code pagedFirstSeconds}: the file store learns every
 *       entry's key then) and the median of the next {@code repeats};
 *   <li>{@code prefixPageMillis}: median of 20 {@code loadPage(prefix, null, 1000)} calls for a
 *       prefix with 100 grants.
 * </ul>
 *
 * Usage: {@code java -Xmx4g -cp benchmarks.jar io.tokenbroker.benchmarks.PagedScan out.json
 * 100000:memory,file,h2,postgres 1000000:postgres-bulk/noListLoad}.
 */
public final class PagedScan {
  private static final int PAGE = 1000;

  private PagedScan() {}

  public static void main(String[] args) throws Exception {
    List<Map<String, Object>> runs = new ArrayList<>();
    for (String spec : Arrays.copyOfRange(args, 1, args.length)) {
      int count = Integer.parseInt(spec.substring(0, spec.indexOf(':')));
      List<Map<String, Object>> results = new ArrayList<>();
      for (String store : spec.substring(spec.indexOf(':') + 1).split(",")) {
        boolean listLoad = !store.endsWith("/noListLoad");
        String kind = store.replace("/noListLoad", "");
        Map<String, Object> result = run(kind, count, listLoad);
        results.add(result);
        System.out.println(result);
      }
      Map<String, Object> run = new LinkedHashMap<>();
      run.put("count", count);
      run.put("pageSize", PAGE);
      run.put("results", results);
      runs.add(run);
      write(Path.of(args[0]), runs); // after each run, so a long one keeps what was measured
    }
  }

  private static void write(Path file, List<Map<String, Object>> runs) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runs", runs);
    Files.createDirectories(file.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), out);
  }

  private static Map<String, Object> run(String kind, int count, boolean listLoad)
      throws Exception {
    boolean bulk = kind.equals("postgres-bulk");
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("store", kind);
    result.put("grants", count);
    byte[] sealed = Stores.realisticSealedEntry();
    try (Stores stores = Stores.open(bulk ? "postgres" : kind)) {
      long start = System.nanoTime();
      if (bulk) {
        stores.bulkInsert(count, sealed);
      } else {
        populate(stores.store, count, sealed);
      }
      result.put("populateSeconds", GrantsAtScale.seconds(start));

      if (listLoad) {
        start = System.nanoTime();
        long total = 0;
        for (GrantKey key : stores.store.list()) {
          total += stores.store.load(key).orElseThrow().sealed().length;
        }
        result.put("listLoadSeconds", GrantsAtScale.seconds(start));
        check(total, count, sealed);
      } else {
        result.put("listLoadSeconds", null);
      }

      start = System.nanoTime();
      check(scan(stores.store), count, sealed);
      result.put("pagedFirstSeconds", GrantsAtScale.seconds(start));
      int repeats = count > 200_000 ? 3 : 5;
      double[] times = new double[repeats];
      for (int i = 0; i < repeats; i++) {
        start = System.nanoTime();
        check(scan(stores.store), count, sealed);
        times[i] = GrantsAtScale.seconds(start);
      }
      result.put("pagedSeconds", median(times));

      String prefix = String.format("bench/grant-%07d", count / 200).substring(0, 17);
      double[] prefixTimes = new double[20];
      for (int i = 0; i < prefixTimes.length; i++) {
        start = System.nanoTime();
        GrantPage page = stores.store.loadPage(prefix, null, PAGE);
        prefixTimes[i] = GrantsAtScale.seconds(start) * 1000;
        if (page.grants().size() != Math.min(100, count)) {
          throw new IllegalStateException(
              "prefix " + prefix + ": " + page.grants().size() + " grants, expected 100");
        }
      }
      result.put("prefixPageMillis", median(prefixTimes));
    }
    return result;
  }

  /** Key i of {@code count}: 7 digits, so a 17-character prefix matches 100 consecutive keys. */
  static GrantKey key(int i) {
    return GrantKey.of(String.format("bench/grant-%07d", i));
  }

  private static long scan(TokenStore store) {
    long bytes = 0;
    GrantKey after = null;
    do {
      GrantPage page = store.loadPage("", after, PAGE);
      for (StoredGrant grant : page.grants()) {
        bytes += grant.sealed().length;
      }
      after = page.next();
    } while (after != null);
    return bytes;
  }

  private static void check(long bytes, int count, byte[] sealed) {
    if (bytes != (long) count * sealed.length) {
      throw new IllegalStateException(
          "read " + bytes + " sealed bytes, expected " + (long) count * sealed.length);
    }
  }

  private static void populate(TokenStore store, int count, byte[] sealed) throws Exception {
    Instant expiresAt = Instant.now().plus(Duration.ofHours(8));
    List<StoredGrant> grants = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      grants.add(new StoredGrant(key(i), 1, sealed, expiresAt));
    }
    ExecutorService writers = Executors.newFixedThreadPool(8);
    Stores.writeThroughLeases(store, grants, writers);
    writers.shutdown();
    writers.awaitTermination(1, TimeUnit.MINUTES);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
