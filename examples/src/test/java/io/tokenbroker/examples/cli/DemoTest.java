package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tokenbroker demo} tells its whole story offline and exits 0. */
class DemoTest {
  @TempDir Path home;

  @Test
  void demoRunsEveryStepAndCleansUp() throws Exception {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result demo = cli.run("demo", "--token-lifetime", "3s");
    assertEquals(0, demo.exit(), demo::toString);
    assertEquals("", demo.err(), "the story goes to stdout; nothing went wrong");
    String out = demo.out();
    for (int step = 1; step <= 7; step++) {
      assertTrue(out.contains("[" + step + "/7] "), () -> "step missing:\n" + out);
    }
    assertTrue(
        out.contains("$ tokenbroker login cor/acme --provider cor --grant client-credentials"),
        out);
    assertTrue(out.contains("api.projects().perPage(5)   -> 14 projects over 3 pages"), out);
    assertTrue(out.contains("api.logHours(task "), out);
    assertTrue(out.contains("--redirect oob"), out);
    assertTrue(
        out.contains("client.company(5000000001).projects() -> 45 projects over 3 pages"), out);
    assertTrue(out.contains("App is not connected to this company"), out);
    assertTrue(out.contains("the old one is now burned"), out);
    assertTrue(
        out.contains("6. refresh                       | 1 refresh for the whole process"), out);
    assertTrue(out.matches("(?s).*\\| cor/acme +cor +client-credentials .*valid.*"), out);
    assertTrue(
        out.matches("(?s).*\\| procore/ops +procore-sandbox +authorization-code .*valid.*"), out);
    assertTrue(out.contains("none appears in plaintext"), out);
    assertTrue(out.contains("\nSummary\n") || out.contains("\r\nSummary\r\n"), out);

    Matcher store = Pattern.compile("Store +(\\S+)/grants,").matcher(out);
    assertTrue(store.find(), out);
    assertFalse(Files.exists(Path.of(store.group(1))), "the temporary directory is deleted");
    try (var inHome = Files.list(home)) {
      assertEquals(0, inHome.count(), "the CLI's own home is never touched");
    }
  }

  @Test
  void keepLeavesAStoreTheCliCanOpen() throws Exception {
    CliRunner cli = new CliRunner(home);
    CliRunner.Result demo = cli.run("demo", "--keep", "--token-lifetime", "2s");
    assertEquals(0, demo.exit(), demo::toString);
    Matcher kept =
        Pattern.compile("Kept the demo's store and keyset in (\\S+) ").matcher(demo.out());
    assertTrue(kept.find(), demo::toString);
    Path dir = Path.of(kept.group(1));
    try {
      CliRunner inKept = new CliRunner(dir);
      CliRunner.Result status = inKept.run("status");
      assertEquals(0, status.exit(), status::toString);
      assertTrue(status.out().contains("cor/acme"), status::toString);
      assertTrue(status.out().contains("procore/ops"), status::toString);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
