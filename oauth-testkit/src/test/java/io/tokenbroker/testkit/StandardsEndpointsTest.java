package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.FakeAuthorizationServer.MetadataDocuments;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake server's strictness beyond RFC 6749, probed with hand-made requests: metadata, client
 * assertions, DPoP proofs, device authorization and pushed requests. These prove the fake refuses
 * what a strict server refuses, so the client tests that pass against it mean something.
 */
class StandardsEndpointsTest {
  private static final String ASSERTION_TYPE =
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  private static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

  private final FakeClock clock = FakeClock.create();
  private final Http http = new Http();
  private FakeAuthorizationServer server;

  private FakeAuthorizationServer start(FakeAuthorizationServer.Builder builder) {
    server = builder.clock(clock).start();
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  // ---------------------------------------------------------------- metadata

  @Test
  void metadataLivesWhereRfc8414AndOpenIdPutItAndNamesTheIssuer() throws Exception {
    start(FakeAuthorizationServer.builder().issuerPath("/tenant").authorizationResponseIss(true));

    Http.Response oauth = http.get(server.metadataEndpoint());
    Http.Response openId = http.get(server.openIdConfigurationEndpoint());
    Http.Response root =
        http.get(server.baseUri().resolve("/.well-known/oauth-authorization-server"));

    assertEquals(
        "/.well-known/oauth-authorization-server/tenant", server.metadataEndpoint().getPath());
    assertEquals(
        "/tenant/.well-known/openid-configuration", server.openIdConfigurationEndpoint().getPath());
    assertEquals(200, oauth.status());
    assertEquals(200, openId.status());
    assertEquals(404, root.status());
    JsonNode json = oauth.json();
    assertEquals(server.issuer().toString(), json.get("issuer").asText());
    assertTrue(server.issuer().toString().endsWith("/tenant"));
    assertEquals(server.tokenEndpoint().toString(), json.get("token_endpoint").asText());
    assertEquals(
        server.deviceAuthorizationEndpoint().toString(),
        json.get("device_authorization_endpoint").asText());
    assertTrue(json.get("authorization_response_iss_parameter_supported").asBoolean());
    assertTrue(json.get("dpop_signing_alg_values_supported").toString().contains("ES256"));
  }

  @Test
  void onlyTheChosenDocumentsAreServed() throws Exception {
    start(FakeAuthorizationServer.builder().metadataDocuments(MetadataDocuments.OAUTH_ONLY));

    assertEquals(200, http.get(server.metadataEndpoint()).status());
    assertEquals(404, http.get(server.openIdConfigurationEndpoint()).status());
  }

  // ---------------------------------------------------------------- client assertions

  private String assertion(
      KeyPair pair, String clientId, String aud, long lifetimeSeconds, String jti) {
    long now = clock.instant().getEpochSecond();
    ObjectNode claims =
        SignedJwts.claims()
            .put("iss", clientId)
            .put("sub", clientId)
            .put("aud", aud)
            .put("iat", now)
            .put("exp", now + lifetimeSeconds)
            .put("jti", jti);
    return SignedJwts.sign(SignedJwts.header(null), claims, pair);
  }

  private Http.Response tokenWithAssertion(String assertion) throws Exception {
    return http.postForm(
        server.tokenEndpoint(),
        params(
            "grant_type", "client_credentials",
            "client_assertion_type", ASSERTION_TYPE,
            "client_assertion", assertion));
  }

  @Test
  void clientAssertionsAreCheckedStrictly() throws Exception {
    start(FakeAuthorizationServer.builder());
    KeyPair pair = TestKeys.ec();
    server.registerClient("signer", pair.getPublic(), null);
    String issuer = server.issuer().toString();
    String jti = SignedJwts.jti();

    Http.Response ok = tokenWithAssertion(assertion(pair, "signer", issuer, 60, jti));
    Http.Response replayed = tokenWithAssertion(assertion(pair, "signer", issuer, 60, jti));
    Http.Response wrongAud =
        tokenWithAssertion(
            assertion(pair, "signer", "https://other.example", 60, SignedJwts.jti()));
    Http.Response tooLong =
        tokenWithAssertion(assertion(pair, "signer", issuer, 3600, SignedJwts.jti()));
    Http.Response expired =
        tokenWithAssertion(assertion(pair, "signer", issuer, -120, SignedJwts.jti()));
    Http.Response otherKey =
        tokenWithAssertion(assertion(TestKeys.ec(), "signer", issuer, 60, SignedJwts.jti()));
    Http.Response basic = http.clientCredentials(server, "signer", "anything-at-all");

    assertEquals(200, ok.status(), ok.body());
    assertEquals(401, replayed.status());
    assertTrue(replayed.body().contains("jti"), replayed.body());
    assertEquals(401, wrongAud.status());
    assertTrue(wrongAud.body().contains("aud"), wrongAud.body());
    assertEquals(401, tooLong.status());
    assertEquals(401, expired.status());
    assertEquals(401, otherKey.status());
    assertEquals("invalid_client", basic.error(), "a key client cannot fall back to a secret");
  }

  // ---------------------------------------------------------------- DPoP

  private String proof(KeyPair pair, String htm, String htu, String nonce) {
    ObjectNode header = SignedJwts.header("dpop+jwt");
    header.set("jwk", SignedJwts.publicJwk(pair));
    ObjectNode claims =
        SignedJwts.claims()
            .put("jti", SignedJwts.jti())
            .put("htm", htm)
            .put("htu", htu)
            .put("iat", clock.instant().getEpochSecond());
    if (nonce != null) {
      claims.put("nonce", nonce);
    }
    return SignedJwts.sign(header, claims, pair);
  }

  private Http.Response tokenWithProof(String proof) throws Exception {
    return http.postForm(
        server.tokenEndpoint(),
        params("grant_type", "client_credentials"),
        "Authorization",
        Http.basic("client", "client-secret-0123456789"),
        "DPoP",
        proof);
  }

  @Test
  void dpopProofsAreCheckedStrictly() throws Exception {
    start(FakeAuthorizationServer.builder());
    server.registerClient("client", "client-secret-0123456789");
    KeyPair pair = TestKeys.ec();
    String token = server.tokenEndpoint().toString();

    Http.Response wrongMethod = tokenWithProof(proof(pair, "GET", token, null));
    Http.Response wrongUrl = tokenWithProof(proof(pair, "POST", token + "x", null));
    String good = proof(pair, "POST", token, null);
    Http.Response ok = tokenWithProof(good);
    Http.Response replayed = tokenWithProof(good);
    server.setDpopNonceRequired(true);
    Http.Response noNonce = tokenWithProof(proof(pair, "POST", token, null));
    Http.Response withNonce =
        tokenWithProof(proof(pair, "POST", token, noNonce.header("DPoP-Nonce")));

    assertEquals("invalid_dpop_proof", wrongMethod.error());
    assertEquals("invalid_dpop_proof", wrongUrl.error());
    assertEquals(200, ok.status(), ok.body());
    assertEquals("DPoP", ok.json().get("token_type").asText());
    assertEquals("invalid_dpop_proof", replayed.error());
    assertEquals(400, noNonce.status());
    assertEquals("use_dpop_nonce", noNonce.error());
    assertEquals(server.dpopNonce(), noNonce.header("DPoP-Nonce"));
    assertEquals(200, withNonce.status(), withNonce.body());

    // The bound token is refused as a bearer token at the resource.
    String accessToken = ok.json().get("access_token").asText();
    Http.Response asBearer =
        http.send(
            HttpRequest.newBuilder(server.resourceEndpoint())
                .header("Authorization", "Bearer " + accessToken)
                .build());
    assertEquals(401, asBearer.status());
    assertTrue(
        asBearer.header("WWW-Authenticate").startsWith("DPoP"),
        asBearer.header("WWW-Authenticate"));
  }

  // ---------------------------------------------------------------- device authorization

  private Http.Response poll(String deviceCode) throws Exception {
    return http.postForm(
        server.tokenEndpoint(),
        params("grant_type", DEVICE_GRANT, "device_code", deviceCode, "client_id", "tv"));
  }

  @Test
  void deviceFlowStates() throws Exception {
    start(FakeAuthorizationServer.builder().devicePollingInterval(Duration.ofSeconds(5)));
    server.registerPublicClient("tv");
    JsonNode started =
        http.postForm(server.deviceAuthorizationEndpoint(), params("client_id", "tv")).json();
    String deviceCode = started.get("device_code").asText();
    String userCode = started.get("user_code").asText();
    assertEquals(5, started.get("interval").asInt());
    assertEquals(600, started.get("expires_in").asInt());
    assertEquals(
        server.deviceVerificationEndpoint().toString(), started.get("verification_uri").asText());

    assertEquals("authorization_pending", poll(deviceCode).error());
    clock.advance(Duration.ofSeconds(2));
    assertEquals("slow_down", poll(deviceCode).error(), "polled after 2 s of 5");
    clock.advance(Duration.ofSeconds(6));
    assertEquals("slow_down", poll(deviceCode).error(), "the interval is now 10 s");
    clock.advance(Duration.ofSeconds(15)); // and now 15 s
    assertEquals("authorization_pending", poll(deviceCode).error());
    assertEquals(java.util.List.of(userCode), server.pendingUserCodes());

    Http.Response page = http.get(URI.create(started.get("verification_uri_complete").asText()));
    assertEquals(200, page.status());
    clock.advance(Duration.ofSeconds(15));
    Http.Response tokens = poll(deviceCode);
    assertEquals(200, tokens.status(), tokens.body());
    assertNotNull(tokens.json().get("refresh_token"));
    assertEquals("invalid_grant", poll(deviceCode).error(), "single use");

    JsonNode other =
        http.postForm(server.deviceAuthorizationEndpoint(), params("client_id", "tv")).json();
    assertTrue(server.denyDevice(other.get("user_code").asText()));
    assertEquals("access_denied", poll(other.get("device_code").asText()).error());

    JsonNode late =
        http.postForm(server.deviceAuthorizationEndpoint(), params("client_id", "tv")).json();
    clock.advance(Duration.ofMinutes(11));
    assertEquals("expired_token", poll(late.get("device_code").asText()).error());
  }

  // ---------------------------------------------------------------- PAR and resource

  @Test
  void pushedRequestsBelongToTheirClientAndAreSingleUse() throws Exception {
    start(FakeAuthorizationServer.builder());
    server.registerClient("app", "app-secret-0123456789", "https://app.example/cb");
    server.registerClient("other", "other-secret-0123456789", "https://app.example/cb");
    Map<String, String> request =
        params(
            "response_type", "code",
            "redirect_uri", "https://app.example/cb",
            "state", "s-123",
            "resource", "https://api.example.com/");
    Http.Response pushed =
        http.postForm(
            server.pushedAuthorizationRequestEndpoint(),
            request,
            "Authorization",
            Http.basic("app", "app-secret-0123456789"));
    assertEquals(201, pushed.status(), pushed.body());
    String requestUri = pushed.json().get("request_uri").asText();
    assertTrue(requestUri.startsWith("urn:ietf:params:oauth:request_uri:"));

    URI authorize = server.authorizationEndpoint();
    Http.Response stolen =
        http.get(
            URI.create(authorize + "?client_id=other&request_uri=" + Forms.encode(requestUri)));
    Http.Response used =
        http.get(URI.create(authorize + "?client_id=app&request_uri=" + Forms.encode(requestUri)));
    Http.Response again =
        http.get(URI.create(authorize + "?client_id=app&request_uri=" + Forms.encode(requestUri)));

    assertEquals(400, stolen.status());
    assertEquals(302, used.status());
    assertEquals("s-123", Http.query(URI.create(used.header("Location"))).get("state"));
    assertEquals(400, again.status());
  }

  @Test
  void resourceMustBeAnAbsoluteUriAndMayRepeat() throws Exception {
    start(FakeAuthorizationServer.builder());
    server.registerClient("client", "client-secret-0123456789");
    String basic = Http.basic("client", "client-secret-0123456789");

    Http.Response two =
        http.send(
            HttpRequest.newBuilder(server.tokenEndpoint())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", basic)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "grant_type=client_credentials&resource=https%3A%2F%2Fa.example%2F"
                            + "&resource=https%3A%2F%2Fb.example%2F"))
                .build());
    Http.Response relative =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "resource", "/relative"),
            "Authorization",
            basic);

    assertEquals(200, two.status(), two.body());
    assertEquals(
        java.util.List.of("https://a.example/", "https://b.example/"),
        server.requests().get(0).bodyParameterValues("resource"));
    assertEquals("invalid_target", relative.error());
  }
}
