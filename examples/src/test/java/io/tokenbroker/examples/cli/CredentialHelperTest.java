package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credential-helper commands in-process: {@code token --json} and {@code --format
 * exec-credential} against their schemas, {@code git-credential}, {@code exec}, completion, and
 * when {@link FastPath} serves a call and when it hands it to the broker.
 */
class CredentialHelperTest {
  static final String SECRET = "s3cret-client-value";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path home;
  FakeAuthorizationServer server;
  CliRunner cli;
  FakeClock clock;

  @BeforeEach
  void setUp() throws Exception {
    server = FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start();
    server.registerClient("cli-client", SECRET);
    cli = new CliRunner(home);
    cli.env.put("ACME_SECRET", SECRET);
    clock = FakeClock.at(Instant.now());
    cli.clock = clock;
    CliRunner.Result login =
        cli.run(
            "login",
            "acme",
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--client-secret-env",
            "ACME_SECRET",
            "--grant",
            "client-credentials",
            "--scope",
            "write",
            "--scope",
            "read");
    assertEquals(0, login.exit(), login::toString);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  @Test
  void jsonHasTheDocumentedFields() throws Exception {
    CliRunner.Result r = cli.run("token", "acme", "--json");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("", r.err());
    JsonNode json = JSON.readTree(r.out());
    assertEquals(List.of("access_token", "token_type", "expires_at", "scopes"), fields(json));
    assertEquals(server.lastAccessToken(), json.get("access_token").asText());
    assertEquals("Bearer", json.get("token_type").asText());
    Instant expires = Instant.parse(json.get("expires_at").asText()); // ISO-8601, UTC
    assertEquals(3600, Duration.between(clock.instant(), expires).toSeconds(), 2);
    assertEquals(List.of("read", "write"), texts(json.get("scopes")));
    assertEquals(r.out(), cli.run("token", "acme", "--format", "json").out());
    assertEquals(1, server.tokenRequestCount(), "served from the store");
  }

  @Test
  void execCredentialFollowsKubectlsV1Schema() throws Exception {
    CliRunner.Result r = cli.run("token", "acme", "--format", "exec-credential");
    assertEquals(0, r.exit(), r::toString);
    JsonNode json = JSON.readTree(r.out());
    assertEquals("client.authentication.k8s.io/v1", json.get("apiVersion").asText());
    assertEquals("ExecCredential", json.get("kind").asText());
    assertTrue(json.get("spec").isObject());
    JsonNode status = json.get("status");
    assertEquals(List.of("expirationTimestamp", "token"), fields(status));
    assertEquals(server.lastAccessToken(), status.get("token").asText());
    String timestamp = status.get("expirationTimestamp").asText();
    // RFC 3339 as Kubernetes' metav1.Time writes it: whole seconds, UTC.
    assertTrue(timestamp.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), timestamp);
    Instant expires =
        Instant.parse(
            JSON.readTree(cli.run("token", "acme", "--json").out()).get("expires_at").asText());
    assertEquals(expires.truncatedTo(ChronoUnit.SECONDS), Instant.parse(timestamp));
  }

  @Test
  void theBrokerPathPrintsTheSameFormats() throws Exception {
    clock.advance(Duration.ofMinutes(58)); // 2 minutes left: --min-valid 5m needs a new token
    CliRunner.Result r = cli.run("token", "acme", "--format", "exec-credential");
    assertEquals(0, r.exit(), r::toString);
    assertEquals(2, server.tokenRequestCount(), "refreshed through the broker");
    JsonNode status = JSON.readTree(r.out()).get("status");
    assertEquals(server.lastAccessToken(), status.get("token").asText());
    Instant expires = Instant.parse(status.get("expirationTimestamp").asText());
    assertEquals(3600, Duration.between(clock.instant(), expires).toSeconds(), 2);

    CliRunner.Result json = cli.run("--verbose", "token", "acme", "--json"); // never fast
    assertEquals(0, json.exit(), json::toString);
    assertEquals(server.lastAccessToken(), JSON.readTree(json.out()).get("access_token").asText());
  }

  @Test
  void contradictoryOrUnknownFormatsAreUsageErrors() throws Exception {
    CliRunner.Result both = cli.run("token", "acme", "--json", "--format", "exec-credential");
    assertEquals(2, both.exit(), both::toString);
    assertTrue(both.err().contains("contradict"), both::toString);
    assertEquals("", both.out());
    CliRunner.Result unknown = cli.run("token", "acme", "--format", "yaml");
    assertEquals(2, unknown.exit(), unknown::toString);
    assertEquals("", unknown.out());
  }

  @Test
  void gitCredentialAnswersGetWithKeyValueLines() throws Exception {
    String request = "protocol=https\nhost=git.example.com\npath=team/repo.git\n\n";
    CliRunner.Result r = cli.runWithInput(request, "git-credential", "acme", "get");
    assertEquals(0, r.exit(), r::toString);
    assertEquals("", r.err());
    List<String> lines = r.out().lines().toList();
    for (String line : lines) {
      assertTrue(line.matches("[a-z_]+=[^\\n\\x00]+"), line);
    }
    assertEquals("username=oauth2", lines.get(0));
    assertEquals("password=" + server.lastAccessToken(), lines.get(1));
    assertTrue(lines.get(2).matches("password_expiry_utc=\\d+"), lines.get(2));
    assertTrue(r.out().endsWith("\n"));

    CliRunner.Result named =
        cli.runWithInput("host=x\n", "git-credential", "acme", "get", "--username", "x-access");
    assertEquals("username=x-access", named.out().lines().findFirst().orElseThrow());
  }

  @Test
  void gitCredentialIgnoresStoreEraseAndOtherActions() throws Exception {
    for (String action : List.of("store", "erase", "capability")) {
      CliRunner.Result r =
          cli.runWithInput(
              "protocol=https\nhost=x\nusername=oauth2\npassword=old\n\n",
              "git-credential",
              "acme",
              action);
      assertEquals(0, r.exit(), r::toString);
      assertEquals("", r.out());
      assertEquals("", r.err());
    }
    assertEquals(1, server.tokenRequestCount());
  }

  @Test
  void gitCredentialForAnUnknownGrantFailsWithoutOutput() throws Exception {
    CliRunner.Result r = cli.runWithInput("host=x\n\n", "git-credential", "nope", "get");
    assertEquals(1, r.exit(), r::toString);
    assertEquals("", r.out());
    assertTrue(r.err().contains("no grant named 'nope'"), r::toString);
  }

  @Test
  void execPassesTheTokenInTheEnvironmentAndReturnsTheExitCode() throws Exception {
    CliRunner.Result r =
        cli.run(
            "exec",
            "acme",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$TOKENBROKER_TOKEN\"; tr '\\0' ' ' < /proc/$$/cmdline >&2; exit 7");
    assertEquals(7, r.exit(), r::toString);
    assertEquals(server.lastAccessToken(), r.out());
    assertFalse(r.err().contains(server.lastAccessToken()), "not on the command line");
    assertTrue(r.err().startsWith("sh -c"), r::toString);

    CliRunner.Result named =
        cli.run(
            "exec", "acme", "--env", "API_TOKEN", "--", "sh", "-c", "printf '%s' \"$API_TOKEN\"");
    assertEquals(0, named.exit(), named::toString);
    assertEquals(server.lastAccessToken(), named.out());
  }

  @Test
  void execReportsACommandThatCannotRunAndABadVariable() throws Exception {
    CliRunner.Result missing = cli.run("exec", "acme", "--", "/nonexistent/command");
    assertEquals(127, missing.exit(), missing::toString);
    assertTrue(missing.err().contains("cannot run '/nonexistent/command'"), missing::toString);
    assertFalse(missing.all().contains(server.lastAccessToken()));

    CliRunner.Result bad = cli.run("exec", "acme", "--env", "NOT-A-NAME", "--", "true");
    assertEquals(2, bad.exit(), bad::toString);
    CliRunner.Result noCommand = cli.run("exec", "acme");
    assertEquals(2, noCommand.exit(), noCommand::toString);
  }

  @Test
  void completionScriptIsValidBashAndCompletesGrantNames() throws Exception {
    CliRunner.Result script = cli.run("completion", "bash");
    assertEquals(0, script.exit(), script::toString);
    assertTrue(script.out().contains("_complete_tokenbroker"), "picocli's generated function");
    assertTrue(script.out().contains("complete -F _tokenbroker_with_grants"), script::toString);
    assertEquals(script.out(), cli.run("completion", "zsh").out());
    assertEquals(2, cli.run("completion", "fish").exit());
    Path file = home.resolveSibling(home.getFileName() + "-completion.bash");
    Files.writeString(file, script.out());
    Process syntax = new ProcessBuilder("bash", "-n", file.toString()).start();
    String problems = new String(syntax.getErrorStream().readAllBytes(), UTF_8);
    assertEquals(0, syntax.waitFor(), problems);

    CliRunner.Result names = cli.run("__complete-grants");
    assertEquals(0, names.exit(), names::toString);
    assertEquals("acme\n", names.out());
    Secrets.assertAbsent(home, server, SECRET, script, names);
  }

  @Test
  void completeGrantsNeedsNoKeysetAndCreatesNothing() throws Exception {
    Files.delete(home.resolve("keyset.json"));
    assertEquals("acme\n", cli.run("__complete-grants").out());

    Path empty = home.resolveSibling(home.getFileName() + "-empty");
    cli.env.put("TOKENBROKER_HOME", empty.toString());
    CliRunner.Result none = cli.run("__complete-grants");
    assertEquals(0, none.exit(), none::toString);
    assertEquals("", none.out());
    assertFalse(Files.exists(empty), "completion does not create the home");
  }

  @Test
  void fastPathServesOnlyAStillValidStoredToken() throws Exception {
    assertNotNull(fast("token", "acme"));
    assertNotNull(fast("token", "acme", "--json"));
    assertNotNull(fast("--store", "file:" + home.resolve("grants"), "token", "acme"));
    assertNotNull(fast("token", "--min-valid=30m", "acme"));
    assertNotNull(fast("git-credential", "acme", "get"));
    assertNotNull(fast("__complete-grants"));

    // Anything else goes through picocli and the broker, which decide again.
    assertNull(fast("token", "acme", "--min-valid", "2h"), "would need a refresh");
    assertNull(fast("token", "acme", "-v"));
    assertNull(fast("token", "--help"));
    assertNull(fast("token", "acme", "--json", "--json"));
    assertNull(fast("token", "acme", "--format", "yaml"), "picocli reports it");
    assertNull(fast("token", "nope"), "unknown grant: the broker path explains");
    assertNull(fast("token", "acme", "extra"));
    assertNull(fast("status"));
    assertNull(fast("--store", "jdbc:h2:mem:x", "token", "acme"));
    assertNull(fast("--keyset", home.resolve("missing.json").toString(), "token", "acme"));
    clock.advance(Duration.ofMinutes(59)); // a minute left: still good for --min-valid 0s
    assertNotNull(fast("token", "acme", "--min-valid", "0s"));
    clock.advance(Duration.ofSeconds(40)); // within the broker's 30-second skew
    assertNull(fast("token", "acme", "--min-valid", "0s"));
  }

  @Test
  void fastPathLeavesAKeysetReadableByOthersToTheBroker() throws Exception {
    Path keyset = home.resolve("keyset.json");
    Files.setPosixFilePermissions(
        keyset, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertNull(fast("token", "acme"));
    CliRunner.Result r = cli.run("token", "acme");
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("accessible by group or others"), r::toString);
    assertEquals("", r.out());
  }

  @Test
  void fastPathLeavesUnknownGrantsAndGrantsWithoutSettingsToTheBroker() throws Exception {
    CliRunner.Result gone = cli.run("token", "nope");
    assertEquals(1, gone.exit());
    // A grant stored without the CLI's settings is not served either.
    Files.walk(home.resolve("grants").resolve("profiles"))
        .filter(Files::isRegularFile)
        .forEach(f -> f.toFile().delete());
    assertNull(fast("token", "acme"));
    CliRunner.Result r = cli.run("token", "acme");
    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("was not stored by 'tokenbroker login'"), r::toString);
  }

  @Test
  void homeComesFromTokenbrokerHomeThenHomeThenUserHome() {
    Path tokenbrokerHome = Path.of("/srv/tb");
    assertEquals(
        tokenbrokerHome,
        CliContext.home(
            Map.of("TOKENBROKER_HOME", "/srv/tb", "HOME", "/home/jane"), "/prop", "/home/pw"));
    assertEquals(Path.of("/prop"), CliContext.home(Map.of("HOME", "/home/jane"), "/prop", "/x"));
    assertEquals(
        Path.of("/home/jane/.tokenbroker"),
        CliContext.home(Map.of("HOME", "/home/jane"), null, "/home/pw"));
    assertEquals(
        Path.of("/home/pw/.tokenbroker"), CliContext.home(Map.of("HOME", ""), null, "/home/pw"));
    assertEquals(
        Path.of("/home/pw/.tokenbroker"),
        CliContext.home(Map.of("HOME", "relative"), null, "/home/pw"));
    assertNull(CliContext.home(Map.of(), null, "?"));
    assertNull(CliContext.home(Map.of(), null, null));
  }

  @Test
  void noUsableHomeIsAClearError() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, UTF_8),
            new PrintStream(err, true, UTF_8),
            Map.of(),
            null,
            clock,
            p -> null,
            uri -> false);
    assertEquals(1, TokenBrokerCli.run(ctx, "status"));
    assertTrue(
        err.toString(UTF_8).startsWith("tokenbroker: cannot tell where the CLI's home directory"),
        err::toString);
    assertTrue(err.toString(UTF_8).contains("hint: set TOKENBROKER_HOME (or HOME)"));
    assertEquals(1, TokenBrokerCli.run(ctx, "token", "acme"));
    // Commands that need no home still work.
    assertEquals(0, TokenBrokerCli.run(ctx, "completion", "bash"));
  }

  @Test
  void helpTextWrapsAtTheTerminalWidthNotMidSentence() throws Exception {
    String previous = System.getProperty("picocli.usage.width");
    System.setProperty("picocli.usage.width", "240");
    try {
      String login = cli.run("login", "--help").out();
      assertTrue(
          login.contains(
              "loopback: redirect to http://127.0.0.1:PORT/callback on a random port;"
                  + " loopback:PORT fixes the port;"),
          login);
      String root = cli.run("--help").out();
      assertTrue(
          root.contains(
              "The Tink keyset file that encrypts grants. Default: $TOKENBROKER_KEYSET, else"
                  + " ~/.tokenbroker/keyset.json (created owner-only by the first login)"),
          root);
    } finally {
      if (previous == null) {
        System.clearProperty("picocli.usage.width");
      } else {
        System.setProperty("picocli.usage.width", previous);
      }
    }
  }

  private @org.jspecify.annotations.Nullable Integer fast(String... args) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(sink, true, UTF_8),
            new PrintStream(sink, true, UTF_8),
            cli.env,
            CliContext.home(cli.env, null, "/nonexistent-user-home"),
            clock,
            p -> null,
            uri -> false);
    return FastPath.run(ctx, args);
  }

  private static List<String> fields(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
