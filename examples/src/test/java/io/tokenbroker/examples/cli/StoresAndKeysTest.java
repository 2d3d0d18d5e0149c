package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Global options (stores, keysets, environment), key rotation and concurrent token commands. */
class StoresAndKeysTest {
  static final String SECRET = "s3cret-client-value";

  @TempDir Path home;
  FakeAuthorizationServer server;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    server = FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start();
    server.registerClient("cli-client", SECRET);
    cli = new CliRunner(home);
    cli.env.put("ACME_SECRET", SECRET);
    cli.browser = Browser.async();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  List<String> generic() {
    return List.of(
        "--provider", "generic",
        "--token-url", server.tokenEndpoint().toString(),
        "--authorize-url", server.authorizationEndpoint().toString(),
        "--client-id", "cli-client",
        "--client-secret-env", "ACME_SECRET");
  }

  @Test
  void keysRotateReSealsGrantsAndSettings() throws Exception {
    assertEquals(0, cli.run(CliRunner.args("login", generic(), "code")).exit());
    assertEquals(
        0,
        cli.run(CliRunner.args("login", generic(), "cc", "--grant", "client-credentials")).exit());
    Path keyset = home.resolve("keyset.json");
    Path before = home.resolveSibling(home.getFileName() + "-old-keyset.json");
    Files.copy(keyset, before, StandardCopyOption.COPY_ATTRIBUTES);

    CliRunner.Result rotate = cli.run("keys", "rotate");
    assertEquals(0, rotate.exit(), rotate::toString);
    assertEquals(
        "Added a new primary key to "
            + keyset
            + "; re-sealed 2 grant(s) and 2 saved setting(s)."
            + System.lineSeparator(),
        rotate.err());
    JsonNode json = new ObjectMapper().readTree(keyset.toFile());
    assertEquals(2, json.get("key").size(), "the old key stays until retired");

    CliRunner.Result token = cli.run("token", "code");
    assertEquals(0, token.exit(), token::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), cli.run("token", "cc").out());
    // The old keyset lacks the new primary key, so re-sealed entries no longer open with it.
    CliRunner.Result old = cli.run("--keyset", before.toString(), "token", "code");
    assertEquals(1, old.exit(), old::toString);
    assertTrue(old.err().contains("cannot be decrypted with this keyset"), old::toString);
    Files.delete(before);
    Secrets.assertAbsent(home, server, SECRET, rotate);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void jdbcStoreWithCredentialsFromTheEnvironment() throws Exception {
    String url = "jdbc:h2:" + home.resolve("db").resolve("tokens");
    cli.env.put("TOKENBROKER_STORE", url);
    cli.env.put("TOKENBROKER_JDBC_USER", "broker");
    cli.env.put("TOKENBROKER_JDBC_PASSWORD", "db-pass-word");
    CliRunner.Result login = cli.run(CliRunner.args("login", generic(), "acme"));
    assertEquals(0, login.exit(), login::toString);
    CliRunner.Result token = cli.run("token", "acme");
    assertEquals(server.lastAccessToken() + System.lineSeparator(), token.out());
    JsonNode status = new ObjectMapper().readTree(cli.run("status", "--json").out());
    assertEquals(url, status.get("store").asText());
    assertEquals("acme", status.get("grants").get(0).get("name").asText());
    assertFalse(Files.exists(home.resolve("grants")), "the default file store is not used");

    try (Connection c = DriverManager.getConnection(url, "broker", "db-pass-word");
        ResultSet rows =
            c.createStatement()
                .executeQuery(
                    "SELECT (SELECT COUNT(*) FROM tokenbroker_grants), (SELECT COUNT(*) FROM"
                        + " tokenbroker_cli_profiles)")) {
      rows.next();
      assertEquals(1, rows.getInt(1));
      assertEquals(1, rows.getInt(2));
    }

    cli.env.put("TOKENBROKER_JDBC_PASSWORD", "wrong-pass-word");
    CliRunner.Result wrong = cli.run("status");
    assertEquals(1, wrong.exit(), wrong::toString);
    assertTrue(wrong.err().startsWith("tokenbroker: "), wrong::toString);
    assertFalse(wrong.all().contains("wrong-pass-word"));
    Secrets.assertAbsent(home, server, SECRET, login, wrong);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void storeAndKeysetOptionsOverrideTheEnvironment() throws Exception {
    Path store = home.resolve("elsewhere");
    Path keyset = home.resolve("k.json");
    Keysets.toFile(Keysets.generate(), keyset);
    cli.env.put("TOKENBROKER_STORE", "file:" + home.resolve("ignored"));
    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                generic(),
                "acme",
                "--store",
                "file:" + store,
                "--keyset",
                keyset.toString(),
                "--grant",
                "client-credentials"));
    assertEquals(0, login.exit(), login::toString);
    assertTrue(Files.isDirectory(store.resolve("profiles")));
    assertFalse(Files.exists(home.resolve("ignored")));
    assertFalse(Files.exists(home.resolve("keyset.json")), "the default keyset is not created");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)));
    cli.env.put("TOKENBROKER_STORE", "file:" + store);
    cli.env.put("TOKENBROKER_KEYSET", keyset.toString());
    assertEquals(server.lastAccessToken() + System.lineSeparator(), cli.run("token", "acme").out());
  }

  @Test
  void defaultHomeIsCreatedOwnerOnly() throws Exception {
    Path fresh = home.resolve("nested").resolve(".tokenbroker");
    cli.env.put("TOKENBROKER_HOME", fresh.toString());
    assertEquals(
        0,
        cli.run(CliRunner.args("login", generic(), "acme", "--grant", "client-credentials"))
            .exit());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("keyset.json"))));
    assertTrue(Files.isDirectory(fresh.resolve("grants")));
  }

  @Test
  void concurrentTokenCommandsRefreshOnce() throws Exception {
    FakeClock clock = FakeClock.at(Instant.now());
    cli.clock = clock;
    assertEquals(0, cli.run(CliRunner.args("login", generic(), "ops")).exit());
    clock.advance(Duration.ofHours(2)); // the access token has expired
    int n = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<CliRunner.Running> running = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      running.add(cli.start(new ByteArrayInputStream(new byte[0]), "token", "ops", "-v"));
    }
    start.countDown();
    Set<String> printed = new HashSet<>();
    for (CliRunner.Running r : running) {
      CliRunner.Result result = r.await();
      assertEquals(0, result.exit(), result::toString);
      printed.add(result.out());
    }
    assertEquals(1, server.tokenRequestCount("refresh_token"), "one refresh for all of them");
    assertEquals(0, server.invalidGrantCount());
    assertEquals(Set.of(server.lastAccessToken() + System.lineSeparator()), printed);
  }

  @Test
  void verboseNarratesTheBroker() throws Exception {
    FakeClock clock = FakeClock.at(Instant.now());
    cli.clock = clock;
    assertEquals(0, cli.run(CliRunner.args("login", generic(), "ops")).exit());
    clock.advance(Duration.ofHours(2));
    CliRunner.Result token = cli.run("token", "ops", "--verbose");
    assertEquals(0, token.exit(), token::toString);
    assertTrue(token.err().contains("[broker] 'ops': calling the token endpoint"), token::toString);
    assertTrue(
        token.err().contains("[broker] 'ops': new tokens saved, valid until "), token::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), token.out());
    Secrets.assertAbsent(home, server, SECRET, new CliRunner.Result(0, "", token.err()));
  }
}
