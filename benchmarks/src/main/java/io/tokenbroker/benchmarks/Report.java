package io.tokenbroker.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Combines the result files of one run into a single JSON file and rewrites one generated section
 * of {@code README.md}: one line per figure with its ratio to its baseline, then a summary of the
 * comparisons the prose refers to. Used by {@code run-short.sh}, {@code run-grants.sh} and {@code
 * fuzz-all.sh}; never invents a figure: a missing input file leaves its part out, and every number
 * in the generated section comes from the input files.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.tokenbroker.benchmarks.Report RESULTS_DIR OUT_JSON
 * README COMMAND [SECTION]}. RESULTS_DIR holds the files of one run ({@code environment.txt},
 * {@code access-t1.json}, {@code access-t2.json}, {@code stores.json}, {@code storm.json}, {@code
 * scale.json}, {@code pages.json}, {@code broker.json}, {@code fuzz.jsonl}); it may instead be the
 * combined JSON of an earlier run, to re-render the README from it. SECTION names the README
 * section between {@code <!-- SECTION:start -->} and {@code <!-- SECTION:end -->}; default {@code
 * results}.
 */
public final class Report {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Report() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    // A combined file of an earlier run re-renders the README without measuring again.
    JsonNode earlier = Files.isRegularFile(dir) ? JSON.readTree(dir.toFile()) : null;
    Path out = Path.of(args[1]);
    Path readme = Path.of(args[2]);
    String command = args.length > 3 ? args[3] : "";
    String sectionName = args.length > 4 ? args[4] : "results";
    ObjectNode all = JSON.createObjectNode();
    List<String> lines = new ArrayList<>();
    String env =
        earlier != null
            ? earlier.path("environment").asText(null)
            : read(dir.resolve("environment.txt"));
    if (env != null) {
      all.put("environment", env.strip());
    }
    for (int threads : new int[] {1, 2}) {
      JsonNode access =
          earlier != null
              ? part(earlier, "accessToken_t" + threads)
              : readJson(dir.resolve("access-t" + threads + ".json"));
      if (access != null) {
        all.set("accessToken_t" + threads, access);
        lines.addAll(accessLines(access, threads));
      }
    }
    JsonNode stores =
        earlier != null ? part(earlier, "stores") : readJson(dir.resolve("stores.json"));
    if (stores != null) {
      all.set("stores", stores);
      lines.addAll(storeLines(stores));
    }
    JsonNode storm =
        earlier != null ? part(earlier, "refreshStorm") : readJson(dir.resolve("storm.json"));
    if (storm != null) {
      all.set("refreshStorm", storm);
      lines.addAll(stormLines(storm));
    }
    JsonNode scale =
        earlier != null ? part(earlier, "grantsAtScale") : readJson(dir.resolve("scale.json"));
    if (scale != null) {
      all.set("grantsAtScale", scale);
      lines.addAll(scaleLines(scale));
    }
    JsonNode pages =
        earlier != null ? part(earlier, "pagedScan") : readJson(dir.resolve("pages.json"));
    if (pages != null) {
      all.set("pagedScan", pages);
      lines.addAll(pageLines(pages));
    }
    JsonNode broker =
        earlier != null ? part(earlier, "brokerAtScale") : readJson(dir.resolve("broker.json"));
    if (broker != null) {
      all.set("brokerAtScale", broker);
      lines.addAll(brokerLines(broker));
    }
    JsonNode fuzz =
        earlier != null ? part(earlier, "fuzz") : readJsonLines(dir.resolve("fuzz.jsonl"));
    if (fuzz != null) {
      all.set("fuzz", fuzz);
      lines.addAll(fuzzLines(fuzz));
    }
    lines.addAll(summary(all));
    JSON.writeValue(out.toFile(), all);

    String start = "<!-- " + sectionName + ":start -->";
    String end = "<!-- " + sectionName + ":end -->";
    StringBuilder section = new StringBuilder(start).append('\n');
    section.append("Measured by `").append(command).append("`");
    if (env != null) {
      section.append(" on ").append(env.strip().replace("\n", "; "));
    }
    section.append(". Raw numbers: `").append(out.getFileName()).append("`.\n\n");
    for (String line : lines) {
      section.append(line).append('\n');
    }
    section.append(end);
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int s = text.indexOf(start);
    int e = text.indexOf(end);
    if (s < 0 || e < s) {
      throw new IllegalStateException(readme + " has no " + start + " ... " + end + " section");
    }
    Files.writeString(
        readme,
        text.substring(0, s) + section + text.substring(e + end.length()),
        StandardCharsets.UTF_8);
    lines.forEach(System.out::println);
  }

  private static List<String> accessLines(JsonNode results, int threads) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add(
        "**Hot path `accessToken`, "
            + threads
            + " thread"
            + (threads == 1 ? "" : "s")
            + "** (baseline: `floor`)");
    lines.add("");
    double floor = Double.NaN;
    for (JsonNode r : results) {
      if (method(r).equals("floor")) {
        floor = r.at("/primaryMetric/score").asDouble();
      }
    }
    for (JsonNode r : results) {
      double ns = r.at("/primaryMetric/score").asDouble();
      JsonNode alloc = r.at("/secondaryMetrics/gc.alloc.rate.norm/score");
      lines.add(
          String.format(
              Locale.ROOT,
              "- `%s`: %.1f ns/op%s, %.2f× floor",
              method(r),
              ns,
              alloc.isMissingNode()
                  ? ""
                  : String.format(Locale.ROOT, ", %.0f B/op", alloc.asDouble()),
              ns / floor));
    }
    return lines;
  }

  private static List<String> storeLines(JsonNode results) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add(
        "**Stores**, one thread, ~490-byte sealed entries (baseline: `memory`, the in-memory"
            + " store)");
    lines.add("");
    for (String op : new String[] {"save", "compareAndSet", "load"}) {
      double baseP50 = Double.NaN;
      double baseOps = Double.NaN;
      for (JsonNode r : results) {
        if (method(r).equals(op) && r.at("/params/store").asText().equals("memory")) {
          if (r.path("mode").asText().equals("sample")) {
            baseP50 = r.at("/primaryMetric/scorePercentiles/50.0").asDouble();
          } else if (r.path("mode").asText().equals("thrpt")) {
            baseOps = r.at("/primaryMetric/score").asDouble();
          }
        }
      }
      for (String store : new String[] {"memory", "file", "h2", "postgres"}) {
        JsonNode sample = null;
        JsonNode thrpt = null;
        for (JsonNode r : results) {
          if (method(r).equals(op) && r.at("/params/store").asText().equals(store)) {
            if (r.path("mode").asText().equals("sample")) {
              sample = r;
            } else if (r.path("mode").asText().equals("thrpt")) {
              thrpt = r;
            }
          }
        }
        if (sample == null && thrpt == null) {
          continue;
        }
        StringBuilder line =
            new StringBuilder("- `").append(store).append("` ").append(op).append(":");
        if (sample != null) {
          double p50 = sample.at("/primaryMetric/scorePercentiles/50.0").asDouble();
          double p99 = sample.at("/primaryMetric/scorePercentiles/99.0").asDouble();
          line.append(
              String.format(
                  Locale.ROOT,
                  " p50 %s, p99 %s (p50 %,.0f× memory)",
                  micros(p50),
                  micros(p99),
                  p50 / baseP50));
        }
        if (thrpt != null) {
          double ops = thrpt.at("/primaryMetric/score").asDouble() * 1e6; // ops/us -> ops/s
          line.append(
              String.format(
                  Locale.ROOT, "; %,.0f ops/s (%.2g× memory)", ops, ops / (baseOps * 1e6)));
        }
        lines.add(line.toString());
      }
    }
    return lines;
  }

  private static List<String> stormLines(JsonNode storm) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add(
        "**Refresh storm**: N callers on a just-expired grant, "
            + storm.path("rounds").asInt()
            + " rounds each (baselines: 1 token request per expiry; `tokenbroker`'s time for the"
            + " same N)");
    lines.add("");
    for (JsonNode r : storm.path("results")) {
      String library = r.path("library").asText();
      int callers = r.path("callers").asInt();
      double ours = Double.NaN;
      for (JsonNode o : storm.path("results")) {
        if (o.path("library").asText().equals("tokenbroker")
            && o.path("callers").asInt() == callers) {
          ours = o.path("allHoldMillisMedian").asDouble();
        }
      }
      double median = r.path("allHoldMillisMedian").asDouble();
      lines.add(
          String.format(
              Locale.ROOT,
              "- `%s`, %,d caller(s): %s token requests per expiry (max %d, %d× the ideal); all"
                  + " hold a token after %.0f ms median, %.0f ms max (%.2f× tokenbroker)",
              library,
              callers,
              r.path("tokenRequestsPerExpiry"),
              r.path("tokenRequestsPerExpiryMax").asInt(),
              r.path("tokenRequestsPerExpiryMax").asInt(),
              median,
              r.path("allHoldMillisMax").asDouble(),
              median / ours));
    }
    return lines;
  }

  private static List<String> scaleLines(JsonNode scale) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add(
        String.format(
            Locale.ROOT, "**%,d grants** (baseline: `memory`)", scale.path("count").asInt()));
    lines.add("");
    double baseScan = Double.NaN;
    double baseWarm = Double.NaN;
    for (JsonNode r : scale.path("results")) {
      if (r.path("store").asText().equals("memory")) {
        baseScan = r.path("scanSeconds").asDouble();
        baseWarm = r.path("warmSeconds").asDouble();
      }
    }
    for (JsonNode r : scale.path("results")) {
      lines.add(
          String.format(
              Locale.ROOT,
              "- `%s`: populate %.1f s (8 threads); scan (list + load all) %.2f s (%.1f× memory);"
                  + " broker warm-up (register + first `accessToken` of every grant) %.2f s (%.2f×"
                  + " memory); %.0f B of heap per cached grant%s",
              r.path("store").asText(),
              r.path("populateSeconds").asDouble(),
              r.path("scanSeconds").asDouble(),
              r.path("scanSeconds").asDouble() / baseScan,
              r.path("warmSeconds").asDouble(),
              r.path("warmSeconds").asDouble() / baseWarm,
              r.path("heapBytesPerGrant").asDouble(),
              r.has("sealedBytesPerGrant")
                  ? String.format(
                      Locale.ROOT, "; %d B per sealed entry", r.path("sealedBytesPerGrant").asInt())
                  : ""));
    }
    return lines;
  }

  /** One table per run of {@code PagedScan}: seconds to read every grant, and ratios to memory. */
  private static List<String> pageLines(JsonNode pages) {
    List<String> lines = new ArrayList<>();
    for (JsonNode run : pages.path("runs")) {
      lines.add("");
      lines.add(
          String.format(
              Locale.ROOT,
              "**%,d grants**, pages of %,d (baseline: `memory`)",
              run.path("count").asInt(),
              run.path("pageSize").asInt()));
      lines.add("");
      lines.add(
          "| store | populate | list + load each | all pages, first scan | all pages"
              + " (median) | × memory | one prefix page (100 grants) |");
      lines.add("|---|---|---|---|---|---|---|");
      double base = Double.NaN;
      for (JsonNode r : run.path("results")) {
        if (r.path("store").asText().equals("memory")) {
          base = r.path("pagedSeconds").asDouble();
        }
      }
      for (JsonNode r : run.path("results")) {
        JsonNode listLoad = r.path("listLoadSeconds");
        lines.add(
            String.format(
                Locale.ROOT,
                "| `%s` | %.1f s | %s | %.2f s | %.2f s | %s | %.1f ms |",
                r.path("store").asText(),
                r.path("populateSeconds").asDouble(),
                listLoad.isNumber()
                    ? String.format(Locale.ROOT, "%.2f s", listLoad.asDouble())
                    : "not measured",
                r.path("pagedFirstSeconds").asDouble(),
                r.path("pagedSeconds").asDouble(),
                Double.isNaN(base)
                    ? "–"
                    : String.format(Locale.ROOT, "%.1f×", r.path("pagedSeconds").asDouble() / base),
                r.path("prefixPageMillis").asDouble()));
      }
    }
    return lines;
  }

  /**
   * One table of {@code BrokerAtScale}: a broker capped at {@code maxCachedGrants} over each store;
   * ratios to the {@code memory} row of the same grant count ("–" without one).
   */
  private static List<String> brokerLines(JsonNode broker) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add(
        String.format(
            Locale.ROOT,
            "**One broker, `maxCachedGrants(%,d)`**, template grants loaded on first use"
                + " (baseline: `memory` with the same number of grants)",
            broker.path("maxCachedGrants").asInt()));
    lines.add("");
    lines.add(
        "| store | grants | populate | cold `accessToken` p50 / p99 | × memory (p50) | heap used"
            + " at the cap | after more touched | `grants()` | × memory | hot path, fastest /"
            + " median round | × memory (fastest) | × floor (fastest) |");
    lines.add("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (JsonNode r : broker.path("results")) {
      JsonNode base = null;
      for (JsonNode m : broker.path("results")) {
        if (m.path("store").asText().equals("memory")
            && m.path("grants").asInt() == r.path("grants").asInt()) {
          base = m;
        }
      }
      lines.add(
          String.format(
              Locale.ROOT,
              "| `%s` | %,d | %.1f s | %s / %s | %s | %.0f MB (%,d touched) | %.0f MB (%,d"
                  + " touched) | %.2f s | %s | %.1f / %.1f ns | %s | %.2f× |",
              r.path("store").asText(),
              r.path("grants").asInt(),
              r.path("populateSeconds").asDouble(),
              micros(r.path("coldP50Micros").asDouble()),
              micros(r.path("coldP99Micros").asDouble()),
              ratio(r, base, "coldP50Micros"),
              r.path("heapAtCapMegabytes").asDouble(),
              broker.path("maxCachedGrants").asInt(),
              r.path("heapAfterTouchedMegabytes").asDouble(),
              r.path("touched").asInt(),
              r.path("grantsSeconds").asDouble(),
              ratio(r, base, "grantsSeconds"),
              r.path("hotNanos").asDouble(),
              r.path("hotMedianNanos").asDouble(),
              ratio(r, base, "hotNanos"),
              r.path("hotNanos").asDouble() / r.path("floorNanos").asDouble()));
    }
    return lines;
  }

  private static String ratio(JsonNode r, @Nullable JsonNode base, String field) {
    return base == null
        ? "–"
        : String.format(
            Locale.ROOT, "%.2f×", r.path(field).asDouble() / base.path(field).asDouble());
  }

  /** One row per fuzz target: {@code {"target", "duration", "executions", "exit"}} objects. */
  private static List<String> fuzzLines(JsonNode fuzz) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.add("| target | fuzzed for | executions | result |");
    lines.add("|---|---|---|---|");
    for (JsonNode r : fuzz) {
      JsonNode executions = r.path("executions");
      lines.add(
          String.format(
              Locale.ROOT,
              "| `%s` | %s | %s | %s |",
              r.path("target").asText(),
              r.path("duration").asText(),
              executions.isNumber()
                  ? String.format(Locale.ROOT, "%,d", executions.asLong())
                  : "not reported",
              r.path("exit").asInt() == 0
                  ? "no finding"
                  : "finding (maven exit " + r.path("exit").asInt() + ")"));
    }
    return lines;
  }

  /**
   * The comparisons the README's prose talks about, computed from the same results: the hot path's
   * allocation and distance to the floor, the most token requests any library made per expiry, and
   * the range of store write medians.
   */
  private static List<String> summary(JsonNode all) {
    List<String> parts = new ArrayList<>();
    for (int threads : new int[] {1, 2}) {
      JsonNode access = all.get("accessToken_t" + threads);
      if (access == null) {
        continue;
      }
      double floor = Double.NaN;
      for (JsonNode r : access) {
        if (method(r).equals("floor")) {
          floor = r.at("/primaryMetric/score").asDouble();
        }
      }
      List<String> ratios = new ArrayList<>();
      for (JsonNode r : access) {
        if (!method(r).equals("floor")) {
          ratios.add(
              String.format(
                  Locale.ROOT,
                  "`%s` %.2f×",
                  method(r),
                  r.at("/primaryMetric/score").asDouble() / floor));
        }
      }
      parts.add(
          "with "
              + threads
              + " thread"
              + (threads == 1 ? "" : "s")
              + " the hot path was "
              + String.join(", ", ratios)
              + " the floor");
    }
    JsonNode storm = all.get("refreshStorm");
    if (storm != null) {
      Map<String, Integer> worst = new LinkedHashMap<>();
      for (JsonNode r : storm.path("results")) {
        worst.merge(
            r.path("library").asText(), r.path("tokenRequestsPerExpiryMax").asInt(), Math::max);
      }
      List<String> most = new ArrayList<>();
      worst.forEach((library, max) -> most.add("`" + library + "` " + max));
      parts.add("the most token requests per expiry at any N were " + String.join(", ", most));
    }
    JsonNode stores = all.get("stores");
    if (stores != null) {
      List<String> medians = new ArrayList<>();
      for (JsonNode r : stores) {
        if (method(r).equals("save") && r.path("mode").asText().equals("sample")) {
          medians.add(
              "`"
                  + r.at("/params/store").asText()
                  + "` "
                  + micros(r.at("/primaryMetric/scorePercentiles/50.0").asDouble()));
        }
      }
      parts.add("a save took " + String.join(", ", medians) + " at the median");
    }
    if (parts.isEmpty()) {
      return List.of();
    }
    return List.of("", "**In short**: " + String.join("; ", parts) + ".");
  }

  private static String micros(double us) {
    if (us >= 1000) {
      return String.format(Locale.ROOT, "%.2f ms", us / 1000);
    }
    return us >= 10
        ? String.format(Locale.ROOT, "%.0f µs", us)
        : String.format(Locale.ROOT, "%.2g µs", us);
  }

  private static String method(JsonNode r) {
    String name = r.path("benchmark").asText();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static @Nullable JsonNode part(JsonNode combined, String name) {
    JsonNode node = combined.get(name);
    return node == null || node.isNull() ? null : node;
  }

  private static @Nullable JsonNode readJson(Path file) throws IOException {
    return Files.exists(file) && Files.size(file) > 0 ? JSON.readTree(file.toFile()) : null;
  }

  /** A file of one JSON object per line, as an array; null if absent or empty. */
  private static @Nullable JsonNode readJsonLines(Path file) throws IOException {
    if (!Files.exists(file) || Files.size(file) == 0) {
      return null;
    }
    ArrayNode array = JSON.createArrayNode();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        array.add(JSON.readTree(line));
      }
    }
    return array;
  }

  private static @Nullable String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
  }
}
