package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the deterministic {@link Simulation} over many seeds: by default seeds 1 to 2,000, in {@code
 * ./mvnw verify}. Any range:
 *
 * <pre>
 * ./mvnw -pl oauth-tests -am verify -Dtest=DeterministicSimulationTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dsim.start=1 -Dsim.seeds=1000000
 * </pre>
 *
 * A failing seed is reported with the command that replays it alone, and its trace.
 */
class DeterministicSimulationTest {
  /**
   * Seeds that failed before a fix, kept as regression cases. With the simulation as it is now,
   * undoing the fix still fails: 4 (a non-transient write error dropped the rotated tokens), 120
   * and 325756 (held tokens released their lease, so another broker refreshed with the stored,
   * spent token), 267 (a held write whose earlier write landed with its answer lost was taken for a
   * new consent and dropped: the held write now keeps its lineage), 142441 (an answer that came
   * after the lease ran out was only held, not written under a free new lease); 505741 fails only
   * with both of its fixes undone (revoke kept serving held tokens it had revoked when its store
   * read failed; a refresh run inline from the hot path ended the grant, yet the token read before
   * it was returned), each pinned by a RotationSafetyTest case. 12607 once caught held tokens the
   * provider refused being served after the re-read failed; the simulation has changed since, so
   * RotationSafetyTest pins that now. 325756 and 914552 first showed that the invariant must count
   * a lost newest refresh token as the end of the grant (with a grace period, once the token before
   * it is past its grace). 988456 (found by the first 1,000,000-seed run): a refresh from held
   * tokens whose result was stored left the held write in place, so while the store was unreachable
   * the next refresh started again from the held, spent refresh token.
   */
  private static final long[] REGRESSIONS = {
    4, 120, 267, 12607, 142441, 325756, 505741, 914552, 988456
  };

  @AfterAll
  static void restoreLogging() {
    Simulation.LogCheck.removeHandler();
  }

  @Test
  void regressionSeeds() {
    for (long seed : REGRESSIONS) {
      check(new Simulation(seed).run());
    }
  }

  // The build's default of 120 s per test would end a documented long run (-Dsim.seeds=1000000);
  // a simulation cannot hang (each run has a step limit), so the bound only has to exist.
  @Test
  @Timeout(value = 12, unit = TimeUnit.HOURS)
  void seeds() {
    long start = Long.getLong("sim.start", 1);
    long count = Long.getLong("sim.seeds", 2_000);
    Map<String, Long> totals = new TreeMap<>();
    long began = System.nanoTime();
    for (long seed = start; seed < start + count; seed++) {
      Simulation.Result result = new Simulation(seed).run();
      check(result);
      result.stats().forEach((name, n) -> totals.merge(name, (long) n, Long::sum));
      if (count >= 100_000 && (seed - start + 1) % 100_000 == 0) {
        System.out.printf(
            "simulation: %,d seeds in %.1f s%n",
            seed - start + 1, (System.nanoTime() - began) / 1e9);
      }
    }
    System.out.printf(
        "simulation: seeds %d..%d (%,d) passed in %.1f s; %s%n",
        start, start + count - 1, count, (System.nanoTime() - began) / 1e9, totals);
  }

  private static void check(Simulation.Result result) {
    if (result.violation() != null) {
      result = new Simulation(result.seed(), true).run(); // the same run again, traced
      fail(
          "simulation seed "
              + result.seed()
              + " failed: "
              + result.violation()
              + "\nreplay: ./mvnw -pl oauth-tests -am verify -Dtest=DeterministicSimulationTest"
              + " -Dsurefire.failIfNoSpecifiedTests=false -Dsim.start="
              + result.seed()
              + " -Dsim.seeds=1\n"
              + String.join(
                  "\n",
                  result
                      .trace()
                      .subList(Math.max(0, result.trace().size() - 120), result.trace().size())));
    }
  }
}
