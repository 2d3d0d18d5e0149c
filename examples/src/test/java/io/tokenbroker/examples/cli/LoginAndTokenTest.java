package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command's happy path through {@link TokenBrokerCli#run}, against the fake server. */
class LoginAndTokenTest {
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
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  List<String> generic() {
    return List.of(
        "--provider",
        "generic",
        "--token-url",
        server.tokenEndpoint().toString(),
        "--authorize-url",
        server.authorizationEndpoint().toString(),
        "--revoke-url",
        server.revocationEndpoint().toString(),
        "--client-id",
        "cli-client",
        "--client-secret-env",
        "ACME_SECRET");
  }

  @Test
  void clientCredentialsLoginThenTokenStatusRefreshRevoke() throws Exception {
    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login", generic(), "acme", "--grant", "client-credentials", "--scope", "read"));
    assertEquals(0, login.exit(), login::toString);
    assertTrue(
        login.err().contains("Logged in 'acme' (generic, client-credentials)"), login::toString);
    assertEquals("", login.out());
    assertEquals(1, server.tokenRequestCount("client_credentials"));

    CliRunner.Result token = cli.run("token", "acme");
    assertEquals(0, token.exit(), token::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), token.out());
    assertEquals("", token.err());
    assertEquals(1, server.tokenRequestCount(), "the stored token is reused");

    CliRunner.Result status = cli.run("status");
    assertEquals(0, status.exit(), status::toString);
    assertTrue(
        status
            .out()
            .matches(
                "(?s)NAME +PROVIDER +GRANT +EXPIRES +REFRESH TOKEN +STATE\\Racme +generic"
                    + " +client-credentials +\\d{4}-.* \\(in 59m\\d*s?\\) +no +valid\\R"),
        status::toString);

    CliRunner.Result refresh = cli.run("refresh", "acme");
    assertEquals(0, refresh.exit(), refresh::toString);
    assertTrue(refresh.err().startsWith("Refreshed 'acme'"), refresh::toString);
    assertEquals(2, server.tokenRequestCount("client_credentials"));
    CliRunner.Result after = cli.run("token", "acme");
    assertEquals(server.lastAccessToken() + System.lineSeparator(), after.out());

    CliRunner.Result revoke = cli.run("revoke", "acme");
    assertEquals(0, revoke.exit(), revoke::toString);
    assertTrue(
        revoke.err().startsWith("Revoked 'acme' at the provider and removed it."),
        revoke::toString);
    assertFalse(server.introspect(server.lastAccessToken()).active());
    CliRunner.Result gone = cli.run("status");
    assertEquals(
        "No grants in " + home.resolve("grants") + "." + System.lineSeparator(), gone.out());

    Secrets.assertAbsent(home, server, SECRET, login, status, refresh, revoke, gone);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void authorizationCodeThroughLoopbackWithTheBrowserOpened() throws Exception {
    cli.browser = Browser.async();
    CliRunner.Result login =
        cli.run(CliRunner.args("login", generic(), "ops", "--scope", "read write"));
    assertEquals(0, login.exit(), login::toString);
    assertEquals(1, server.tokenRequestCount("authorization_code"));
    String redirect = server.requests().get(0).parameter("redirect_uri");
    assertTrue(redirect.matches("http://127\\.0\\.0\\.1:\\d+/callback"), redirect);
    assertEquals(
        Set.of("read", "write"), Set.of(server.requests().get(0).parameter("scope").split(" ")));
    assertTrue(login.err().contains("(opened in your browser)"), login::toString);
    assertTrue(login.err().contains("refresh token stored"), login::toString);

    String first = server.lastAccessToken();
    String firstRefresh = server.lastRefreshToken();
    assertEquals(first + System.lineSeparator(), cli.run("token", "ops").out());

    CliRunner.Result refresh = cli.run("refresh", "ops");
    assertEquals(0, refresh.exit(), refresh::toString);
    assertEquals(1, server.tokenRequestCount("refresh_token"));
    assertNotEquals(firstRefresh, server.lastRefreshToken(), "strict rotation");
    CliRunner.Result token = cli.run("token", "ops");
    assertEquals(server.lastAccessToken() + System.lineSeparator(), token.out());

    CliRunner.Result json = cli.run("status", "ops", "--json");
    assertEquals(0, json.exit(), json::toString);
    JsonNode g = new ObjectMapper().readTree(json.out());
    assertEquals("ops", g.get("name").asText());
    assertEquals("generic", g.get("provider").asText());
    assertEquals("authorization-code", g.get("grantType").asText());
    assertEquals("cli-client", g.get("clientId").asText());
    assertEquals("[\"read\",\"write\"]", g.get("scopes").toString());
    assertTrue(g.get("refreshToken").asBoolean());
    assertFalse(g.get("reauthorizationRequired").asBoolean());
    assertEquals("valid", g.get("state").asText());
    assertTrue(g.get("expiresInSeconds").asLong() > 3500);

    Secrets.assertAbsent(home, server, SECRET, login, refresh, json);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void loopbackWithoutBrowserPrintsTheUrlAloneOnItsOwnStderrLine() throws Exception {
    CliRunner.Running running =
        cli.start(
            new ByteArrayInputStream(new byte[0]),
            CliRunner.args("login", generic(), "ops", "--no-browser", "--redirect", "loopback"));
    String url = running.err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(20));
    URI consent = URI.create(url); // the whole line is the URL
    assertTrue(url.startsWith(server.authorizationEndpoint() + "?"), url);
    assertTrue(url.contains("code_challenge_method=S256"), url);
    String page = Browser.visit(consent).body();
    assertTrue(page.contains("Authorization complete"), page);
    CliRunner.Result login = running.await();
    assertEquals(0, login.exit(), login::toString);
    assertFalse(login.err().contains("opened in your browser"));
    assertEquals(1, server.tokenRequestCount("authorization_code"));
  }

  @Test
  void outOfBandReadsTheCodeFromStandardInput() throws Exception {
    PipedOutputStream typing = new PipedOutputStream();
    CliRunner.Running running =
        cli.start(
            new PipedInputStream(typing),
            CliRunner.args("login", generic(), "oob-grant", "--redirect", "oob", "--no-browser"));
    String url = running.err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(20));
    assertTrue(url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"), url);
    running.err.awaitLine(l -> l.contains("paste the code"), Duration.ofSeconds(5));
    String code = Browser.oobCode(URI.create(url));
    typing.write((code + "\n").getBytes(StandardCharsets.UTF_8));
    typing.flush();
    CliRunner.Result login = running.await();
    assertEquals(0, login.exit(), login::toString);
    assertFalse(login.all().contains(code), "the code is never echoed");
    assertEquals(
        server.lastAccessToken() + System.lineSeparator(), cli.run("token", "oob-grant").out());
    Secrets.assertAbsent(home, server, SECRET, login);
  }

  @Test
  void tokenRefreshesFirstWhenItWouldExpireWithinMinValid() throws Exception {
    cli.browser = Browser.async();
    FakeClock clock = FakeClock.at(Instant.now());
    cli.clock = clock;
    assertEquals(0, cli.run(CliRunner.args("login", generic(), "ops")).exit());
    String old = server.lastAccessToken();
    clock.advance(Duration.ofMinutes(50)); // 10 minutes of the hour are left

    CliRunner.Result enough = cli.run("token", "ops", "--min-valid", "5m");
    assertEquals(old + System.lineSeparator(), enough.out());
    assertEquals(0, server.tokenRequestCount("refresh_token"));

    CliRunner.Result more = cli.run("token", "ops", "--min-valid", "15m");
    assertEquals(0, more.exit(), more::toString);
    assertEquals(1, server.tokenRequestCount("refresh_token"));
    assertEquals(server.lastAccessToken() + System.lineSeparator(), more.out());
    assertNotEquals(old, server.lastAccessToken());

    // Longer than half the lifetime: still honoured, once.
    clock.advance(Duration.ofMinutes(10)); // 50 minutes left
    CliRunner.Result most = cli.run("token", "ops", "--min-valid", "55m");
    assertEquals(0, most.exit(), most::toString);
    assertEquals(2, server.tokenRequestCount("refresh_token"));
    assertEquals(server.lastAccessToken() + System.lineSeparator(), most.out());

    // More than any token lives: no refresh storm, a warning instead.
    CliRunner.Result impossible = cli.run("token", "ops", "--min-valid", "2h");
    assertEquals(0, impossible.exit(), impossible::toString);
    assertEquals(2, server.tokenRequestCount("refresh_token"));
    assertTrue(
        impossible
            .err()
            .matches(
                "warning: the token of 'ops' expires in 59m\\d*s?, sooner than"
                    + " --min-valid 2h: .*\\R"),
        impossible::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), impossible.out());
  }

  @Test
  void secretFromFileOrPrompt() throws Exception {
    Path file = home.resolveSibling(home.getFileName() + "-secret.txt");
    Files.writeString(file, SECRET + "\n");
    List<String> base =
        List.of(
            "--provider",
            "generic",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--grant",
            "client-credentials");
    CliRunner.Result fromFile =
        cli.run(CliRunner.args("login", base, "a", "--client-secret-file", file.toString()));
    assertEquals(0, fromFile.exit(), fromFile::toString);

    String[] asked = new String[1];
    cli.prompt =
        prompt -> {
          asked[0] = prompt;
          return SECRET.toCharArray();
        };
    CliRunner.Result prompted = cli.run(CliRunner.args("login", base, "b"));
    assertEquals(0, prompted.exit(), prompted::toString);
    assertEquals("Client secret for cli-client (not echoed): ", asked[0]);
    assertEquals(2, server.tokenRequestCount("client_credentials"));
    Files.delete(file);
    Secrets.assertAbsent(home, server, SECRET, fromFile, prompted);
  }

  @Test
  void reloginWithSavedSettingsAfterTheGrantDied() throws Exception {
    cli.browser = Browser.async();
    assertEquals(0, cli.run(CliRunner.args("login", generic(), "ops")).exit());
    server.revoke(server.lastRefreshToken()); // the user withdrew consent at the provider

    CliRunner.Result dead = cli.run("refresh", "ops");
    assertEquals(3, dead.exit(), dead::toString);
    assertTrue(
        dead.err().startsWith("tokenbroker: grant 'ops' needs re-authorization"), dead::toString);
    assertTrue(
        dead.err().contains("hint: consent again with 'tokenbroker login ops'"), dead::toString);
    assertEquals(2, dead.err().lines().count(), "one line plus a hint");

    CliRunner.Result token = cli.run("token", "ops");
    assertEquals(3, token.exit(), token::toString);
    assertEquals("", token.out());
    CliRunner.Result status = cli.run("status", "ops");
    assertEquals(3, status.exit(), status::toString);
    assertTrue(status.out().contains("reauthorization-required"), status::toString);

    cli.env.remove("ACME_SECRET"); // the saved secret is used
    CliRunner.Result again = cli.run("login", "ops");
    assertEquals(0, again.exit(), again::toString);
    CliRunner.Result fresh = cli.run("token", "ops");
    assertEquals(0, fresh.exit(), fresh::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), fresh.out());
    Secrets.assertAbsent(home, server, SECRET, dead, token, status, again);
  }

  @Test
  void removeDeletesLocallyAndStatusListsEverything() throws Exception {
    assertEquals(
        0,
        cli.run(CliRunner.args("login", generic(), "b/two", "--grant", "client-credentials"))
            .exit());
    assertEquals(
        0,
        cli.run(CliRunner.args("login", generic(), "a/one", "--grant", "client-credentials"))
            .exit());
    CliRunner.Result json = cli.run("status", "--json");
    JsonNode doc = new ObjectMapper().readTree(json.out());
    assertEquals(home.resolve("grants").toString(), doc.get("store").asText());
    assertEquals(home.resolve("keyset.json").toString(), doc.get("keyset").asText());
    assertEquals("a/one", doc.get("grants").get(0).get("name").asText());
    assertEquals("b/two", doc.get("grants").get(1).get("name").asText());

    CliRunner.Result removed = cli.run("remove", "a/one");
    assertEquals(0, removed.exit(), removed::toString);
    assertTrue(
        server.isGrantAlive(server.issuedAccessTokens().get(1)),
        "remove does not tell the provider");
    CliRunner.Result again = cli.run("remove", "a/one");
    assertEquals(1, again.exit(), again::toString);
    assertTrue(again.err().startsWith("tokenbroker: no grant named 'a/one'"), again::toString);
    JsonNode left = new ObjectMapper().readTree(cli.run("status", "--json").out());
    assertEquals(1, left.get("grants").size());
  }
}
