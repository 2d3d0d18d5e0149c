package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider options for vendors that bend RFC 6749: invalid-grant statuses and raw Basic. */
class ProviderQuirksTest {
  private static final String CLIENT_ID = "quirk-client";
  private static final String SECRET = "quirk-secret-0123456789";
  private static final String BARE_401 = "{\"error\":401,\"message\":\"Unauthorized\"}";

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.builder().clock(clock).start();
    server.registerClient(CLIENT_ID, SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Provider.Builder provider() {
    return Provider.builder("quirky")
        .authorizationEndpoint(server.authorizationEndpoint())
        .tokenEndpoint(server.tokenEndpoint());
  }

  private TokenClient client(Provider provider) {
    return TokenClient.builder(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)))
        .clock(clock)
        .retryPolicy(RetryPolicy.none())
        .build();
  }

  private TokenSet consent(TokenClient client) throws Exception {
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    return request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  @Test
  void invalidGrantStatusesDefaultToNone() {
    Provider provider = provider().build();
    assertEquals(Set.of(), provider.invalidGrantStatuses());
    assertTrue(provider.formEncodeBasicCredentials());
  }

  @Test
  void aBare401ToARefreshIsAConfigurationErrorByDefault() throws Exception {
    TokenClient client = client(provider().build());
    TokenSet tokens = consent(client);
    server.enqueue(Fault.json(401, BARE_401));

    assertThrows(ClientConfigurationException.class, () -> client.refresh(tokens));
  }

  @Test
  void aListedStatusToARefreshMeansInvalidGrant() throws Exception {
    TokenClient client = client(provider().invalidGrantStatuses(401).build());
    TokenSet tokens = consent(client);
    server.enqueue(Fault.json(401, BARE_401));

    InvalidGrantException e =
        assertThrows(InvalidGrantException.class, () -> client.refresh(tokens));
    assertEquals(401, e.httpStatus().orElseThrow());
    assertEquals("Unauthorized", e.errorDescription().orElseThrow());
    assertFalse(e.getMessage().contains(tokens.refreshToken().revealValue()));
  }

  @Test
  void aListedStatusToACodeExchangeMeansInvalidGrant() {
    TokenClient client = client(provider().invalidGrantStatuses(400, 401).build());
    AuthorizationRequest request = client.authorizationRequest(TokenClient.OUT_OF_BAND);
    server.enqueue(Fault.json(400, "{\"status\":400,\"message\":\"bad code\"}"));

    assertThrows(InvalidGrantException.class, () -> request.exchange("some-code"));
  }

  @Test
  void clientCredentialsAreNotAffected() {
    TokenClient client = client(provider().invalidGrantStatuses(401).build());
    server.enqueue(Fault.json(401, BARE_401));

    assertThrows(ClientConfigurationException.class, client::clientCredentials);
  }

  @Test
  void theBrokerMarksTheGrantDeadOnAListedStatus() throws Exception {
    Provider provider = provider().invalidGrantStatuses(401).build();
    GrantKey key = GrantKey.of("quirky/user");
    try (TokenBroker broker =
        TokenBroker.builder().clock(clock).retryPolicy(RetryPolicy.none()).build()) {
      broker.register(
          key,
          ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)),
          GrantType.AUTHORIZATION_CODE);
      broker.saveTokens(key, consent(client(provider)));
      server.enqueue(Fault.json(401, BARE_401));

      assertThrows(InvalidGrantException.class, () -> broker.forceRefresh(key));
      assertTrue(broker.status(key).reauthorizationRequired());
    }
  }

  @Test
  void invalidGrantStatusesRejectTransientStatuses() {
    for (int status : new int[] {200, 399, 408, 429, 500, 503}) {
      assertThrows(IllegalArgumentException.class, () -> provider().invalidGrantStatuses(status));
    }
    assertEquals(
        Set.of(400, 403),
        provider()
            .invalidGrantStatuses(401)
            .invalidGrantStatuses(400, 403)
            .build()
            .invalidGrantStatuses());
  }

  @Test
  void optionsSurviveToBuilder() {
    Provider provider =
        provider().invalidGrantStatuses(401).formEncodeBasicCredentials(false).build();
    Provider copy = provider.toBuilder().build();
    assertEquals(Set.of(401), copy.invalidGrantStatuses());
    assertFalse(copy.formEncodeBasicCredentials());
  }

  @Test
  void basicCredentialsAreFormEncodedByDefault() throws Exception {
    String secret = "a+b/c=d:e%";
    assertEquals(CLIENT_ID + ":a%2Bb%2Fc%3Dd%3Ae%25", basicSentFor(provider().build(), secret));
  }

  @Test
  void basicCredentialsCanBeSentRaw() throws Exception {
    String secret = "a+b/c=d:e%";
    assertEquals(
        CLIENT_ID + ":" + secret,
        basicSentFor(provider().formEncodeBasicCredentials(false).build(), secret));
  }

  private String basicSentFor(Provider provider, String secret) throws Exception {
    server.enqueue(
        Fault.json(
            200, "{\"access_token\":\"at-quirk\",\"token_type\":\"Bearer\",\"expires_in\":60}"));
    TokenClient.builder(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(secret)))
        .clock(clock)
        .build()
        .clientCredentials();
    RecordedRequest request = server.takeRequest(Duration.ofSeconds(5));
    String header = request.header("Authorization");
    assertTrue(header.startsWith("Basic "));
    return new String(Base64.getDecoder().decode(header.substring(6)), UTF_8);
  }
}
