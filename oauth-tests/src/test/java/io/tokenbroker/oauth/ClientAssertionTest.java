package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeAuthorizationServer.ClientAuthMethod;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.TestKeys;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code private_key_jwt} and {@code client_secret_jwt} (RFC 7523 §2.2) against the fake server.
 */
class ClientAssertionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLIENT_ID = "reporting";
  private static final String LONG_SECRET = "a-client-secret-of-at-least-32-bytes-for-hs256";

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.builder().clock(clock).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Provider.Builder provider(ClientAuthentication method) {
    return Provider.discover(server.issuer()).toBuilder().clientAuthentication(method);
  }

  private TokenSet clientCredentials(ClientRegistration registration) {
    return TokenClient.builder(registration).clock(clock).build().clientCredentials();
  }

  private static JsonNode part(String jwt, int index) throws IOException {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[index]));
  }

  private RecordedRequest lastTokenRequest() {
    return server.requests().stream()
        .filter(r -> r.path().equals("/token"))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  @Test
  void rsaKeyFromPemSignsAFreshShortLivedAssertionForTheIssuer() throws Exception {
    KeyPair pair = TestKeys.rsa();
    server.registerClient(CLIENT_ID, pair.getPublic(), "2026-01");
    ClientKey key = ClientKey.fromPem(TestKeys.pkcs8Pem(pair.getPrivate())).withKeyId("2026-01");
    ClientRegistration registration =
        ClientRegistration.builder(
                provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID)
            .clientKey(key)
            .build();

    TokenSet first = clientCredentials(registration);
    String firstAssertion = lastTokenRequest().parameter("client_assertion");
    TokenSet second = clientCredentials(registration);
    RecordedRequest request = lastTokenRequest();

    assertEquals(server.lastAccessToken(), second.accessToken().revealValue());
    assertNotEquals(first.accessToken(), second.accessToken());
    assertEquals(
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        request.parameter("client_assertion_type"));
    assertNull(request.header("Authorization"));
    assertNull(request.parameter("client_secret"));
    String assertion = request.parameter("client_assertion");
    JsonNode header = part(assertion, 0);
    JsonNode claims = part(assertion, 1);
    assertEquals("RS256", header.get("alg").asText());
    assertEquals("2026-01", header.get("kid").asText());
    assertEquals(CLIENT_ID, claims.get("iss").asText());
    assertEquals(CLIENT_ID, claims.get("sub").asText());
    assertEquals(server.issuer().toString(), audience(claims));
    assertEquals(clock.instant().getEpochSecond(), claims.get("iat").asLong());
    assertEquals(60, claims.get("exp").asLong() - claims.get("iat").asLong());
    assertNotEquals(part(firstAssertion, 1).get("jti").asText(), claims.get("jti").asText());
  }

  private static String audience(JsonNode claims) {
    JsonNode aud = claims.get("aud");
    return aud.isArray() ? aud.get(0).asText() : aud.asText();
  }

  @Test
  void ps256AndEs256FromJwks() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    server.registerClient("rsa-client", rsa.getPublic(), "rsa-1");
    KeyPair ec = TestKeys.ec();
    server.registerClient("ec-client", ec.getPublic(), "ec-1");
    String jwks =
        "{\"keys\":["
            + TestKeys.privateJwk(rsa, "rsa-1")
            + ","
            + TestKeys.privateJwk(ec, "ec-1")
            + "]}";
    Provider provider = provider(ClientAuthentication.PRIVATE_KEY_JWT).build();

    ClientKey ps256 = ClientKey.fromJwk(jwks, "rsa-1").withAlgorithm(ClientKey.Algorithm.PS256);
    clientCredentials(ClientRegistration.builder(provider, "rsa-client").clientKey(ps256).build());
    assertEquals(
        "PS256", part(lastTokenRequest().parameter("client_assertion"), 0).get("alg").asText());

    ClientKey es256 = ClientKey.fromJwk(jwks, "ec-1");
    assertEquals(ClientKey.Algorithm.ES256, es256.algorithm());
    clientCredentials(ClientRegistration.builder(provider, "ec-client").clientKey(es256).build());
    JsonNode header = part(lastTokenRequest().parameter("client_assertion"), 0);
    assertEquals("ES256", header.get("alg").asText());
    assertEquals("ec-1", header.get("kid").asText());

    IllegalArgumentException several =
        assertThrows(IllegalArgumentException.class, () -> ClientKey.fromJwk(jwks));
    assertTrue(several.getMessage().contains("2 private keys"), several.getMessage());
  }

  @Test
  void keyFromAKeyStore(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("client.p12");
    String password = "store-password-123";
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "client",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=reporting",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                password,
                "-keypass",
                password)
            .redirectErrorStream(true)
            .start();
    keytool.getInputStream().readAllBytes();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, keytool.exitValue());
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password.toCharArray());
    }
    Certificate certificate = store.getCertificate("client");
    server.registerClient(CLIENT_ID, certificate.getPublicKey(), null);

    ClientKey key = ClientKey.fromKeyStore(store, "client", password.toCharArray());
    TokenSet tokens =
        clientCredentials(
            ClientRegistration.builder(
                    provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID)
                .clientKey(key)
                .build());

    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
    assertEquals("EC", key.keyType());
    assertThrows(
        IllegalArgumentException.class,
        () -> ClientKey.fromKeyStore(store, "missing", password.toCharArray()));
  }

  @Test
  void audienceCanBeTheTokenEndpoint() throws Exception {
    KeyPair pair = TestKeys.ec();
    server.registerClient(CLIENT_ID, pair.getPublic(), null);
    Provider provider =
        provider(ClientAuthentication.PRIVATE_KEY_JWT)
            .assertionAudience(Provider.AssertionAudience.TOKEN_ENDPOINT)
            .build();

    clientCredentials(
        ClientRegistration.builder(provider, CLIENT_ID)
            .clientKey(ClientKey.fromJwk(TestKeys.privateJwk(pair, null)))
            .build());

    assertEquals(
        server.tokenEndpoint().toString(),
        audience(part(lastTokenRequest().parameter("client_assertion"), 1)));
  }

  @Test
  void anAssertionForAnotherServerIsRefused() {
    KeyPair pair = TestKeys.rsa();
    server.registerClient(CLIENT_ID, pair.getPublic(), null);
    Provider elsewhere =
        Provider.builder("fake")
            .issuer(URI.create("https://login.other.example"))
            .tokenEndpoint(server.tokenEndpoint())
            .clientAuthentication(ClientAuthentication.PRIVATE_KEY_JWT)
            .build();
    ClientRegistration registration =
        ClientRegistration.builder(elsewhere, CLIENT_ID)
            .clientKey(ClientKey.fromPem(TestKeys.pkcs8Pem(pair.getPrivate())))
            .build();

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, () -> clientCredentials(registration));

    assertEquals("invalid_client", e.oauthError().orElseThrow());
    assertTrue(e.getMessage().contains("aud"), e.getMessage());
  }

  @Test
  void anotherKeyThanTheRegisteredOneIsRefused() {
    server.registerClient(CLIENT_ID, TestKeys.rsa().getPublic(), null);
    ClientRegistration registration =
        ClientRegistration.builder(
                provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID)
            .clientKey(ClientKey.fromPem(TestKeys.pkcs8Pem(TestKeys.rsa().getPrivate())))
            .build();

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, () -> clientCredentials(registration));

    assertEquals("invalid_client", e.oauthError().orElseThrow());
  }

  @Test
  void clientSecretJwtSignsWithHs256() throws Exception {
    server.registerClient(CLIENT_ID, LONG_SECRET, ClientAuthMethod.CLIENT_SECRET_JWT);
    ClientRegistration registration =
        ClientRegistration.builder(
                provider(ClientAuthentication.CLIENT_SECRET_JWT).build(), CLIENT_ID)
            .clientSecret(ClientSecret.of(LONG_SECRET))
            .build();

    clientCredentials(registration);

    RecordedRequest request = lastTokenRequest();
    assertEquals("HS256", part(request.parameter("client_assertion"), 0).get("alg").asText());
    assertNull(request.parameter("client_secret"));
    assertFalse(request.bodyUtf8().contains(LONG_SECRET));
  }

  @Test
  void clientSecretJwtNeedsAtLeast256Bits() {
    server.registerClient(CLIENT_ID, "short-secret-1234", ClientAuthMethod.CLIENT_SECRET_JWT);
    ClientRegistration registration =
        ClientRegistration.builder(
                provider(ClientAuthentication.CLIENT_SECRET_JWT).build(), CLIENT_ID)
            .clientSecret(ClientSecret.of("short-secret-1234"))
            .build();

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, () -> clientCredentials(registration));

    assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    assertEquals(0, server.tokenRequestCount());
  }

  @Test
  void theKeyIsRedactedAndBadKeysAreRefusedWithoutQuotingThem() {
    KeyPair pair = TestKeys.rsa();
    String pem = TestKeys.pkcs8Pem(pair.getPrivate());
    ClientKey key = ClientKey.fromPem(pem).withKeyId("k1");
    ClientRegistration registration =
        ClientRegistration.builder(
                provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID)
            .clientKey(key)
            .build();

    assertEquals("ClientKey[RSA, RS256, kid=k1, redacted]", key.toString());
    assertTrue(IssuedSecrets.foundIn(registration.toString()).isEmpty(), registration.toString());
    assertEquals(pem.replace("\n", ""), key.revealPkcs8Pem().replace("\n", ""));
    String damaged = pem.replace("MII", "M!I");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ClientKey.fromPem(damaged));
    assertTrue(IssuedSecrets.foundIn(e.getMessage()).isEmpty());
    assertThrows(
        IllegalArgumentException.class,
        () -> ClientKey.fromPem(pem).withAlgorithm(ClientKey.Algorithm.ES256));
    assertThrows(
        IllegalArgumentException.class,
        () -> ClientKey.fromPem(pem.replace("PRIVATE KEY", "RSA PRIVATE KEY")));
    assertThrows(IllegalArgumentException.class, () -> ClientKey.parse("{\"kty\":\"oct\"}"));
  }

  @Test
  void theBrokerRefusesPrivateKeyJwtWithoutAKey() {
    TokenBroker broker = TokenBroker.builder().clock(clock).build();
    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () ->
                broker.register(
                    GrantKey.of("no/key"),
                    ClientRegistration.publicClient(
                        provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID),
                    GrantType.CLIENT_CREDENTIALS));
    assertTrue(e.getMessage().contains("client key"), e.getMessage());
    broker.close();
  }

  @Test
  void theBrokerRenewsAPrivateKeyJwtGrantAndRecordsTheMethod() throws Exception {
    KeyPair pair = TestKeys.ec();
    server.registerClient(CLIENT_ID, pair.getPublic(), null);
    TokenBroker broker = TokenBroker.builder().clock(clock).build();
    GrantKey key = GrantKey.of("reporting/service");
    broker.register(
        key,
        ClientRegistration.builder(
                provider(ClientAuthentication.PRIVATE_KEY_JWT).build(), CLIENT_ID)
            .clientKey(ClientKey.fromPem(TestKeys.pkcs8Pem(pair.getPrivate())))
            .build(),
        GrantType.CLIENT_CREDENTIALS);

    broker.accessToken(key);
    clock.advance(java.time.Duration.ofHours(2));
    broker.accessToken(key);

    assertEquals(2, server.tokenRequestCount("client_credentials"));
    assertEquals(ClientAuthentication.PRIVATE_KEY_JWT, broker.status(key).clientAuthentication());
    broker.close();
  }
}
