package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 8707 {@code resource} (repeatable), {@code audience} and named parameters, sent on the
 * authorization request and on every token request; scopes and audience recorded as returned.
 */
class ResourceAudienceTest {
  private static final String CLIENT_ID = "api-client";
  private static final String SECRET = "api-client-secret-0123456789";
  private static final List<String> RESOURCES =
      List.of("https://api.example.com/", "https://files.example.com/v2");

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;
  private TokenBroker broker;

  @BeforeEach
  void start() {
    server =
        FakeAuthorizationServer.builder().clock(clock).clientCredentialsRefreshToken(false).start();
    server.registerClient(CLIENT_ID, SECRET);
    broker = TokenBroker.builder().clock(clock).build();
  }

  @AfterEach
  void stop() {
    broker.close();
    server.close();
  }

  private ClientRegistration registration() {
    return ClientRegistration.builder(Provider.discover(server.issuer()), CLIENT_ID)
        .clientSecret(ClientSecret.of(SECRET))
        .resource(URI.create(RESOURCES.get(0)))
        .resource(URI.create(RESOURCES.get(1)))
        .audience("https://api.example.com")
        .parameter("organization", "acme")
        .scope("read")
        .build();
  }

  private static void assertCarriesParameters(RecordedRequest request) {
    assertEquals(RESOURCES, request.bodyParameterValues("resource"), request.toString());
    assertEquals(List.of("https://api.example.com"), request.bodyParameterValues("audience"));
    assertEquals("acme", request.parameter("organization"));
  }

  private List<RecordedRequest> tokenRequests() {
    return server.requests().stream().filter(r -> r.path().equals("/token")).toList();
  }

  @Test
  void everyTokenRequestOfAConsentCarriesThem() throws Exception {
    GrantKey key = GrantKey.of("api/user");
    broker.register(key, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(key, URI.create("https://app.example/cb"));

    Map<String, List<String>> query = Browser.query(request.uri());
    assertEquals(RESOURCES, query.get("resource"));
    assertEquals(List.of("https://api.example.com"), query.get("audience"));
    assertEquals(List.of("acme"), query.get("organization"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));
    clock.advance(Duration.ofHours(2));
    broker.accessToken(key);

    List<RecordedRequest> tokens = tokenRequests();
    assertEquals(2, tokens.size());
    assertEquals("authorization_code", tokens.get(0).parameter("grant_type"));
    assertEquals("refresh_token", tokens.get(1).parameter("grant_type"));
    tokens.forEach(ResourceAudienceTest::assertCarriesParameters);
    GrantStatus status = broker.status(key);
    assertEquals(RESOURCES, status.resources());
    assertEquals(List.of("https://api.example.com"), status.audience());
    assertEquals(Set.of("read"), status.scopes());
  }

  @Test
  void clientCredentialsCarryThemAndTheReturnedAudienceIsKept() {
    GrantKey key = GrantKey.of("api/service");
    broker.register(key, registration(), GrantType.CLIENT_CREDENTIALS);
    server.enqueue(Fault.successWith("audience", "https://api.example.com"));

    TokenSet tokens = broker.tokens(key);

    assertCarriesParameters(tokenRequests().get(0));
    assertEquals(Set.of("https://api.example.com"), tokens.audience());
    assertEquals(Set.of("read"), tokens.scopes());
  }

  @Test
  void aMalformedResourceIsRefusedByTheServerAndByTheRegistration() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ClientRegistration.builder(Provider.discover(server.issuer()), CLIENT_ID)
                .resource(URI.create("relative/path")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ClientRegistration.builder(Provider.discover(server.issuer()), CLIENT_ID)
                .parameter("resource", "https://api.example.com/#fragment"));
  }

  @Test
  void protocolParametersCannotBeSmuggledIn() {
    for (String name : List.of("grant_type", "client_secret", "scope", "code", "refresh_token")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  ClientRegistration.builder(Provider.discover(server.issuer()), CLIENT_ID)
                      .parameter(name, "x"));
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }
}
