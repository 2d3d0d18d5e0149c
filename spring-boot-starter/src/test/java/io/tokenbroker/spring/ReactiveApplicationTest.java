package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.apps.ReactiveApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Concurrently;
import io.tokenbroker.spring.support.Json;
import io.tokenbroker.spring.support.ProtectedResource;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.HeldRequests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** A reactive application with WebClient against a real protected resource. */
@SpringBootTest(
    classes = ReactiveApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "management.endpoints.web.exposure.include=health,tokenbroker",
      "management.endpoint.health.show-details=always",
      "logging.level.io.tokenbroker=TRACE"
    })
@ExtendWith(OutputCaptureExtension.class)
class ReactiveApplicationTest {
  static final FakeAuthorizationServer server = FakeAuthorizationServer.start();
  static final ProtectedResource resource = ProtectedResource.start(server);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    Apps.register(
        registry,
        server,
        resource,
        List.of("reporting", "proxied", "loop"),
        "client-authentication=post");
  }

  @AfterAll
  static void stop() {
    resource.close();
    server.close();
  }

  @Autowired TokenBroker broker;
  @Autowired WebClient reportingWebClient;

  @Value("${local.server.port}")
  int port;

  @Test
  void webClientSendsTheBrokersTokenAndRefreshesOnceAfter401(CapturedOutput output) {
    String first =
        reportingWebClient.get().uri("/api/first").retrieve().bodyToMono(String.class).block();
    assertTrue(first.contains("\"ok\":true"), first);
    assertTrue(server.issuedAccessTokens().contains(resource.lastBearer()));
    server.revoke(resource.lastBearer());
    int before = server.tokenRequestCount();

    List<String> bodies =
        Flux.range(0, 20)
            .flatMap(
                i -> reportingWebClient.get().uri("/api/again").retrieve().bodyToMono(String.class),
                20)
            .collectList()
            .block(Duration.ofSeconds(60));

    assertEquals(20, bodies.size());
    assertEquals(before + 1, server.tokenRequestCount(), "exactly one refresh");
    String logs = output.getAll();
    assertTrue(logs.contains("refreshing '"), "the broker's debug log is captured");
    Secrets.assertNoneIn(logs, Secrets.of(server), "the logs");
  }

  @Test
  void oneTokenRequestFor200ConcurrentRequestsMadeOnTheEventLoop() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    int before = server.tokenRequestCount();

    List<Integer> statuses =
        Concurrently.run(
            200,
            () ->
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/proxy"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode());

    assertEquals(200, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertEquals(before + 1, server.tokenRequestCount(), "one token request for 200 callers");
  }

  @Test
  void theEventLoopIsNotBlockedWhileATokenIsFetched() throws Exception {
    HeldRequests tokenRequests = HeldRequests.matching(request -> request.path().equals("/token"));
    server.setDispatcher(tokenRequests);
    // A parallel scheduler's thread is non-blocking, as Netty's event loop threads are.
    Scheduler loop = Schedulers.newParallel("test-event-loop", 1);
    try {
      WebClient client =
          WebClient.builder()
              .baseUrl(resource.baseUri().toString())
              .filter(TokenBrokerExchangeFilter.forGrant(broker, "loop"))
              .build();
      CompletableFuture<String> call =
          Mono.defer(() -> client.get().uri("/api/loop").retrieve().bodyToMono(String.class))
              .subscribeOn(loop)
              .toFuture();
      assertTrue(
          tokenRequests.awaitArrived(1, Duration.ofSeconds(30)),
          "the token request reached the server");

      // The token endpoint is still holding its answer: the loop thread must be free meanwhile.
      assertEquals(
          "free", Mono.fromCallable(() -> "free").subscribeOn(loop).block(Duration.ofSeconds(30)));

      tokenRequests.release();
      assertTrue(call.get(30, TimeUnit.SECONDS).contains("\"ok\":true"));
    } finally {
      tokenRequests.release();
      server.setDispatcher(null);
      loop.dispose();
    }
  }

  @Test
  void actuatorEndpointAndHealthOnTheReactiveStack() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> endpoint =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/tokenbroker"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", Json.at(health.body(), "components/tokenbroker/status"));
    assertEquals(200, endpoint.statusCode());
    assertTrue(Json.at(endpoint.body(), "grants/loop") != null, endpoint.body());
    Secrets.assertNoneIn(health.body() + endpoint.body(), Secrets.of(server), "actuator responses");
  }
}
