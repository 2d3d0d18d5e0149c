package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pushed authorization requests (RFC 9126): asked for, or required by the metadata. */
class PushedAuthorizationTest {
  private static final String CLIENT_ID = "par-client";
  private static final String SECRET = "par-client-secret-0123456789";
  private static final URI REDIRECT = URI.create("https://app.example/cb");

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;

  private void start(boolean required) {
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .requirePushedAuthorizationRequests(required)
            .start();
    server.registerClient(CLIENT_ID, SECRET, REDIRECT.toString());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private TokenClient client(Provider provider) {
    return TokenClient.builder(
            ClientRegistration.builder(provider, CLIENT_ID)
                .clientSecret(ClientSecret.of(SECRET))
                .scope("read")
                .resource(URI.create("https://api.example.com/"))
                .build())
        .clock(clock)
        .build();
  }

  @Test
  void requiredByTheMetadataTheUrlCarriesOnlyTheClientAndTheRequestUri() throws Exception {
    start(true);
    AuthorizationRequest request =
        client(Provider.discover(server.issuer())).authorizationRequest(REDIRECT);

    Map<String, List<String>> query = Browser.query(request.uri());
    assertEquals(Set.of("client_id", "request_uri"), query.keySet());
    assertEquals(List.of(CLIENT_ID), query.get("client_id"));
    RecordedRequest pushed =
        server.requests().stream().filter(r -> r.path().equals("/par")).findFirst().orElseThrow();
    assertEquals(request.state(), pushed.parameter("state"));
    assertEquals("read", pushed.parameter("scope"));
    assertEquals("S256", pushed.parameter("code_challenge_method"));
    assertEquals(List.of("https://api.example.com/"), pushed.bodyParameterValues("resource"));
    assertTrue(pushed.header("Authorization").startsWith("Basic "));

    TokenSet tokens = request.complete(FakeAuthorizationServer.approve(request.uri()));
    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
  }

  @Test
  void askedForByTheProviderAndTheRequestUriIsSingleUse() throws Exception {
    start(false);
    Provider provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .pushedAuthorizationRequestEndpoint(server.pushedAuthorizationRequestEndpoint())
            .pushedAuthorizationRequests(true)
            .build();
    AuthorizationRequest request = client(provider).authorizationRequest(REDIRECT);

    URI callback = FakeAuthorizationServer.approve(request.uri());
    HttpResponse<String> again = Browser.get(request.uri());

    assertEquals(400, again.statusCode());
    assertTrue(again.body().contains("invalid_request_uri"), again.body());
    request.complete(callback);
  }

  @Test
  void theRequestUriExpires() throws Exception {
    start(false);
    Provider provider =
        Provider.discover(server.issuer()).toBuilder().pushedAuthorizationRequests(true).build();
    AuthorizationRequest request = client(provider).authorizationRequest(REDIRECT);

    clock.advance(Duration.ofSeconds(61));
    HttpResponse<String> late = Browser.get(request.uri());

    assertEquals(400, late.statusCode());
    assertTrue(late.body().contains("invalid_request_uri"), late.body());
  }

  @Test
  void withoutPushingAServerThatRequiresItRefuses() throws Exception {
    start(true);
    Provider provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    AuthorizationRequest request = client(provider).authorizationRequest(REDIRECT);

    HttpResponse<String> refused = Browser.get(request.uri());

    assertEquals(400, refused.statusCode());
    assertTrue(refused.body().contains("RFC 9126"), refused.body());
  }
}
