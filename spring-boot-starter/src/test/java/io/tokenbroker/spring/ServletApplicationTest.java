package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.apps.ServletApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Concurrently;
import io.tokenbroker.spring.support.Json;
import io.tokenbroker.spring.support.ProtectedResource;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/** A servlet application with RestClient and RestTemplate against a real protected resource. */
@SpringBootTest(
    classes = ServletApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "management.endpoints.web.exposure.include=health,tokenbroker",
      "management.endpoint.health.show-details=always",
      "logging.level.io.tokenbroker=TRACE"
    })
@ExtendWith(OutputCaptureExtension.class)
class ServletApplicationTest {
  static final FakeAuthorizationServer server = FakeAuthorizationServer.start();
  static final ProtectedResource resource = ProtectedResource.start(server);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    Apps.register(
        registry,
        server,
        resource,
        List.of("reporting", "burst", "metered", "templated"),
        "scopes=read,write");
  }

  @AfterAll
  static void stop() {
    resource.close();
    server.close();
  }

  @Autowired TokenBroker broker;
  @Autowired RestClient reportingClient;
  @Autowired RestTemplate reportingTemplate;
  @Autowired MeterRegistry meters;

  @Value("${local.server.port}")
  int port;

  private RestClient client(String grant) {
    return RestClient.builder()
        .baseUrl(resource.baseUri().toString())
        .requestInterceptor(TokenBrokerInterceptor.forGrant(broker, grant))
        .build();
  }

  @Test
  void restClientSendsTheBrokersToken(CapturedOutput output) {
    String body = reportingClient.get().uri("/api/report").retrieve().body(String.class);

    assertTrue(body.contains("\"ok\":true"), body);
    assertTrue(server.issuedAccessTokens().contains(resource.lastBearer()));
    assertEquals(
        Set.of("read", "write"),
        Set.of(server.introspect(resource.lastBearer()).scope().split(" ")));
    assertNoSecretIn(output);
  }

  @Test
  void restTemplateSendsTheBrokersTokenAndRefreshesOnceAfter401() {
    reportingTemplate.getForObject("/api/one", String.class);
    String rejected = resource.lastBearer();
    server.revoke(rejected); // the API no longer accepts it
    int tokenRequests = server.tokenRequestCount();

    String body = reportingTemplate.getForObject("/api/two", String.class);

    assertTrue(body.contains("/api/two"), body);
    assertEquals(tokenRequests + 1, server.tokenRequestCount());
    assertFalse(resource.lastBearer().equals(rejected));
  }

  @Test
  void oneTokenRequestFor200ConcurrentRequests() throws Exception {
    RestClient burst = client("burst");
    int before = server.tokenRequestCount();

    List<String> bodies =
        Concurrently.run(200, () -> burst.get().uri("/api/burst").retrieve().body(String.class));

    assertEquals(200, bodies.stream().filter(b -> b.contains("\"ok\":true")).count());
    assertEquals(before + 1, server.tokenRequestCount(), "one token request for 200 callers");
  }

  @Test
  void a401LeadsToExactlyOneRefreshWhateverTheNumberOfRequests() throws Exception {
    reportingClient.get().uri("/api/warm").retrieve().body(String.class);
    server.revoke(resource.lastBearer());
    int before = server.tokenRequestCount();
    int rejectedBefore = resource.rejectedCount();

    List<String> bodies =
        Concurrently.run(
            20, () -> reportingClient.get().uri("/api/after-revoke").retrieve().body(String.class));

    assertEquals(20, bodies.size());
    assertEquals(before + 1, server.tokenRequestCount(), "exactly one refresh");
    assertTrue(resource.rejectedCount() > rejectedBefore, "the stale token was rejected");
  }

  @Test
  void metricsCountTokenRequestsRefreshesAndGrantStates() {
    RestClient metered = client("metered");
    metered.get().uri("/api/m1").retrieve().body(String.class);
    server.revoke(resource.lastBearer());
    metered.get().uri("/api/m2").retrieve().body(String.class);

    assertEquals(
        2.0,
        meters
            .get("tokenbroker.token.requests")
            .tags("grant", "metered", "grant_type", "client_credentials", "outcome", "success")
            .counter()
            .count());
    assertEquals(2, meters.get("tokenbroker.refresh").tags("grant", "metered").timer().count());
    assertTrue(meters.get("tokenbroker.grants").tag("state", "valid").gauge().value() >= 1);
    assertEquals(
        0.0,
        meters.get("tokenbroker.grants").tag("state", "reauthorization_required").gauge().value());
  }

  @Test
  void actuatorShowsEveryGrantAndHealthWithoutTokens(CapturedOutput output) throws Exception {
    client("templated").get().uri("/api/t").retrieve().body(String.class);

    HttpResponse<String> endpoint = get("/actuator/tokenbroker");
    HttpResponse<String> one = get("/actuator/tokenbroker/templated");
    HttpResponse<String> health = get("/actuator/health");

    assertEquals(200, endpoint.statusCode());
    assertEquals("valid", Json.at(endpoint.body(), "grants/templated/state"), endpoint.body());
    assertEquals("client-credentials", Json.at(endpoint.body(), "grants/templated/grantType"));
    assertEquals("generic", Json.at(endpoint.body(), "grants/templated/provider"));
    assertEquals(200, one.statusCode());
    assertEquals("valid", Json.at(one.body(), "state"), one.body());
    assertEquals(404, get("/actuator/tokenbroker/nope").statusCode());
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", Json.at(health.body(), "components/tokenbroker/status"), health.body());
    assertEquals(
        "valid", Json.at(health.body(), "components/tokenbroker/details/grants/templated/state"));
    for (String body : List.of(endpoint.body(), one.body(), health.body())) {
      Secrets.assertNoneIn(body, Secrets.of(server), "an actuator response");
    }
    assertNoSecretIn(output);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private void assertNoSecretIn(CapturedOutput output) {
    String logs = output.getAll();
    assertTrue(logs.contains("refreshing '"), "the broker's debug log is captured");
    Secrets.assertNoneIn(logs, Secrets.of(server), "the logs");
  }
}
