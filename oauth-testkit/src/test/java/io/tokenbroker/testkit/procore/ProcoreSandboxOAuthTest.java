package io.tokenbroker.testkit.procore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.procore.SandboxHttp.Response;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's login host against Procore's documented OAuth behaviour (vendors.md §4.2 1–6). */
class ProcoreSandboxOAuthTest {
  private static final String APP = "app-client-id";
  private static final String SECRET = "app-secret-0123456789";
  private static final String DMSA = "dmsa-client-id";
  private static final String DMSA_SECRET = "dmsa-secret-0123456789";

  private final FakeClock clock = FakeClock.create();
  private final SandboxHttp http = new SandboxHttp();
  private ProcoreSandbox sandbox;

  @BeforeEach
  void start() {
    sandbox = ProcoreSandbox.builder().clock(clock).start();
    sandbox.registerClient(APP, SECRET);
    sandbox.registerServiceAccount(DMSA, DMSA_SECRET);
  }

  @AfterEach
  void stop() {
    sandbox.close();
  }

  private URI authorize(String query) {
    return URI.create(sandbox.authorizationEndpoint() + "?" + query);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, UTF_8);
  }

  // ---------------------------------------------------------------- /oauth/authorize

  @Test
  void outOfBandShowsTheCodeOnAPage() throws Exception {
    String code = http.oobCode(sandbox, APP);
    assertEquals(64, code.length());
    assertEquals(sandbox.issuedAuthorizationCodes(), java.util.List.of(code));
  }

  @Test
  void redirectCarriesCodeAndEchoesState() throws Exception {
    sandbox.registerClient(APP, SECRET, "http://127.0.0.1:8765/callback");
    Response r =
        http.get(
            authorize(
                "response_type=code&client_id="
                    + APP
                    + "&redirect_uri="
                    + enc("http://127.0.0.1:8765/callback")
                    + "&state=abc123"));
    assertEquals(302, r.status());
    String location = r.header("Location");
    assertTrue(location.startsWith("http://127.0.0.1:8765/callback?code="), location);
    assertTrue(location.endsWith("&state=abc123"), location);
  }

  @Test
  void redirectUriMustMatchExactlyAndClientMustBeKnown() throws Exception {
    sandbox.registerClient(APP, SECRET, "http://127.0.0.1:8765/callback");
    Response other =
        http.get(
            authorize(
                "response_type=code&client_id="
                    + APP
                    + "&redirect_uri="
                    + enc("http://127.0.0.1:8765/callback/")));
    assertEquals(400, other.status());
    assertNull(other.header("Location"), "never redirect to an unregistered URI");
    assertTrue(other.body().contains("invalid_redirect_uri"));
    Response oob =
        http.get(
            authorize(
                "response_type=code&client_id="
                    + APP
                    + "&redirect_uri="
                    + enc(ProcoreSandbox.OUT_OF_BAND)));
    assertEquals(400, oob.status(), "OOB is not registered for this client any more");
    Response unknown =
        http.get(
            authorize(
                "response_type=code&client_id=nobody"
                    + "&redirect_uri="
                    + enc(ProcoreSandbox.OUT_OF_BAND)));
    assertEquals(401, unknown.status());
    assertTrue(sandbox.issuedAuthorizationCodes().isEmpty());
  }

  @Test
  void deniedConsentRedirectsWithAccessDenied() throws Exception {
    sandbox.registerClient(APP, SECRET, "http://localhost/cb");
    sandbox.denyConsent(true);
    Response r =
        http.get(
            authorize(
                "response_type=code&client_id="
                    + APP
                    + "&redirect_uri="
                    + enc("http://localhost/cb")
                    + "&state=s1"));
    assertEquals("http://localhost/cb?error=access_denied&state=s1", r.header("Location"));
  }

  @Test
  void codesAreSingleUse() throws Exception {
    String code = http.oobCode(sandbox, APP);
    Map<String, String> exchange =
        SandboxHttp.params(
            "grant_type",
            "authorization_code",
            "client_id",
            APP,
            "client_secret",
            SECRET,
            "code",
            code,
            "redirect_uri",
            ProcoreSandbox.OUT_OF_BAND);
    assertEquals(200, http.postForm(sandbox.tokenEndpoint(), exchange).status());
    Response again = http.postForm(sandbox.tokenEndpoint(), exchange);
    assertEquals(400, again.status());
    assertEquals("invalid_grant", again.error());
  }

  @Test
  void codesExpireAfterTenMinutes() throws Exception {
    String code = http.oobCode(sandbox, APP);
    clock.advance(Duration.ofMinutes(10));
    Response r =
        http.postForm(
            sandbox.tokenEndpoint(),
            SandboxHttp.params(
                "grant_type",
                "authorization_code",
                "client_id",
                APP,
                "client_secret",
                SECRET,
                "code",
                code,
                "redirect_uri",
                ProcoreSandbox.OUT_OF_BAND));
    assertEquals(400, r.status());
    assertEquals("invalid_grant", r.error());
    assertEquals(OAuthState.INVALID_GRANT_DESCRIPTION, r.text("error_description"));
  }

  @Test
  void codeExchangeNeedsTheSameRedirectUri() throws Exception {
    String code = http.oobCode(sandbox, APP);
    Response r =
        http.postForm(
            sandbox.tokenEndpoint(),
            SandboxHttp.params(
                "grant_type",
                "authorization_code",
                "client_id",
                APP,
                "client_secret",
                SECRET,
                "code",
                code,
                "redirect_uri",
                "http://localhost"));
    assertEquals("invalid_grant", r.error());
  }

  // ---------------------------------------------------------------- /oauth/token

  @Test
  void tokenResponseHasProcoresShape() throws Exception {
    Response r = http.consent(sandbox, APP, SECRET);
    assertEquals(200, r.status());
    JsonNode json = r.json();
    assertEquals("bearer", json.get("token_type").asText());
    assertEquals(5400, json.get("expires_in").asLong());
    assertEquals(clock.instant().getEpochSecond(), json.get("created_at").asLong());
    assertEquals(64, json.get("access_token").asText().length());
    assertTrue(json.get("refresh_token").isTextual());
    assertEquals("no-store", r.header("Cache-Control"));
  }

  @Test
  void legacyLifetimeIsConfigurable() throws Exception {
    try (ProcoreSandbox legacy =
        ProcoreSandbox.builder()
            .clock(clock)
            .accessTokenLifetime(ProcoreSandbox.LEGACY_ACCESS_TOKEN_LIFETIME)
            .start()) {
      legacy.registerClient(APP, SECRET);
      assertEquals(7200, http.consent(legacy, APP, SECRET).json().get("expires_in").asLong());
    }
  }

  @Test
  void tokenEndpointAcceptsMultipartUrlencodedJsonAndATrailingSlash() throws Exception {
    Map<String, String> cc =
        SandboxHttp.params(
            "grant_type", "client_credentials", "client_id", DMSA, "client_secret", DMSA_SECRET);
    Response multipart = http.postMultipart(sandbox.tokenEndpoint(), cc);
    Response json = http.postJson(sandbox.tokenEndpoint(), cc);
    Response slash = http.postForm(URI.create(sandbox.tokenEndpoint() + "/"), cc);
    assertEquals(200, multipart.status(), multipart.body());
    assertEquals(200, json.status(), json.body());
    assertEquals(200, slash.status(), slash.body());
    assertEquals(3, sandbox.tokenRequestCount("client_credentials"));
    assertEquals(
        RecordedRequest.BodyEncoding.MULTIPART,
        sandbox.requests(ProcoreSandbox.Host.LOGIN).get(0).bodyEncoding());
  }

  @Test
  void multipartCarriesAnAuthorizationCodeExchange() throws Exception {
    String code = http.oobCode(sandbox, APP);
    Response r =
        http.postMultipart(
            sandbox.tokenEndpoint(),
            SandboxHttp.params(
                "grant_type",
                "authorization_code",
                "client_id",
                APP,
                "client_secret",
                SECRET,
                "code",
                code,
                "redirect_uri",
                ProcoreSandbox.OUT_OF_BAND));
    assertEquals(200, r.status(), r.body());
  }

  @Test
  void clientCredentialsHaveNoRefreshToken() throws Exception {
    Response r = http.clientCredentials(sandbox, DMSA, DMSA_SECRET);
    assertEquals(200, r.status());
    assertNull(r.json().get("refresh_token"));
    assertEquals("bearer", r.text("token_type"));
    Response app = http.clientCredentials(sandbox, APP, SECRET);
    assertEquals(400, app.status());
    assertEquals("unauthorized_client", app.error());
  }

  @Test
  void badSecretIsInvalidClient401() throws Exception {
    Response r = http.clientCredentials(sandbox, DMSA, "wrong");
    assertEquals(401, r.status());
    assertEquals("invalid_client", r.error());
    Response missingGrant =
        http.postForm(sandbox.tokenEndpoint(), SandboxHttp.params("client_id", DMSA));
    assertEquals("invalid_request", missingGrant.error());
    Response unsupported =
        http.postForm(sandbox.tokenEndpoint(), SandboxHttp.params("grant_type", "password"));
    assertEquals("unsupported_grant_type", unsupported.error());
  }

  @Test
  void basicAuthOnlyWhenEnabled() throws Exception {
    String basic =
        "Basic " + Base64.getEncoder().encodeToString((DMSA + ":" + DMSA_SECRET).getBytes(UTF_8));
    var request =
        java.net.http.HttpRequest.newBuilder(sandbox.tokenEndpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Authorization", basic)
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
            .build();
    assertEquals(401, http.send(request).status());
    try (ProcoreSandbox lenient = ProcoreSandbox.builder().acceptBasicAuth(true).start()) {
      lenient.registerServiceAccount(DMSA, DMSA_SECRET);
      var toLenient =
          java.net.http.HttpRequest.newBuilder(lenient.tokenEndpoint())
              .header("Content-Type", "application/x-www-form-urlencoded")
              .header("Authorization", basic)
              .POST(
                  java.net.http.HttpRequest.BodyPublishers.ofString(
                      "grant_type=client_credentials"))
              .build();
      assertEquals(200, http.send(toLenient).status());
    }
  }

  // ---------------------------------------------------------------- strict refresh

  @Test
  void refreshTokensWorkExactlyOnceAndRevokeTheOldAccessToken() throws Exception {
    JsonNode first = http.consent(sandbox, APP, SECRET).json();
    String refresh = first.get("refresh_token").asText();
    String oldAccess = first.get("access_token").asText();
    Response r = http.refresh(sandbox, APP, SECRET, refresh);
    assertEquals(200, r.status());
    assertNotEquals(refresh, r.text("refresh_token"));
    assertFalse(
        sandbox.isAccessTokenValid(oldAccess), "the new pair invalidates the old access token");
    assertTrue(sandbox.isAccessTokenValid(r.text("access_token")));
    Response reuse = http.refresh(sandbox, APP, SECRET, refresh);
    assertEquals(400, reuse.status());
    assertEquals("invalid_grant", reuse.error());
    assertEquals(1, sandbox.invalidGrantCount());
  }

  @Test
  void oldAccessTokenSurvivesWhenTheSwitchIsOff() throws Exception {
    try (ProcoreSandbox lax =
        ProcoreSandbox.builder().clock(clock).refreshRevokesAccessToken(false).start()) {
      lax.registerClient(APP, SECRET);
      JsonNode first = http.consent(lax, APP, SECRET).json();
      http.refresh(lax, APP, SECRET, first.get("refresh_token").asText());
      assertTrue(lax.isAccessTokenValid(first.get("access_token").asText()));
    }
  }

  @Test
  void aFailingPresentationBurnsTheRefreshTokenToo() throws Exception {
    String refresh = http.consent(sandbox, APP, SECRET).text("refresh_token");
    Response wrongSecret = http.refresh(sandbox, APP, "wrong-secret", refresh);
    assertEquals(401, wrongSecret.status());
    assertFalse(sandbox.isRefreshTokenUsable(refresh));
    Response right = http.refresh(sandbox, APP, SECRET, refresh);
    assertEquals("invalid_grant", right.error());
  }

  @Test
  void refreshTokensDoNotExpireWithTime() throws Exception {
    String refresh = http.consent(sandbox, APP, SECRET).text("refresh_token");
    clock.advance(Duration.ofDays(400));
    assertEquals(200, http.refresh(sandbox, APP, SECRET, refresh).status());
  }

  @Test
  void droppedResponseBurnsTheRefreshTokenAndLosesTheNewPair() throws Exception {
    String refresh = http.consent(sandbox, APP, SECRET).text("refresh_token");
    sandbox.enqueue(ProcoreFaults.dropTokenResponseAfterProcessing());
    assertThrows(IOException.class, () -> http.refresh(sandbox, APP, SECRET, refresh));
    assertFalse(sandbox.isRefreshTokenUsable(refresh));
    String lost = sandbox.issuedRefreshTokens().get(1);
    assertTrue(sandbox.isRefreshTokenUsable(lost), "the server issued a pair the client never saw");
    assertEquals("invalid_grant", http.refresh(sandbox, APP, SECRET, refresh).error());
  }

  @Test
  void cannedTokenFaultConsumesNothing() throws Exception {
    String refresh = http.consent(sandbox, APP, SECRET).text("refresh_token");
    sandbox.enqueue(ProcoreFaults.tokenResponse(500, "text/html", "<html>oops</html>"));
    assertEquals(500, http.refresh(sandbox, APP, SECRET, refresh).status());
    assertTrue(sandbox.isRefreshTokenUsable(refresh));
    assertEquals(200, http.refresh(sandbox, APP, SECRET, refresh).status());
  }

  // ---------------------------------------------------------------- info, revoke, environments

  @Test
  void tokenInfoDescribesTheToken() throws Exception {
    Response tokens = http.consent(sandbox, APP, SECRET);
    long created = tokens.json().get("created_at").asLong();
    clock.advance(Duration.ofSeconds(400));
    Response info =
        http.get(
            sandbox.tokenInfoEndpoint(), "Authorization", "Bearer " + tokens.text("access_token"));
    assertEquals(200, info.status());
    JsonNode json = info.json();
    assertEquals(ProcoreSeed.USER_ID, json.get("resource_owner_id").asLong());
    assertTrue(json.get("scopes").isArray());
    assertEquals(5000, json.get("expires_in_seconds").asLong());
    assertEquals(APP, json.get("application").get("uid").asText());
    assertEquals(created, json.get("created_at").asLong());
    Response dmsa =
        http.get(
            sandbox.tokenInfoEndpoint(),
            "Authorization",
            "Bearer " + http.clientCredentials(sandbox, DMSA, DMSA_SECRET).text("access_token"));
    assertTrue(dmsa.json().get("resource_owner_id").isNull());
    Response bad = http.get(sandbox.tokenInfoEndpoint(), "Authorization", "Bearer nope");
    assertEquals(401, bad.status());
  }

  @Test
  void revokeKillsBothTokensAndAlwaysAnswers200() throws Exception {
    JsonNode tokens = http.consent(sandbox, APP, SECRET).json();
    String access = tokens.get("access_token").asText();
    String refresh = tokens.get("refresh_token").asText();
    Response r =
        http.postForm(
            sandbox.revocationEndpoint(),
            SandboxHttp.params("token", access, "client_id", APP, "client_secret", SECRET));
    assertEquals(200, r.status());
    assertEquals("{}", r.body());
    assertFalse(sandbox.isAccessTokenValid(access));
    assertFalse(sandbox.isRefreshTokenUsable(refresh));
    assertEquals(
        200,
        http.postForm(
                sandbox.revocationEndpoint(),
                SandboxHttp.params("token", "garbage", "client_id", APP, "client_secret", SECRET))
            .status());
    assertEquals(401, http.api(sandbox, "/rest/v1.0/me", access).status());
  }

  @Test
  void revokingTheRefreshTokenAlsoKillsBoth() throws Exception {
    JsonNode tokens = http.consent(sandbox, APP, SECRET).json();
    http.postForm(
        sandbox.revocationEndpoint(),
        SandboxHttp.params(
            "token",
            tokens.get("refresh_token").asText(),
            "client_id",
            APP,
            "client_secret",
            SECRET));
    assertFalse(sandbox.isAccessTokenValid(tokens.get("access_token").asText()));
    assertFalse(sandbox.isRefreshTokenUsable(tokens.get("refresh_token").asText()));
  }

  @Test
  void environmentsHaveSeparateTokensAndCredentials() throws Exception {
    try (ProcoreSandbox production =
        ProcoreSandbox.builder().environment("production").clock(clock).start()) {
      production.registerClient(APP, "production-secret");
      String productionToken =
          http.consent(production, APP, "production-secret").text("access_token");
      assertEquals(200, http.api(production, "/rest/v1.0/me", productionToken).status());
      assertEquals(401, http.api(sandbox, "/rest/v1.0/me", productionToken).status());
      assertEquals(
          401,
          http.clientCredentials(production, DMSA, DMSA_SECRET).status(),
          "sandbox credentials are unknown in production");
      assertEquals("production", production.environment());
    }
  }

  @Test
  void oauthRoutesOnTheApiHostOnlyWhenEnabled() throws Exception {
    Map<String, String> cc =
        SandboxHttp.params(
            "grant_type", "client_credentials", "client_id", DMSA, "client_secret", DMSA_SECRET);
    assertEquals(404, http.postJson(URI.create(sandbox.apiUrl() + "/oauth/token"), cc).status());
    try (ProcoreSandbox compat = ProcoreSandbox.builder().oauthOnApiHost(true).start()) {
      compat.registerServiceAccount(DMSA, DMSA_SECRET);
      Response r = http.postJson(URI.create(compat.apiUrl() + "/oauth/token"), cc);
      assertEquals(200, r.status());
      assertNotNull(r.json().get("access_token"));
    }
  }

  @Test
  void recordedRequestsDoNotPrintSecrets() throws Exception {
    http.consent(sandbox, APP, SECRET);
    for (RecordedRequest r : sandbox.requests()) {
      assertFalse(r.toString().contains(SECRET));
      assertFalse(r.toString().contains("code="));
    }
    RecordedRequest exchange = sandbox.requests(ProcoreSandbox.Host.LOGIN).get(1);
    assertEquals(SECRET, exchange.parameter("client_secret"));
    assertEquals(RecordedRequest.BodyEncoding.FORM, exchange.bodyEncoding());
    assertFalse(sandbox.toString().contains(SECRET));
  }

  // ---------------------------------------------------------------- misplaced parameters

  /** The planted fault: the body's parameters copied into the URL too. */
  private Response copiedIntoTheUrl(URI endpoint, Map<String, String> body, String... names)
      throws Exception {
    StringBuilder query = new StringBuilder();
    for (String name : names) {
      query
          .append(query.length() == 0 ? "" : "&")
          .append(name)
          .append('=')
          .append(enc(body.get(name)));
    }
    return http.postForm(URI.create(endpoint + "?" + query), body);
  }

  private static void assertMisplaced(Response r, String parameter) {
    assertEquals(400, r.status(), r.body());
    assertEquals("invalid_request", r.error());
    String description = r.text("error_description");
    assertTrue(description.contains("not the URL") && description.contains(parameter), description);
  }

  @Test
  void aRefreshTokenAndSecretCopiedIntoTheUrlAreRefusedAndTheTokenIsNotBurned() throws Exception {
    String refreshToken = http.consent(sandbox, APP, SECRET).text("refresh_token");
    Map<String, String> body =
        SandboxHttp.params(
            "grant_type", "refresh_token",
            "client_id", APP,
            "client_secret", SECRET,
            "refresh_token", refreshToken);
    assertMisplaced(
        copiedIntoTheUrl(sandbox.tokenEndpoint(), body, "refresh_token"), "refresh_token");
    assertMisplaced(
        copiedIntoTheUrl(sandbox.tokenEndpoint(), body, "client_secret"), "client_secret");
    assertTrue(sandbox.isRefreshTokenUsable(refreshToken), "a refused request burns nothing");
    assertEquals(200, http.refresh(sandbox, APP, SECRET, refreshToken).status());
  }

  @Test
  void aCodeAndVerifierCopiedIntoTheUrlAreRefusedAndTheCodeStaysRedeemable() throws Exception {
    String code = http.oobCode(sandbox, APP);
    Map<String, String> body =
        SandboxHttp.params(
            "grant_type",
            "authorization_code",
            "client_id",
            APP,
            "client_secret",
            SECRET,
            "code",
            code,
            "redirect_uri",
            ProcoreSandbox.OUT_OF_BAND,
            "code_verifier",
            "v".repeat(43));
    assertMisplaced(copiedIntoTheUrl(sandbox.tokenEndpoint(), body, "code"), "code");
    assertMisplaced(
        copiedIntoTheUrl(sandbox.tokenEndpoint(), body, "code_verifier"), "code_verifier");
    body.remove("code_verifier"); // no challenge was sent with this consent
    assertEquals(200, http.postForm(sandbox.tokenEndpoint(), body).status());
  }

  @Test
  void aTokenToRevokeInTheUrlIsRefused() throws Exception {
    String access = http.consent(sandbox, APP, SECRET).text("access_token");
    Map<String, String> body =
        SandboxHttp.params("token", access, "client_id", APP, "client_secret", SECRET);
    assertMisplaced(copiedIntoTheUrl(sandbox.revocationEndpoint(), body, "token"), "token");
    assertTrue(sandbox.isAccessTokenValid(access), "nothing was revoked");
  }
}
