package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.CliStandIn;
import io.tokenbroker.spring.support.Json;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An authorization-code grant consented with the CLI on the application's store: health UP, DOWN
 * once the grant is dead, UP again after a new consent.
 */
class HealthTest {
  @TempDir Path dir;
  FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.start();
    server.registerClient("app", Secrets.CLIENT_SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void healthIsDownWhileAGrantNeedsReauthorizationAndUpAfterANewConsent() throws Exception {
    Path store = dir.resolve("tokens");
    Path keyset = dir.resolve("keyset.json");
    TokenSet consented = CliStandIn.login(server, "ops", store, keyset);
    Map<String, String> properties = Apps.authorizationCode(server, "ops");
    properties.put("tokenbroker.store", "file:" + store);
    properties.put("tokenbroker.keyset", keyset.toString());
    properties.put("server.port", "0");
    properties.put("management.endpoint.health.show-details", "always");

    FakeClock clock = FakeClock.at(Instant.now());
    try (ConfigurableApplicationContext app =
        Apps.builder(PlainApp.class, WebApplicationType.SERVLET, properties)
            .initializers(
                context ->
                    context.getBeanFactory().registerSingleton("clock", clock)) // the broker's time
            .run()) {
      TokenBroker broker = app.getBean(TokenBroker.class);
      MeterRegistry meters = app.getBean(MeterRegistry.class);
      String port = app.getEnvironment().getProperty("local.server.port");
      assertEquals(
          consented.accessToken(),
          broker.accessToken(GrantKey.of("ops")),
          "the CLI's grant is picked up");
      HttpResponse<String> up = health(port);
      assertEquals(200, up.statusCode(), up.body());
      assertEquals("UP", Json.at(up.body(), "components/tokenbroker/status"));
      assertEquals("valid", Json.at(up.body(), "components/tokenbroker/details/grants/ops/state"));
      assertEquals(
          "authorization-code",
          Json.at(up.body(), "components/tokenbroker/details/grants/ops/grantType"));

      server.revoke(consented.refreshToken().revealValue()); // the user withdrew consent
      assertThrows(InvalidGrantException.class, () -> broker.forceRefresh(GrantKey.of("ops")));

      HttpResponse<String> down = health(port);
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("DOWN", Json.at(down.body(), "components/tokenbroker/status"));
      assertEquals(
          "reauthorization_required",
          Json.at(down.body(), "components/tokenbroker/details/grants/ops/state"));
      assertEquals(
          1.0,
          meters
              .get("tokenbroker.token.requests")
              .tags("grant", "ops", "grant_type", "authorization_code", "outcome", "invalid_grant")
              .counter()
              .count());
      assertEquals(
          1.0,
          meters
              .get("tokenbroker.grants")
              .tag("state", "reauthorization_required")
              .gauge()
              .value());

      TokenSet again = CliStandIn.login(server, "ops", store, keyset); // tokenbroker login ops
      clock.advance(Duration.ofSeconds(31)); // past the broker's back-off after the failure

      HttpResponse<String> upAgain = health(port);
      assertEquals(200, upAgain.statusCode(), upAgain.body());
      assertEquals(
          "valid", Json.at(upAgain.body(), "components/tokenbroker/details/grants/ops/state"));
      assertEquals(again.accessToken(), broker.accessToken(GrantKey.of("ops")));
      for (HttpResponse<String> response : java.util.List.of(up, down, upAgain)) {
        Secrets.assertNoneIn(response.body(), Secrets.of(server), "the health response");
      }
    }
  }

  private static HttpResponse<String> health(String port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
