package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.TestKeys;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's standards flags against the fake server: discovery ({@code --issuer}), {@code
 * --auth-method private-key-jwt}, {@code --grant device-code} and {@code jwt-bearer}, {@code
 * --resource}/{@code --audience}/{@code --param}, {@code --dpop} with {@code headers}, {@code
 * --par}, and what {@code status} shows.
 */
class StandardsLoginTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "standards-client-secret-0123456789";

  @TempDir Path home;
  @TempDir Path files;
  FakeAuthorizationServer server;
  CliRunner cli;

  @BeforeEach
  void setUp() {
    server =
        FakeAuthorizationServer.builder()
            .issuerPath("/tenant")
            .devicePollingInterval(Duration.ofSeconds(1))
            .start();
    server.registerClient("secret-client", SECRET);
    cli = new CliRunner(home);
    cli.env.put("CLIENT_SECRET", SECRET);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private List<String> discovered() {
    return List.of("--provider", "generic", "--issuer", server.issuer().toString());
  }

  private RecordedRequest lastTokenRequest() {
    return server.requests().stream()
        .filter(r -> r.path().equals("/token"))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  private Path privateKeyFile(KeyPair pair) throws Exception {
    Path file = files.resolve("client-key.pem");
    Files.writeString(file, TestKeys.pkcs8Pem(pair.getPrivate()));
    return file;
  }

  private void assertNoFileHolds(String text) throws Exception {
    try (Stream<Path> all = Files.walk(home)) {
      for (Path file : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertFalse(content.contains(text), file + " holds a secret in plaintext");
      }
    }
  }

  @Test
  void discoveryAndPrivateKeyJwtClientCredentials() throws Exception {
    KeyPair pair = TestKeys.rsa();
    server.registerClient("reporting", pair.getPublic(), "2026-01");
    Path key = privateKeyFile(pair);

    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "reporting",
                "--grant",
                "client-credentials",
                "--auth-method",
                "private-key-jwt",
                "--private-key",
                key.toString(),
                "--key-id",
                "2026-01",
                "--client-id",
                "reporting",
                "--resource",
                "https://api.example.com/",
                "--resource",
                "https://files.example.com/",
                "--audience",
                "reports-api",
                "--param",
                "organization=acme"));

    assertEquals(0, login.exit(), login::toString);
    RecordedRequest request = lastTokenRequest();
    assertNotNull(request.parameter("client_assertion"));
    assertNull(request.header("Authorization"));
    assertEquals(
        List.of("https://api.example.com/", "https://files.example.com/"),
        request.bodyParameterValues("resource"));
    assertEquals("reports-api", request.parameter("audience"));
    assertEquals("acme", request.parameter("organization"));
    assertEquals("/.well-known/oauth-authorization-server/tenant", server.requests().get(0).path());

    CliRunner.Result token = cli.run("token", "reporting");
    assertEquals(server.lastAccessToken() + System.lineSeparator(), token.out());
    assertNotNull(
        cli.fast("token", "reporting"), "a bearer grant is still served by the fast path");

    // Another process renews with the key kept (sealed) in the saved settings.
    Files.delete(key);
    CliRunner.Result refresh = cli.run("refresh", "reporting");
    assertEquals(0, refresh.exit(), refresh::toString);
    assertEquals(2, server.tokenRequestCount("client_credentials"));
    assertEquals(
        "2026-01", header(lastTokenRequest().parameter("client_assertion")).get("kid").asText());

    CliRunner.Result status = cli.run("status", "reporting");
    assertEquals(0, status.exit(), status::toString);
    assertTrue(
        status
            .out()
            .contains(
                "reporting: client authentication private-key-jwt; DPoP no; resource"
                    + " https://api.example.com/ https://files.example.com/; audience reports-api"),
        status::toString);
    JsonNode json = JSON.readTree(cli.run("status", "reporting", "--json").out());
    assertEquals("private-key-jwt", json.get("clientAuthentication").asText());
    assertFalse(json.get("dpop").asBoolean());
    assertEquals(2, json.get("resources").size());
    assertEquals("reports-api", json.get("audience").get(0).asText());

    String pemBody = TestKeys.pkcs8Pem(pair.getPrivate()).split("\n")[3];
    assertNoFileHolds(pemBody);
    for (CliRunner.Result r : List.of(login, refresh, status)) {
      assertFalse(r.all().contains(pemBody), r::toString);
    }
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  private static JsonNode header(String jwt) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]));
  }

  @Test
  void deviceCodeLoginPrintsTheUrlAloneThenTheCode() throws Exception {
    server.registerPublicClient("tv");
    CliRunner.Running running =
        cli.start(
            new ByteArrayInputStream(new byte[0]),
            CliRunner.args(
                "login",
                discovered(),
                "tv",
                "--grant",
                "device-code",
                "--auth-method",
                "none",
                "--client-id",
                "tv",
                "--timeout",
                "1m"));

    String url = running.err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(20));
    String code = running.err.awaitLine(l -> l.startsWith("Code: "), Duration.ofSeconds(5));
    URI complete = URI.create(url); // the whole line is the URL, the complete one
    assertTrue(url.startsWith(server.deviceVerificationEndpoint() + "?user_code="), url);
    assertTrue(code.matches("Code: [A-Z]{4}-[A-Z]{4}"), code);
    assertTrue(url.endsWith(code.substring("Code: ".length())), url);
    assertEquals(200, Browser.visit(complete).statusCode());
    CliRunner.Result login = running.await();

    assertEquals(0, login.exit(), login::toString);
    assertTrue(login.err().contains("Logged in 'tv' (generic, device-code)"), login::toString);
    assertEquals(server.lastAccessToken() + System.lineSeparator(), cli.run("token", "tv").out());
    JsonNode json = JSON.readTree(cli.run("status", "tv", "--json").out());
    assertEquals("device-code", json.get("grantType").asText());
    Secrets.assertAbsent(home, server, SECRET, login);
  }

  @Test
  void deviceCodeLoginThatIsDeniedFails() throws Exception {
    server.registerPublicClient("tv");
    server.setAuthorizationDecision(FakeAuthorizationServer.Decision.DENY);
    CliRunner.Running running =
        cli.start(
            new ByteArrayInputStream(new byte[0]),
            CliRunner.args(
                "login",
                discovered(),
                "tv",
                "--grant",
                "device-code",
                "--auth-method",
                "none",
                "--client-id",
                "tv"));
    String url = running.err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(20));
    Browser.visit(URI.create(url));

    CliRunner.Result login = running.await();

    assertEquals(1, login.exit(), login::toString);
    assertTrue(login.err().contains("denied"), login::toString);
  }

  @Test
  void jwtBearerLogin() throws Exception {
    KeyPair pair = TestKeys.ec();
    server.registerClient("batch", pair.getPublic(), null);
    Path keyFile = files.resolve("batch.jwk");
    Files.writeString(keyFile, TestKeys.privateJwk(pair, "batch-1"));

    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "batch",
                "--grant",
                "jwt-bearer",
                "--private-key",
                keyFile.toString(),
                "--subject",
                "jane@example.com",
                "--client-id",
                "batch"));

    assertEquals(0, login.exit(), login::toString);
    assertEquals("jane@example.com", server.lastAssertionSubject());
    assertEquals(1, server.tokenRequestCount("urn:ietf:params:oauth:grant-type:jwt-bearer"));
    CliRunner.Result refresh = cli.run("refresh", "batch");
    assertEquals(0, refresh.exit(), refresh::toString);
    assertEquals(2, server.tokenRequestCount("urn:ietf:params:oauth:grant-type:jwt-bearer"));
    assertEquals(
        "jwt-bearer",
        JSON.readTree(cli.run("status", "batch", "--json").out()).get("grantType").asText());
  }

  @Test
  void dpopLoginThenHeadersForARequest() throws Exception {
    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "svc",
                "--grant",
                "client-credentials",
                "--client-id",
                "secret-client",
                "--client-secret-env",
                "CLIENT_SECRET",
                "--dpop"));
    assertEquals(0, login.exit(), login::toString);
    assertNotNull(lastTokenRequest().header("DPoP"));

    URI resource = URI.create(server.resourceEndpoint() + "/reports");
    CliRunner.Result headers = cli.run("headers", "svc", "--url", resource.toString());

    assertEquals(0, headers.exit(), headers::toString);
    String[] lines = headers.out().split("\\R");
    assertEquals(2, lines.length, headers::toString);
    assertEquals("Authorization: DPoP " + server.lastAccessToken(), lines[0]);
    assertTrue(lines[1].startsWith("DPoP: ey"), lines[1]);
    HttpRequest.Builder call = HttpRequest.newBuilder(resource);
    for (String line : lines) {
      int colon = line.indexOf(": ");
      call.header(line.substring(0, colon), line.substring(colon + 2));
    }
    HttpResponse<String> answer =
        HttpClient.newHttpClient().send(call.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode(), answer.body());

    CliRunner.Result post =
        cli.run("headers", "svc", "--method", "post", "--url", resource.toString());
    assertTrue(post.out().contains("DPoP: "), post::toString);
    CliRunner.Result noUrl = cli.run("headers", "svc");
    assertEquals(2, noUrl.exit(), noUrl::toString);
    assertTrue(noUrl.err().contains("--url is required"), noUrl::toString);
    assertEquals("", noUrl.out());

    // token does not hand a bound token out as a bearer one without saying so.
    assertNull(cli.fast("token", "svc"), "the fast path declines");
    CliRunner.Result token = cli.run("token", "svc", "--json");
    assertEquals("DPoP", JSON.readTree(token.out()).get("token_type").asText());
    assertTrue(token.err().contains("DPoP-bound"), token::toString);

    CliRunner.Result status = cli.run("status");
    assertTrue(
        status.out().contains("svc: client authentication basic; DPoP bound"), status::toString);
    Secrets.assertAbsent(home, server, SECRET, login, noUrl, status);
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void aBearerGrantGetsOneHeaderLine() throws Exception {
    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "plain",
                "--grant",
                "client-credentials",
                "--client-id",
                "secret-client",
                "--client-secret-env",
                "CLIENT_SECRET"));
    assertEquals(0, login.exit(), login::toString);

    CliRunner.Result headers = cli.run("headers", "plain");

    assertEquals(
        "Authorization: Bearer " + server.lastAccessToken() + System.lineSeparator(),
        headers.out());
  }

  @Test
  void pushedAuthorizationRequestLogin() throws Exception {
    cli.browser = Browser.async();
    CliRunner.Result login =
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "ops",
                "--client-id",
                "secret-client",
                "--client-secret-env",
                "CLIENT_SECRET",
                "--par",
                "--resource",
                "https://api.example.com/"));

    assertEquals(0, login.exit(), login::toString);
    RecordedRequest pushed =
        server.requests().stream().filter(r -> r.path().equals("/par")).findFirst().orElseThrow();
    assertEquals("https://api.example.com/", pushed.parameter("resource"));
    RecordedRequest authorize =
        server.requests().stream()
            .filter(r -> r.path().equals("/authorize"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        java.util.Set.of("client_id", "request_uri"), authorize.queryParameters().keySet());
    assertEquals(1, server.tokenRequestCount("authorization_code"));
  }

  @Test
  void standardsFlagsAreCheckedBeforeAnythingHappens() throws Exception {
    assertError(
        cli.run(
            CliRunner.args(
                "login", discovered(), "x", "--grant", "jwt-bearer", "--client-id", "c")),
        "--grant jwt-bearer needs --subject SUB");
    assertError(
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "x",
                "--grant",
                "client-credentials",
                "--auth-method",
                "private-key-jwt",
                "--client-id",
                "c")),
        "--auth-method private-key-jwt needs --private-key FILE");
    assertError(
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "x",
                "--client-id",
                "c",
                "--param",
                "scope=x",
                "--client-secret-env",
                "CLIENT_SECRET")),
        "'scope' is set by the protocol itself");
    assertError(
        cli.run(
            CliRunner.args(
                "login",
                discovered(),
                "x",
                "--client-id",
                "c",
                "--resource",
                "relative",
                "--client-secret-env",
                "CLIENT_SECRET")),
        "resource must be an absolute URI");
    assertError(
        cli.run(
            "login",
            "--provider",
            "cor",
            "x",
            "--grant",
            "client-credentials",
            "--client-id",
            "k",
            "--client-secret-env",
            "CLIENT_SECRET",
            "--dpop"),
        "--dpop does not apply to --provider cor");
    assertEquals(0, server.requestCount());
  }

  private static void assertError(CliRunner.Result result, String message) {
    assertEquals(2, result.exit(), result::toString);
    assertTrue(result.err().contains(message), result::toString);
  }
}
