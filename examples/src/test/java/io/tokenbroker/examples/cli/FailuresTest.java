package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefusingPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input and broken surroundings: each gets its documented exit code and one clear line. */
class FailuresTest {
  static final String SECRET = "s3cret-client-value";

  @TempDir Path home;
  FakeAuthorizationServer server;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    server = FakeAuthorizationServer.start();
    server.registerClient("cli-client", SECRET);
    cli = new CliRunner(home);
    cli.env.put("ACME_SECRET", SECRET);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  List<String> clientCredentials() {
    return List.of(
        "--provider", "generic",
        "--grant", "client-credentials",
        "--token-url", server.tokenEndpoint().toString(),
        "--revoke-url", server.revocationEndpoint().toString(),
        "--client-id", "cli-client",
        "--client-secret-env", "ACME_SECRET");
  }

  static void assertError(CliRunner.Result r, int exit, String messageStart) {
    assertEquals(exit, r.exit(), r::toString);
    // Progress lines (a consent's URL) may come first; the error is the last line or two.
    List<String> all = r.err().lines().toList();
    int at = 0;
    while (at < all.size() && !all.get(at).startsWith("tokenbroker: ")) {
      at++;
    }
    List<String> lines = all.subList(Math.min(at, all.size()), all.size());
    assertTrue(
        !lines.isEmpty() && lines.get(0).startsWith("tokenbroker: " + messageStart), r::toString);
    assertTrue(lines.size() <= 2, () -> "one line plus a hint:\n" + r);
    if (lines.size() == 2) {
      assertTrue(lines.get(1).startsWith("hint: "), r::toString);
    }
    assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    assertEquals("", r.out());
  }

  // ---- usage: exit 2

  @Test
  void usageErrors() throws Exception {
    assertError(cli.run(), 2, "a command is required");
    CliRunner.Result unknown = cli.run("token", "x", "--bogus");
    assertError(unknown, 2, "Unknown option: '--bogus'");
    assertTrue(unknown.err().contains("hint: see 'tokenbroker token --help'"), unknown::toString);
    assertError(cli.run("token"), 2, "Missing required parameter: 'NAME'");
    assertError(
        cli.run("token", "x", "--min-valid", "5 minutes"),
        2,
        "Invalid value for option '--min-valid': '5 minutes' is not a duration; write it like 30s,"
            + " 5m, 1h");
    assertError(
        cli.run("token", "x", "--min-valid", "300"), 2, "Invalid value for option '--min-valid'");
    assertError(cli.run("frobnicate"), 2, "Unmatched argument at index 0: 'frobnicate'");
    assertError(
        cli.run("--store", "s3://bucket", "status"),
        2,
        "--store 's3://bucket' is neither file:PATH nor a jdbc: URL");
    assertFalse(
        Files.exists(home.resolve("keyset.json")), "nothing is created for a bad command line");
  }

  @Test
  void loginUsageErrors() throws Exception {
    assertError(
        cli.run("login", "x"), 2, "--provider is required: there are no saved settings for 'x'");
    assertError(cli.run("login", "x", "--provider", "acme"), 2, "--provider 'acme' is not known");
    assertError(
        cli.run("login", "x", "--provider", "generic", "--client-id", "c"),
        2,
        "--token-url is required with --provider generic");
    assertError(
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--token-url",
            "http://auth.example.com/token",
            "--client-id",
            "c"),
        2,
        "--token-url must use https (plain http is allowed only on loopback hosts)");
    assertError(
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--grant",
            "client-credentials",
            "--token-url",
            server.tokenEndpoint().toString()),
        2,
        "--client-id is required");
    assertError(
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "c",
            "--grant",
            "implicit"),
        2,
        "--grant 'implicit' is not one of client-credentials, authorization-code");
    assertError(
        cli.run(CliRunner.args("login", clientCredentials(), "x", "--redirect", "https://x")),
        2,
        "--redirect 'https://x' is not one of loopback, loopback:PORT, oob");
    assertError(
        cli.run(CliRunner.args("login", clientCredentials(), "x", "--redirect", "loopback:99999")),
        2,
        "--redirect loopback:99999: the port must be 1..65535");
    assertError(
        cli.run(CliRunner.args("login", clientCredentials(), "x", "--auth-method", "jwt")),
        2,
        "--auth-method 'jwt' is not one of basic, post, none");
    assertError(
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "c",
            "--client-secret-env",
            "ACME_SECRET"),
        2,
        "an authorization-code grant needs the provider's authorization endpoint");
    assertEquals(0, server.requestCount());
  }

  @Test
  void missingSecrets() throws Exception {
    List<String> base =
        List.of(
            "--provider",
            "generic",
            "--grant",
            "client-credentials",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client");
    CliRunner.Result onCommandLine =
        cli.run(CliRunner.args("login", base, "x", "--client-secret", "hunter2-on-the-line"));
    assertError(
        onCommandLine, 2, "--client-secret is not accepted: a secret on the command line ends up");
    assertFalse(onCommandLine.all().contains("hunter2"), "the value is never echoed");

    assertError(
        cli.run(CliRunner.args("login", base, "x", "--client-secret-env", "NOPE")),
        2,
        "the environment variable NOPE (--client-secret-env) is not set or empty");
    assertError(
        cli.run(
            CliRunner.args(
                "login", base, "x", "--client-secret-file", home.resolve("nope").toString())),
        2,
        "--client-secret-file " + home.resolve("nope") + " does not exist");
    CliRunner.Result noTerminal = cli.run(CliRunner.args("login", base, "x"));
    assertError(noTerminal, 2, "no client secret: there is no terminal to prompt on");
    assertTrue(
        noTerminal
            .err()
            .contains("hint: pass --client-secret-env VAR or --client-secret-file FILE"),
        noTerminal::toString);
    assertEquals(0, server.requestCount());
  }

  // ---- keysets: exit 1

  @Test
  void unreadableKeyset() throws Exception {
    Path keyset = home.resolve("keyset.json");
    Files.writeString(keyset, "{ not a keyset", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(keyset, PosixFilePermissions.fromString("rw-------"));
    CliRunner.Result garbage = cli.run(CliRunner.args("login", clientCredentials(), "x"));
    assertError(garbage, 1, "");
    assertTrue(garbage.err().contains(keyset.toString()), garbage::toString);
    assertTrue(
        garbage.err().contains("hint: check --keyset (or TOKENBROKER_KEYSET)"), garbage::toString);

    Path shared = home.resolve("shared.json");
    Keysets.toFile(Keysets.generate(), shared);
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
    CliRunner.Result readable = cli.run("--keyset", shared.toString(), "status");
    assertError(readable, 1, "");
    assertTrue(readable.err().contains("group or others"), readable::toString);

    CliRunner.Result missing =
        cli.run("--keyset", home.resolve("missing.json").toString(), "token", "x");
    assertError(missing, 1, "the keyset file " + home.resolve("missing.json") + " does not exist");
    assertFalse(Files.exists(home.resolve("missing.json")));
    assertEquals(0, server.requestCount());
  }

  @Test
  void wrongKeyset() throws Exception {
    assertEquals(0, cli.run(CliRunner.args("login", clientCredentials(), "acme")).exit());
    Path other = home.resolve("other.json");
    Keysets.toFile(Keysets.generate(), other);
    CliRunner.Result token = cli.run("--keyset", other.toString(), "token", "acme");
    assertError(token, 1, "the CLI profile of 'acme' in ");
    assertTrue(token.err().contains("cannot be decrypted with this keyset"), token::toString);
    assertTrue(
        token.err().contains("hint: use the keyset the grant was stored with"), token::toString);

    cli.env.put("TOKENBROKER_KEYSET", other.toString());
    CliRunner.Result status = cli.run("status");
    assertEquals(0, status.exit(), status::toString);
    assertTrue(status.out().contains("acme  ?"), status::toString);
    assertTrue(status.out().contains("unreadable"), status::toString);
    assertTrue(
        status.out().contains("1 grant(s) cannot be opened with the keyset " + other),
        status::toString);
    assertEquals(1, cli.run("status", "acme").exit());
    Secrets.assertAbsent(home, server, SECRET, token, status);
  }

  // ---- the provider and the network

  @Test
  void unreachableServerIsTransient() throws Exception {
    CliRunner.Result login;
    try (RefusingPort closed = RefusingPort.open()) {
      login =
          cli.run(
              "login",
              "x",
              "--provider",
              "generic",
              "--grant",
              "client-credentials",
              "--token-url",
              closed.uri("/token").toString(),
              "--client-id",
              "c",
              "--client-secret-env",
              "ACME_SECRET");
    }
    assertError(login, 4, "");
    assertTrue(login.err().contains("hint: the provider or the network failed"), login::toString);

    assertEquals(0, cli.run(CliRunner.args("login", clientCredentials(), "acme")).exit());
    server.close();
    assertError(cli.run("refresh", "acme"), 4, "");
    assertFalse(login.all().contains(SECRET));
  }

  @Test
  void rejectedClientAndRefusedConsent() throws Exception {
    cli.env.put("WRONG", "not-the-secret");
    CliRunner.Result rejected =
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--grant",
            "client-credentials",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--client-secret-env",
            "WRONG");
    assertError(rejected, 1, "");
    assertTrue(rejected.err().contains("invalid_client"), rejected::toString);
    assertTrue(
        rejected.err().contains("hint: the provider rejected the client as configured"),
        rejected::toString);
    assertFalse(rejected.all().contains("not-the-secret"));

    server.setAuthorizationDecision(FakeAuthorizationServer.Decision.DENY);
    cli.browser = Browser.async();
    CliRunner.Result denied =
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--authorize-url",
            server.authorizationEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--client-secret-env",
            "ACME_SECRET");
    assertError(
        denied, 1, "The user or the authorization server denied access (error=access_denied)");
    assertTrue(denied.err().contains("hint: the consent was refused"), denied::toString);

    cli.browser = uri -> false;
    CliRunner.Result timeout =
        cli.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--authorize-url",
            server.authorizationEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--client-secret-env",
            "ACME_SECRET",
            "--timeout",
            "1s");
    assertEquals(1, timeout.exit(), timeout::toString);
    assertTrue(
        timeout.err().contains("tokenbroker: No authorization callback arrived"),
        timeout::toString);
    assertTrue(
        timeout.err().contains("hint: run login again and finish the consent in time"),
        timeout::toString);
    assertEquals(1, cli.run("status", "x").exit(), "a failed login stores nothing");
  }

  @Test
  void unknownGrantAndVerboseStackTrace() throws Exception {
    CliRunner.Result token = cli.run("token", "nope");
    // No keyset yet: the CLI says so before looking for the grant.
    assertError(token, 1, "the keyset file");
    assertEquals(0, cli.run(CliRunner.args("login", clientCredentials(), "acme")).exit());
    CliRunner.Result unknown = cli.run("token", "nope");
    assertError(unknown, 1, "no grant named 'nope' in " + home.resolve("grants"));
    assertTrue(
        unknown.err().contains("hint: 'tokenbroker status' lists the grants"), unknown::toString);

    CliRunner.Result verbose = cli.run("token", "nope", "--verbose");
    assertEquals(1, verbose.exit());
    assertTrue(verbose.err().contains("\tat io.tokenbroker.examples.cli."), verbose::toString);
  }

  @Test
  void storeThatIsNotADirectory() throws Exception {
    Path file = home.resolve("plain-file");
    Files.writeString(file, "x");
    CliRunner.Result r = cli.run("--store", "file:" + file, "status");
    assertError(r, 1, "");
    assertTrue(r.err().contains(file.toString()), r::toString);
  }

  @Test
  void unreachableDatabaseIsTransientAndItsPasswordStaysHidden() throws Exception {
    cli.env.put("TOKENBROKER_JDBC_PASSWORD", "env-db-password");
    CliRunner.Result r;
    try (RefusingPort closed = RefusingPort.open()) {
      r =
          cli.run(
              "--store",
              "jdbc:postgresql://127.0.0.1:" + closed.port() + "/tokens?password=url-db-password",
              "status");
    }
    assertError(r, 4, "");
    assertTrue(r.err().contains("hint: the store could not be reached"), r::toString);
    assertFalse(r.all().contains("url-db-password"), r::toString);
    assertFalse(r.all().contains("env-db-password"), r::toString);
  }

  @Test
  @SuppressWarnings("try") // the resource is its scope: the grants are unwritable during refresh
  void newTokensTheStoreRefusesEndTheCommandAfterTheBoundedWriteWait() throws Exception {
    assertEquals(0, cli.run(CliRunner.args("login", clientCredentials(), "acme")).exit());
    Path grants = home.resolve("grants");
    cli.env.put("TOKENBROKER_WRITE_WAIT", "1s");
    CliRunner.Result r;
    try (AutoCloseable unwritable = unwritable(grants)) {
      r = cli.run("refresh", "acme");
    }
    assertError(r, 4, "the new tokens of 'acme' could not be saved to the store within 1s");
    assertTrue(r.err().contains("they are lost when tokenbroker exits"), r::toString);
    assertFalse(r.all().contains(SECRET), r::toString);
  }

  /**
   * Makes {@code directory} refuse new files until closed: {@code chmod} for an ordinary user,
   * {@code chattr +i} for root (whom permissions do not stop); skips the test where neither works.
   */
  private static AutoCloseable unwritable(Path directory) throws Exception {
    var writable = Files.getPosixFilePermissions(directory);
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("r-x------"));
    if (!canCreateIn(directory)) {
      return () -> Files.setPosixFilePermissions(directory, writable);
    }
    Files.setPosixFilePermissions(directory, writable);
    if (chattr("+i", directory) && !canCreateIn(directory)) {
      return () -> chattr("-i", directory);
    }
    chattr("-i", directory);
    Assumptions.abort("cannot make a directory unwritable here");
    return null;
  }

  private static boolean canCreateIn(Path directory) {
    try {
      Files.delete(Files.createTempFile(directory, "probe", ".tmp"));
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static boolean chattr(String change, Path path) throws InterruptedException {
    try {
      return new ProcessBuilder("chattr", change, path.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start()
              .waitFor()
          == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void helpAndVersion() throws Exception {
    CliRunner.Result help = cli.run("--help");
    assertEquals(0, help.exit());
    assertTrue(help.out().contains("Exit codes:"), help::toString);
    assertTrue(help.out().contains("3   re-authorization required"), help::toString);
    assertTrue(help.out().contains("TOKENBROKER_STORE"), help::toString);
    CliRunner.Result loginHelp = cli.run("login", "--help");
    assertTrue(loginHelp.out().contains("--client-secret-env=VAR"), loginHelp::toString);
    assertFalse(
        loginHelp.out().contains("--client-secret=")
            || loginHelp.out().contains("--client-secret "),
        "the refused option stays hidden");
    CliRunner.Result version = cli.run("--version");
    assertEquals(0, version.exit());
    assertTrue(version.out().startsWith("tokenbroker "), version::toString);
  }
}
