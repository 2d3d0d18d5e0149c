package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DPoP (RFC 9449): bound tokens, proofs on token and resource requests, nonces, the kept key. */
class DpopTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CLIENT_ID = "dpop-client";
  private static final String SECRET = "dpop-client-secret-0123456789";
  private static final GrantKey SERVICE = GrantKey.of("dpop/service");
  private static final GrantKey USER = GrantKey.of("dpop/user");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final InMemoryTokenStore store = InMemoryTokenStore.create(clock);
  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private FakeAuthorizationServer server;
  private TokenBroker broker;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.builder().clock(clock).start();
    server.registerClient(CLIENT_ID, SECRET);
    broker = broker();
  }

  @AfterEach
  void stop() {
    broker.close();
    server.close();
  }

  private TokenBroker broker() {
    return TokenBroker.builder().store(store).keyset(keyset).clock(clock).build();
  }

  private ClientRegistration registration() {
    return ClientRegistration.builder(Provider.discover(server.issuer()), CLIENT_ID)
        .clientSecret(ClientSecret.of(SECRET))
        .dpop(true)
        .build();
  }

  private static JsonNode claims(String jwt) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
  }

  private static JsonNode header(String jwt) throws Exception {
    return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]));
  }

  private RecordedRequest last(String path) {
    return server.requests().stream()
        .filter(r -> r.path().equals(path))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  private HttpResponse<String> get(AuthorizationHeaders headers, URI uri) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    headers.revealHeaders().forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void clientCredentialsTokensAreBoundAndResourceCallsCarryProofs() throws Exception {
    broker.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);

    TokenSet tokens = broker.tokens(SERVICE);
    assertEquals("DPoP", tokens.tokenType());
    RecordedRequest tokenRequest = last("/token");
    String proof = tokenRequest.header("DPoP");
    assertEquals("dpop+jwt", header(proof).get("typ").asText());
    assertEquals("ES256", header(proof).get("alg").asText());
    assertEquals("POST", claims(proof).get("htm").asText());
    assertEquals(server.tokenEndpoint().toString(), claims(proof).get("htu").asText());
    assertNull(claims(proof).get("ath"));

    AuthorizedHttpClient client = AuthorizedHttpClient.create(http, broker, SERVICE);
    URI resource = URI.create(server.resourceEndpoint() + "/reports?year=2026");
    HttpResponse<String> response =
        client.send(HttpRequest.newBuilder(resource).build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("DPoP", JSON.readTree(response.body()).get("token_type").asText());
    RecordedRequest call = last("/resource/reports");
    assertEquals("DPoP " + tokens.accessToken().revealValue(), call.header("Authorization"));
    JsonNode claims = claims(call.header("DPoP"));
    assertEquals("GET", claims.get("htm").asText());
    assertEquals(server.resourceEndpoint() + "/reports", claims.get("htu").asText());
    assertEquals(ath(tokens.accessToken().revealValue()), claims.get("ath").asText());
    assertEquals(
        header(proof).get("jwk"), header(call.header("DPoP")).get("jwk"), "one key per grant");
    assertTrue(broker.status(SERVICE).dpopBound());
  }

  private static String ath(String token) throws Exception {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void aProofForAnotherMethodOrUrlIsRefused() throws Exception {
    broker.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);
    URI resource = server.resourceEndpoint();

    AuthorizationHeaders forPost = broker.authorizationHeaders(SERVICE, "POST", resource);
    HttpResponse<String> wrongMethod = get(forPost, resource);
    AuthorizationHeaders forOther =
        broker.authorizationHeaders(SERVICE, "GET", URI.create(resource + "/other"));
    HttpResponse<String> wrongUrl = get(forOther, resource);
    AuthorizationHeaders right = broker.authorizationHeaders(SERVICE, "GET", resource);
    HttpResponse<String> ok = get(right, resource);
    HttpResponse<String> replayed = get(right, resource);

    assertEquals(401, wrongMethod.statusCode());
    assertTrue(wrongMethod.body().contains("htm"), wrongMethod.body());
    assertEquals(401, wrongUrl.statusCode());
    assertTrue(wrongUrl.body().contains("htu"), wrongUrl.body());
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(401, replayed.statusCode(), "a proof is single use");
    assertTrue(replayed.body().contains("jti"), replayed.body());
    assertEquals("DPoP", right.scheme());
    assertEquals("AuthorizationHeaders[DPoP, redacted]", right.toString());
  }

  @Test
  void nonceDemandsAreAnsweredWithOneRetryOnBothSides() throws Exception {
    server.setDpopNonceRequired(true);
    broker.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);

    broker.accessToken(SERVICE);
    assertEquals(2, server.tokenRequestCount(), "use_dpop_nonce, then success");
    assertEquals(server.dpopNonce(), claims(last("/token").header("DPoP")).get("nonce").asText());

    server.rotateDpopNonce(); // the resource server now wants another one
    AuthorizedHttpClient client = AuthorizedHttpClient.create(http, broker, SERVICE);
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.resourceEndpoint()).build(),
            HttpResponse.BodyHandlers.ofString());

    assertEquals(200, response.statusCode(), response.body());
    List<RecordedRequest> calls =
        server.requests().stream().filter(r -> r.path().equals("/resource")).toList();
    assertEquals(2, calls.size());
    assertNull(claims(calls.get(0).header("DPoP")).get("nonce"));
    assertEquals(server.dpopNonce(), claims(calls.get(1).header("DPoP")).get("nonce").asText());
  }

  @Test
  void aBearerGrantGetsBearerHeaders() {
    broker.register(
        SERVICE,
        ClientRegistration.of(
            Provider.discover(server.issuer()), CLIENT_ID, ClientSecret.of(SECRET)),
        GrantType.CLIENT_CREDENTIALS);

    AuthorizationHeaders headers =
        broker.authorizationHeaders(SERVICE, "GET", server.resourceEndpoint());

    assertEquals("Bearer", headers.scheme());
    assertFalse(headers.isDpop());
    assertEquals(List.of("Authorization"), List.copyOf(headers.revealHeaders().keySet()));
    assertFalse(broker.status(SERVICE).dpopBound());
  }

  @Test
  void theGrantsKeySurvivesRefreshAndRestart() throws Exception {
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    String jkt = Browser.query(request.uri()).get("dpop_jkt").get(0);
    assertNotNull(jkt, "the code is bound to the key (RFC 9449 §10)");
    request.complete(FakeAuthorizationServer.approve(request.uri()));
    String keyAfterConsent = storedKeyThumbprint();
    assertEquals(jkt, keyAfterConsent);
    registerDpopKeyAsSecret();

    clock.advance(Duration.ofHours(2));
    broker.accessToken(USER); // refresh: the server checks the proof's key against the grant's
    assertEquals(1, server.tokenRequestCount("refresh_token"));
    assertEquals(jkt, storedKeyThumbprint());

    broker.close();
    broker = broker(); // a restart: only the store remembers the key
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    clock.advance(Duration.ofHours(2));
    AccessToken afterRestart = broker.accessToken(USER);

    assertEquals(server.lastAccessToken(), afterRestart.revealValue());
    assertEquals(2, server.tokenRequestCount("refresh_token"));
    assertEquals(0, server.invalidGrantCount());
    assertEquals(jkt, storedKeyThumbprint());
    HttpResponse<String> call =
        get(
            broker.authorizationHeaders(USER, "GET", server.resourceEndpoint()),
            server.resourceEndpoint());
    assertEquals(200, call.statusCode(), call.body());
  }

  @Test
  void aRefreshTokenBoundToAnotherKeyIsDead() throws Exception {
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    TokenSet tokens = request.complete(FakeAuthorizationServer.approve(request.uri()));

    // Another client instance (another key) tries the grant's refresh token.
    TokenClient other = TokenClient.builder(registration()).clock(clock).build();
    InvalidGrantException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            InvalidGrantException.class, () -> other.refresh(tokens));
    assertTrue(e.getMessage().contains("DPoP key"), e.getMessage());
  }

  private GrantRecord storedRecord() {
    StoredGrant entry = store.load(USER).orElseThrow();
    return GrantRecord.decode(
        USER, new io.tokenbroker.oauth.internal.TokenSealer(keyset).open(USER, entry.sealed()));
  }

  private String storedKeyThumbprint() {
    return storedRecord().dpopKey().thumbprint();
  }

  /** The stored DPoP private key is a secret: the leak check looks for it from now on. */
  private void registerDpopKeyAsSecret() throws Exception {
    JsonNode jwk = JSON.readTree(storedRecord().dpopKey().toPrivateJwk());
    IssuedSecrets.record("DPoP private key", jwk.get("d").asText());
  }
}
