package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RefreshRotation;
import io.tokenbroker.testkit.RefusingPort;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runnable jar as users run it: {@code java -jar tokenbroker.jar ...} in child processes. */
class TokenBrokerJarIT {
  static final String SECRET = "s3cret-client-value";

  @TempDir Path home;
  FakeAuthorizationServer server;
  JarProcess jar;

  @BeforeEach
  void setUp() {
    server = FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start();
    server.registerClient("cli-client", SECRET);
    jar = new JarProcess(home);
    jar.env.put("ACME_SECRET", SECRET);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  String[] login(String name, String... more) {
    return CliRunner.args(
        "login",
        List.of(
            name,
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
            "ACME_SECRET",
            "--no-browser"),
        more);
  }

  @Test
  void loopbackLoginThenTokenAndStatus() throws Exception {
    ChildJvm child = jar.start(login("ops"));
    String url = child.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60));
    assertTrue(url.startsWith(server.authorizationEndpoint() + "?"), url);
    assertTrue(Browser.visit(URI.create(url)).body().contains("Authorization complete"));
    CliRunner.Result login = JarProcess.await(child);
    assertEquals(0, login.exit(), login::toString);
    assertEquals(1, server.tokenRequestCount("authorization_code"));

    CliRunner.Result token = jar.run("token", "ops");
    assertEquals(0, token.exit(), token::toString);
    assertEquals(server.lastAccessToken(), token.out().strip());
    assertEquals("", token.err());

    CliRunner.Result status = jar.run("status", "--json");
    assertEquals(0, status.exit(), status::toString);
    JsonNode grant = new ObjectMapper().readTree(status.out()).get("grants").get(0);
    assertEquals("ops", grant.get("name").asText());
    assertEquals("valid", grant.get("state").asText());
    assertTrue(grant.get("refreshToken").asBoolean());
    Secrets.assertAbsent(home, server, SECRET, login, status);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void outOfBandLoginReadsTheCodeFromStdin() throws Exception {
    ChildJvm child = jar.start(login("oob", "--redirect", "oob"));
    String url = child.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60));
    String code = Browser.oobCode(URI.create(url));
    child.send(code);
    child.closeStdin();
    CliRunner.Result login = JarProcess.await(child);
    assertEquals(0, login.exit(), login::toString);
    assertFalse(login.all().contains(code));
    assertEquals(server.lastAccessToken(), jar.run("token", "oob").out().strip());
  }

  @Test
  void concurrentTokenProcessesCauseOneRefresh() throws Exception {
    server.enqueue(Fault.successWith("expires_in", 0)); // the stored token is expired at once
    ChildJvm child = jar.start(login("shared"));
    Browser.visit(
        URI.create(child.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60))));
    assertEquals(0, JarProcess.await(child).exit());
    String expired = server.lastAccessToken();

    List<ChildJvm> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(jar.start("token", "shared"));
    }
    Set<String> printed = new HashSet<>();
    for (ChildJvm c : children) {
      c.closeStdin();
      CliRunner.Result r = JarProcess.await(c);
      assertEquals(0, r.exit(), r::toString);
      printed.add(r.out().strip());
    }
    assertEquals(1, server.tokenRequestCount("refresh_token"), "one refresh across four processes");
    assertEquals(0, server.invalidGrantCount(), "no process reused a rotated refresh token");
    assertEquals(Set.of(server.lastAccessToken()), printed);
    assertFalse(printed.contains(expired));
  }

  @Test
  void exitCodesOfChildProcesses() throws Exception {
    CliRunner.Result bad = jar.run("token", "x", "--min-valid", "soon");
    assertEquals(2, bad.exit(), bad::toString);
    assertTrue(
        bad.err().startsWith("tokenbroker: Invalid value for option '--min-valid'"), bad::toString);

    CliRunner.Result noSecret =
        jar.run(
            "login",
            "x",
            "--provider",
            "generic",
            "--grant",
            "client-credentials",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client");
    assertEquals(2, noSecret.exit(), noSecret::toString);
    assertTrue(
        noSecret.err().startsWith("tokenbroker: no client secret: there is no terminal"),
        noSecret::toString);

    ChildJvm child = jar.start(login("ops"));
    Browser.visit(
        URI.create(child.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60))));
    assertEquals(0, JarProcess.await(child).exit());

    Path other = home.resolve("other-keyset.json");
    Keysets.toFile(Keysets.generate(), other);
    CliRunner.Result wrongKeyset = jar.run("token", "ops", "--keyset", other.toString());
    assertEquals(1, wrongKeyset.exit(), wrongKeyset::toString);
    assertTrue(
        wrongKeyset.err().contains("cannot be decrypted with this keyset"), wrongKeyset::toString);

    server.revoke(server.lastRefreshToken());
    CliRunner.Result dead = jar.run("refresh", "ops");
    assertEquals(3, dead.exit(), dead::toString);
    assertTrue(
        dead.err().startsWith("tokenbroker: grant 'ops' needs re-authorization"), dead::toString);

    CliRunner.Result unreachable;
    try (RefusingPort closed = RefusingPort.open()) {
      unreachable =
          jar.run(
              "login",
              "y",
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
    assertEquals(4, unreachable.exit(), unreachable::toString);
    assertTrue(
        unreachable.err().contains("hint: the provider or the network failed"),
        unreachable::toString);
    Secrets.assertAbsent(home, server, SECRET, bad, noSecret, wrongKeyset, dead, unreachable);
  }

  @Test
  void demoAsTheReadmeRunsIt() throws Exception {
    CliRunner.Result demo = jar.run("demo");
    assertEquals(0, demo.exit(), demo::toString);
    assertTrue(
        demo.out().contains("[7/7] The store, as 'tokenbroker status' sees it"), demo::toString);
    assertTrue(demo.out().contains("Summary"), demo::toString);
    assertEquals("", demo.err());
  }

  @Test
  void vendorSandboxesThroughTheJar() throws Exception {
    try (CorSandbox cor = CorSandbox.start();
        ProcoreSandbox procore = ProcoreSandbox.builder().environment("sandbox").start()) {
      cor.registerApp("My App");
      procore.registerClient("app-id", "procore-app-secret");
      jar.env.put("APP_SECRET", "procore-app-secret");

      // COR: consent through the loopback receiver (no client secret in COR's consent flow).
      ChildJvm corLogin =
          jar.start(
              "login",
              "cor/jane",
              "--provider",
              "cor",
              "--subdomain",
              "acme",
              "--app-name",
              "My App",
              "--api-url",
              cor.apiBaseUri().toString(),
              "--consent-url",
              cor.consentBaseUri().toString(),
              "--no-browser");
      String corUrl = corLogin.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60));
      Browser.visit(URI.create(corUrl));
      CliRunner.Result corResult = JarProcess.await(corLogin);
      assertEquals(0, corResult.exit(), corResult::toString);
      assertEquals(cor.lastAccessToken(), jar.run("token", "cor/jane").out().strip());

      // Procore: out of band, the default for procore.
      ChildJvm procoreLogin =
          jar.start(
              "login",
              "procore/ops",
              "--provider",
              "procore",
              "--environment",
              "sandbox",
              "--login-url",
              procore.loginUrl().toString(),
              "--api-url",
              procore.apiUrl().toString(),
              "--client-id",
              "app-id",
              "--client-secret-env",
              "APP_SECRET",
              "--no-browser");
      String url = procoreLogin.awaitErrorLine(l -> l.startsWith("http"), Duration.ofSeconds(60));
      procoreLogin.send(Browser.oobCode(URI.create(url)));
      procoreLogin.closeStdin();
      CliRunner.Result procoreResult = JarProcess.await(procoreLogin);
      assertEquals(0, procoreResult.exit(), procoreResult::toString);
      String procoreToken = jar.run("token", "procore/ops").out().strip();
      assertEquals(procore.issuedAccessTokens().get(0), procoreToken);

      CliRunner.Result status = jar.run("status");
      assertTrue(
          status.out().contains("cor/jane     cor              authorization-code"),
          status::toString);
      assertTrue(
          status.out().contains("procore/ops  procore-sandbox  authorization-code"),
          status::toString);

      CliRunner.Result rotate = jar.run("keys", "rotate");
      assertEquals(0, rotate.exit(), rotate::toString);
      assertTrue(
          rotate.err().contains("re-sealed 2 grant(s) and 2 saved setting(s)"), rotate::toString);
      CliRunner.Result refresh = jar.run("refresh", "procore/ops");
      assertEquals(0, refresh.exit(), refresh::toString);
      assertEquals(1, procore.tokenRequestCount("refresh_token"));

      CliRunner.Result revoke = jar.run("revoke", "procore/ops");
      assertEquals(0, revoke.exit(), revoke::toString);
      assertFalse(procore.isAccessTokenValid(procore.issuedAccessTokens().get(1)));
      CliRunner.Result remove = jar.run("remove", "cor/jane");
      assertEquals(0, remove.exit(), remove::toString);
      assertEquals("No grants in " + home.resolve("grants") + ".", jar.run("status").out().strip());
      assertFalse(procoreResult.all().contains("procore-app-secret"));
      assertFalse(rotate.all().contains("procore-app-secret"));
    }
  }

  @Test
  void launcherScriptRunsTheJar() throws Exception {
    Path script = Path.of("tokenbroker").toAbsolutePath(); // examples/tokenbroker
    ProcessBuilder builder = new ProcessBuilder("sh", script.toString(), "status", "--json");
    builder.environment().put("TOKENBROKER_HOME", home.toString());
    builder.environment().remove("TOKENBROKER_STORE");
    builder.environment().remove("TOKENBROKER_KEYSET");
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), output);
    JsonNode status = new ObjectMapper().readTree(output);
    assertEquals(home.resolve("grants").toString(), status.get("store").asText());
    assertEquals(0, status.get("grants").size());
  }
}
