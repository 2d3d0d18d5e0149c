package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.LoopbackServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RecordingSleeper;
import io.tokenbroker.testkit.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The authorized-HTTP helper against a real resource server that checks tokens with the fake. */
class AuthorizedHttpClientTest {
  private static final GrantKey KEY = GrantKey.of("api");

  private final FakeClock clock = FakeClock.create();
  private final RecordingSleeper sleeper = RecordingSleeper.create();
  private FakeAuthorizationServer auth;
  private LoopbackServer api;
  private TokenBroker broker;
  private AuthorizedHttpClient client;

  @BeforeEach
  void start() {
    auth = FakeAuthorizationServer.builder().clock(clock).start();
    auth.registerClient("id", "secret-for-api-tests");
    api = LoopbackServer.builder().name("resource-server").dispatcher(this::serve).start();
    Provider provider = Provider.builder("fake").tokenEndpoint(auth.tokenEndpoint()).build();
    broker = TokenBroker.builder().clock(clock).build();
    broker.register(
        KEY,
        ClientRegistration.of(provider, "id", ClientSecret.of("secret-for-api-tests")),
        GrantType.CLIENT_CREDENTIALS);
    client =
        AuthorizedHttpClient.builder(HttpClient.newHttpClient(), broker, KEY)
            .clock(clock)
            .sleeper(sleeper)
            .build();
  }

  /** The resource server: 200 for a token the authorization server says is live, else 401. */
  private Reply serve(RecordedRequest request) {
    int status = auth.introspect(bearer(request)).active() ? 200 : 401;
    return Reply.text(status, "status " + status);
  }

  private static String bearer(RecordedRequest request) {
    String header = request.header("Authorization");
    return header != null && header.startsWith("Bearer ") ? header.substring(7) : "";
  }

  /** The bearer token of every request the resource server received, in order. */
  private List<String> seenTokens() {
    return api.requests().stream().map(AuthorizedHttpClientTest::bearer).toList();
  }

  @AfterEach
  void stop() {
    broker.close();
    api.close();
    auth.close();
  }

  private HttpResponse<String> call(String method) throws Exception {
    URI uri = api.baseUri().resolve("/things");
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer stale-user-value")
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theTokenNeverTravelsInClearTextOrAlongRedirects() {
    HttpRequest plain = HttpRequest.newBuilder(URI.create("http://api.example.com/things")).build();
    assertThrows(
        IllegalArgumentException.class,
        () -> client.send(plain, HttpResponse.BodyHandlers.ofString()));
    HttpClient following =
        HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    assertThrows(
        IllegalArgumentException.class, () -> AuthorizedHttpClient.create(following, broker, KEY));
    assertTrue(seenTokens().isEmpty());
  }

  @Test
  void injectsTheBearerToken() throws Exception {
    assertEquals(200, call("GET").statusCode());
    assertEquals(List.of(auth.lastAccessToken()), seenTokens());
  }

  @Test
  void unauthorizedForcesOneRefreshAndRetriesOnce() throws Exception {
    call("GET");
    String first = auth.lastAccessToken();
    auth.revoke(first); // the API no longer accepts it

    HttpResponse<String> response = call("POST");

    assertEquals(200, response.statusCode());
    assertEquals(2, auth.tokenRequestCount());
    assertNotEquals(first, auth.lastAccessToken());
    assertEquals(List.of(first, first, auth.lastAccessToken()), seenTokens());
  }

  @Test
  void aSecondUnauthorizedIsReturnedNotLooped() throws Exception {
    api.enqueue(Fault.status(401));
    api.enqueue(Fault.status(401));

    assertEquals(401, call("GET").statusCode());
    assertEquals(2, seenTokens().size());
  }

  @Test
  void rateLimitedRequestsWaitAsTold() throws Exception {
    api.enqueue(Fault.status(429).withRetryAfter("3"));

    assertEquals(200, call("POST").statusCode());
    assertEquals(List.of(Duration.ofSeconds(3)), sleeper.waits());
  }

  @Test
  void serverErrorsAreRetriedOnlyForIdempotentMethods() throws Exception {
    api.enqueue(Fault.status(500));
    assertEquals(200, call("GET").statusCode());

    api.enqueue(Fault.status(500));
    assertEquals(500, call("POST").statusCode());
    api.enqueue(Fault.status(503).withRetryAfter("1"));
    assertEquals(503, call("PATCH").statusCode());
    assertEquals(
        List.of(
            auth.lastAccessToken(),
            auth.lastAccessToken(),
            auth.lastAccessToken(),
            auth.lastAccessToken()),
        seenTokens());
  }

  @Test
  void retriesAreBounded() throws Exception {
    for (int i = 0; i < 5; i++) {
      api.enqueue(Fault.status(503).withRetryAfter("1"));
    }
    assertEquals(503, call("GET").statusCode());
    assertEquals(3, seenTokens().size());
    assertTrue(sleeper.waits().stream().allMatch(d -> d.equals(Duration.ofSeconds(1))));
  }

  @Test
  void retryAfterBeyondTheCapReturnsTheResponse() throws Exception {
    api.enqueue(Fault.status(429).withRetryAfter("3600"));
    assertEquals(429, call("GET").statusCode());
    assertTrue(sleeper.waits().isEmpty());
    seenTokens().forEach(t -> assertEquals(auth.lastAccessToken(), t));
  }

  @Test
  void withoutServerErrorRetriesOnlyA429IsPacedWhateverTheMethod() throws Exception {
    AuthorizedHttpClient writes =
        AuthorizedHttpClient.builder(HttpClient.newHttpClient(), broker, KEY)
            .clock(clock)
            .sleeper(sleeper)
            .retryServerErrors(false)
            .build();
    URI uri = api.baseUri().resolve("/things");
    HttpRequest put =
        HttpRequest.newBuilder(uri).method("PUT", HttpRequest.BodyPublishers.noBody()).build();

    api.enqueue(Fault.status(503).withRetryAfter("1"));
    assertEquals(503, writes.send(put, HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(1, seenTokens().size(), "a PUT is not sent again after a 5xx");
    assertTrue(sleeper.waits().isEmpty());

    api.enqueue(Fault.status(429).withRetryAfter("4"));
    assertEquals(200, writes.send(put, HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(3, seenTokens().size(), "the 429, then the paced retry");
    assertEquals(List.of(Duration.ofSeconds(4)), sleeper.waits());
  }
}
