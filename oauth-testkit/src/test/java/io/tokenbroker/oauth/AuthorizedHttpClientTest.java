package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The authorized-HTTP helper against a real resource server that checks tokens with the fake. */
class AuthorizedHttpClientTest {
  private static final GrantKey KEY = GrantKey.of("api");

  private final FakeClock clock = FakeClock.create();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final Queue<int[]> scripted =
      new ConcurrentLinkedQueue<>(); // {status, retryAfterSeconds or -1}
  private final List<String> seenTokens = new CopyOnWriteArrayList<>();
  private FakeAuthorizationServer auth;
  private HttpServer api;
  private TokenBroker broker;
  private AuthorizedHttpClient client;

  @BeforeEach
  void start() throws Exception {
    auth = FakeAuthorizationServer.builder().clock(clock).start();
    auth.registerClient("id", "secret-for-api-tests");
    api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    api.createContext(
        "/",
        exchange -> {
          String header = exchange.getRequestHeaders().getFirst("Authorization");
          String token = header != null && header.startsWith("Bearer ") ? header.substring(7) : "";
          seenTokens.add(token);
          int[] next = scripted.poll();
          int status;
          if (next != null) {
            status = next[0];
            if (next[1] >= 0) {
              exchange.getResponseHeaders().add("Retry-After", Integer.toString(next[1]));
            }
          } else {
            status = auth.introspect(token).active() ? 200 : 401;
          }
          byte[] body = ("status " + status).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    api.start();
    Provider provider = Provider.builder("fake").tokenEndpoint(auth.tokenEndpoint()).build();
    broker = TokenBroker.builder().clock(clock).build();
    broker.register(
        KEY,
        ClientRegistration.of(provider, "id", ClientSecret.of("secret-for-api-tests")),
        GrantType.CLIENT_CREDENTIALS);
    client =
        AuthorizedHttpClient.builder(HttpClient.newHttpClient(), broker, KEY)
            .clock(clock)
            .sleeper(sleeps::add)
            .initialBackoff(Duration.ofMillis(10))
            .build();
  }

  @AfterEach
  void stop() {
    broker.close();
    api.stop(0);
    auth.close();
  }

  private HttpResponse<String> call(String method) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + api.getAddress().getPort() + "/things");
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
    assertTrue(seenTokens.isEmpty());
  }

  @Test
  void injectsTheBearerToken() throws Exception {
    assertEquals(200, call("GET").statusCode());
    assertEquals(List.of(auth.lastAccessToken()), seenTokens);
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
    assertEquals(List.of(first, first, auth.lastAccessToken()), seenTokens);
  }

  @Test
  void aSecondUnauthorizedIsReturnedNotLooped() throws Exception {
    scripted.add(new int[] {401, -1});
    scripted.add(new int[] {401, -1});

    assertEquals(401, call("GET").statusCode());
    assertEquals(2, seenTokens.size());
  }

  @Test
  void rateLimitedRequestsWaitAsTold() throws Exception {
    scripted.add(new int[] {429, 3});

    assertEquals(200, call("POST").statusCode());
    assertEquals(List.of(Duration.ofSeconds(3)), sleeps);
  }

  @Test
  void serverErrorsAreRetriedOnlyForIdempotentMethods() throws Exception {
    scripted.add(new int[] {500, -1});
    assertEquals(200, call("GET").statusCode());

    scripted.add(new int[] {500, -1});
    assertEquals(500, call("POST").statusCode());
    scripted.add(new int[] {503, 1});
    assertEquals(503, call("PATCH").statusCode());
    assertEquals(
        List.of(
            auth.lastAccessToken(),
            auth.lastAccessToken(),
            auth.lastAccessToken(),
            auth.lastAccessToken()),
        seenTokens);
  }

  @Test
  void retriesAreBounded() throws Exception {
    for (int i = 0; i < 5; i++) {
      scripted.add(new int[] {503, 1});
    }
    assertEquals(503, call("GET").statusCode());
    assertEquals(3, seenTokens.size());
    assertTrue(sleeps.stream().allMatch(d -> d.equals(Duration.ofSeconds(1))));
  }

  @Test
  void retryAfterBeyondTheCapReturnsTheResponse() throws Exception {
    scripted.add(new int[] {429, 3600});
    assertEquals(429, call("GET").statusCode());
    assertTrue(sleeps.isEmpty());
    new ArrayList<>(seenTokens).forEach(t -> assertEquals(auth.lastAccessToken(), t));
  }
}
