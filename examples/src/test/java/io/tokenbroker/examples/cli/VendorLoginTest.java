package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.RefusingPort;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --provider cor} and {@code --provider procore} against the offline sandboxes. */
class VendorLoginTest {
  @TempDir Path home;

  CliRunner cli() {
    CliRunner cli = new CliRunner(home);
    cli.env.put("KEY_SECRET", "cor-client-secret");
    cli.env.put("APP_SECRET", "procore-app-secret");
    return cli;
  }

  @Test
  void corClientCredentials() throws Exception {
    try (CorSandbox cor = CorSandbox.start()) {
      cor.registerApiKey("api-key", "cor-client-secret");
      CliRunner cli = cli();
      CliRunner.Result login =
          cli.run(
              "login",
              "cor/acme",
              "--provider",
              "cor",
              "--grant",
              "client-credentials",
              "--api-url",
              cor.apiBaseUri().toString(),
              "--client-id",
              "api-key",
              "--client-secret-env",
              "KEY_SECRET");
      assertEquals(0, login.exit(), login::toString);
      assertEquals(
          cor.lastAccessToken() + System.lineSeparator(), cli.run("token", "cor/acme").out());
      JsonNode status = new ObjectMapper().readTree(cli.run("status", "cor/acme", "--json").out());
      assertEquals("cor", status.get("provider").asText());
      assertEquals("client-credentials", status.get("grantType").asText());
      assertEquals("api-key", status.get("clientId").asText());
      CliRunner.Result revoke = cli.run("revoke", "cor/acme");
      assertEquals(0, revoke.exit(), revoke::toString);
      assertTrue(
          revoke.err().contains("the provider has no revocation endpoint"), revoke::toString);
      assertFalse(login.all().contains("cor-client-secret"));
    }
  }

  @Test
  void corConsentThroughLoopbackThenRefresh() throws Exception {
    try (CorSandbox cor = CorSandbox.builder().rotation(CorSandbox.Rotation.STRICT).start()) {
      cor.registerApp("My App");
      CliRunner cli = cli();
      cli.browser = Browser.async();
      CliRunner.Result login =
          cli.run(
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
              cor.consentBaseUri().toString());
      assertEquals(0, login.exit(), login::toString);
      assertTrue(
          login.err().contains(cor.consentBaseUri() + "/oauth2/authorize?"), login::toString);
      assertTrue(
          login.err().contains("name=My+App") || login.err().contains("name=My%20App"),
          login::toString);
      String first = cor.lastAccessToken();
      assertEquals(first + System.lineSeparator(), cli.run("token", "cor/jane").out());
      CliRunner.Result refresh = cli.run("refresh", "cor/jane");
      assertEquals(0, refresh.exit(), refresh::toString);
      assertEquals(1, cor.requestCount("POST", "/v1/oauth/refreshtoken"));
      assertEquals(
          cor.lastAccessToken() + System.lineSeparator(), cli.run("token", "cor/jane").out());
      // A flag of another provider is refused.
      CliRunner.Result wrong =
          cli.run("login", "x", "--provider", "cor", "--token-url", "https://x");
      assertEquals(2, wrong.exit());
      assertTrue(
          wrong.err().startsWith("tokenbroker: --token-url does not apply to --provider cor"),
          wrong::toString);
    }
  }

  @Test
  void procoreOutOfBandByDefaultThenRevoke() throws Exception {
    try (ProcoreSandbox procore = ProcoreSandbox.builder().environment("sandbox").start()) {
      procore.registerClient("app-id", "procore-app-secret");
      CliRunner cli = cli();
      PipedOutputStream typing = new PipedOutputStream();
      CliRunner.Running running =
          cli.start(
              new PipedInputStream(typing),
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
      String url = running.err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(30));
      assertTrue(url.startsWith(procore.authorizationEndpoint() + "?"), url);
      assertTrue(url.contains("redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob"), url);
      typing.write((Browser.oobCode(URI.create(url)) + "\n").getBytes(StandardCharsets.UTF_8));
      typing.flush();
      CliRunner.Result login = running.await();
      assertEquals(0, login.exit(), login::toString);

      String token = procore.issuedAccessTokens().get(0);
      assertEquals(token + System.lineSeparator(), cli.run("token", "procore/ops").out());
      JsonNode status =
          new ObjectMapper().readTree(cli.run("status", "--json").out()).get("grants").get(0);
      assertEquals("procore-sandbox", status.get("provider").asText());
      assertTrue(status.get("refreshToken").asBoolean());

      CliRunner.Result revoke = cli.run("revoke", "procore/ops");
      assertEquals(0, revoke.exit(), revoke::toString);
      assertEquals(
          "Revoked 'procore/ops' at the provider and removed it." + System.lineSeparator(),
          revoke.err());
      assertFalse(procore.isAccessTokenValid(token));
      assertFalse(login.all().contains("procore-app-secret"));
    }
  }

  @Test
  void procoreLoopbackOnARegisteredPortAndServiceAccount() throws Exception {
    try (ProcoreSandbox procore = ProcoreSandbox.start()) {
      procore.registerServiceAccount("dmsa-id", "procore-app-secret");
      CliRunner cli = cli();
      cli.browser = Browser.async();
      String[] hosts = {
        "--login-url", procore.loginUrl().toString(), "--api-url", procore.apiUrl().toString()
      };
      // Procore wants the exact redirect URI registered first, so the port is fixed before the
      // CLI binds it. No port can be reserved for another listener: take a free one and, in the
      // rare case someone binds it meanwhile, try again with another.
      CliRunner.Result login = null;
      for (int attempt = 0; attempt < 3 && (login == null || portTaken(login)); attempt++) {
        int port = freePort();
        procore.registerClient(
            "app-id", "procore-app-secret", "http://127.0.0.1:" + port + "/callback");
        login =
            cli.run(
                CliRunner.args(
                    "login",
                    List.of(hosts),
                    "procore/user",
                    "--provider",
                    "procore",
                    "--client-id",
                    "app-id",
                    "--client-secret-env",
                    "APP_SECRET",
                    "--redirect",
                    "loopback:" + port));
      }
      assertEquals(0, login.exit(), login::toString);
      assertEquals(1, procore.tokenRequestCount("authorization_code"));

      CliRunner.Result service =
          cli.run(
              CliRunner.args(
                  "login",
                  List.of(hosts),
                  "procore/service",
                  "--provider",
                  "procore",
                  "--grant",
                  "client-credentials",
                  "--client-id",
                  "dmsa-id",
                  "--client-secret-env",
                  "APP_SECRET"));
      assertEquals(0, service.exit(), service::toString);
      assertEquals(1, procore.tokenRequestCount("client_credentials"));
      CliRunner.Result status = cli.run("status");
      assertTrue(
          status.out().contains("procore/service  procore-custom  client-credentials"),
          status::toString);
      assertTrue(
          status.out().contains("procore/user     procore-custom  authorization-code"),
          status::toString);
    }
  }

  /** A port that was free a moment ago (see the caller for why it cannot be reserved). */
  private static int freePort() {
    try (RefusingPort probe = RefusingPort.open()) {
      return probe.port();
    }
  }

  private static boolean portTaken(CliRunner.Result login) {
    return login.exit() != 0 && login.err().contains("the port is in use");
  }
}
