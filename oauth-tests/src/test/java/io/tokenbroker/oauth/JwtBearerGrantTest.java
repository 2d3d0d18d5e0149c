package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.TestKeys;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JWT-bearer grant (RFC 7523 §2.1), renewed by the broker by itself. */
class JwtBearerGrantTest {
  private static final String GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  private static final String CLIENT_ID = "batch-job";
  private static final GrantKey KEY = GrantKey.of("batch/nightly");

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;
  private TokenBroker broker;
  private ClientKey key;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.builder().clock(clock).start();
    KeyPair pair = TestKeys.rsa();
    server.registerClient(CLIENT_ID, pair.getPublic(), "batch-1");
    key = ClientKey.fromPem(TestKeys.pkcs8Pem(pair.getPrivate())).withKeyId("batch-1");
    broker = TokenBroker.builder().clock(clock).build();
  }

  @AfterEach
  void stop() {
    broker.close();
    server.close();
  }

  private Provider provider() {
    return Provider.discover(server.issuer()).toBuilder()
        .clientAuthentication(ClientAuthentication.NONE)
        .build();
  }

  @Test
  void theBrokerObtainsAndRenewsTokensWithASignedAssertion() throws Exception {
    broker.register(
        KEY,
        ClientRegistration.builder(provider(), CLIENT_ID)
            .clientKey(key)
            .assertionSubject("jane@example.com")
            .scope("reports")
            .build(),
        GrantType.JWT_BEARER);

    AccessToken first = broker.accessToken(KEY);
    clock.advance(Duration.ofHours(2));
    AccessToken second = broker.accessToken(KEY);

    assertEquals(server.lastAccessToken(), second.revealValue());
    assertTrue(!first.equals(second));
    assertEquals(2, server.tokenRequestCount(GRANT));
    assertEquals("jane@example.com", server.lastAssertionSubject());
    RecordedRequest request =
        server.requests().stream()
            .filter(r -> r.path().equals("/token"))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertEquals("reports", request.parameter("scope"));
    assertNull(request.header("Authorization"), "client authentication is optional (§3.1)");
    JsonNode claims =
        new ObjectMapper()
            .readTree(
                Base64.getUrlDecoder().decode(request.parameter("assertion").split("\\.")[1]));
    assertEquals(CLIENT_ID, claims.get("iss").asText());
    assertEquals("jane@example.com", claims.get("sub").asText());
    assertEquals(server.issuer().toString(), claims.get("aud").asText());
    assertEquals(clock.instant().getEpochSecond() + 60, claims.get("exp").asLong());
    assertTrue(claims.hasNonNull("jti"));
    assertEquals(GrantType.JWT_BEARER, broker.status(KEY).grantType());
  }

  @Test
  void theGrantNeedsAKeyAndASubject() {
    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () ->
                broker.register(
                    KEY,
                    ClientRegistration.builder(provider(), CLIENT_ID).clientKey(key).build(),
                    GrantType.JWT_BEARER));
    assertTrue(e.getMessage().contains("assertion subject"), e.getMessage());
  }

  @Test
  void anAssertionSignedWithAnotherKeyIsAnInvalidGrant() {
    broker.register(
        KEY,
        ClientRegistration.builder(provider(), CLIENT_ID)
            .clientKey(
                ClientKey.fromPem(TestKeys.pkcs8Pem(TestKeys.rsa().getPrivate()))
                    .withKeyId("batch-1"))
            .assertionSubject("jane@example.com")
            .build(),
        GrantType.JWT_BEARER);

    InvalidGrantException e =
        assertThrows(InvalidGrantException.class, () -> broker.accessToken(KEY));
    assertTrue(e.getMessage().contains("signature"), e.getMessage());
  }
}
