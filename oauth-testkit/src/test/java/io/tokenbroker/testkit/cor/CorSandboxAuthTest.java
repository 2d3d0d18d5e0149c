package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.cor.CorSandbox.ConsentDecision;
import io.tokenbroker.testkit.cor.CorSandbox.LoginShape;
import io.tokenbroker.testkit.cor.CorSandbox.Rotation;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's auth endpoints, spoken to with plain HTTP as COR's quickstart shows. */
class CorSandboxAuthTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sandbox-key";
  static final String SECRET = "s3cr+t/with=chars";

  private final FakeClock clock = FakeClock.create();
  private final HttpClient http = HttpClient.newHttpClient();
  private CorSandbox cor;

  @BeforeEach
  void start() {
    cor = CorSandbox.builder().clock(clock).start();
    cor.registerApiKey(KEY, SECRET)
        .registerUser("lucia.fernandez@company.com", "pw-123")
        .registerApp("My App");
  }

  @AfterEach
  void stop() {
    cor.close();
  }

  static String basic(String key, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((key + ":" + secret).getBytes(UTF_8));
  }

  HttpResponse<String> post(String pathAndQuery, String authorization, String form)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cor.consentBaseUri() + pathAndQuery));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (form != null) {
      b.header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(form));
    } else {
      b.POST(HttpRequest.BodyPublishers.noBody());
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String pathAndQuery, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cor.consentBaseUri() + pathAndQuery));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  static void assertUnauthorized(HttpResponse<String> response) throws Exception {
    assertEquals(401, response.statusCode());
    assertEquals("{\"error\":401,\"message\":\"Unauthorized\"}", response.body());
  }

  JsonNode clientCredentials() throws Exception {
    HttpResponse<String> r =
        post("/v1/oauth/token?grant_type=client_credentials", basic(KEY, SECRET), null);
    assertEquals(200, r.statusCode(), r.body());
    return json(r);
  }

  @Test
  void clientCredentialsAnswersAnAuthResponseWithARefreshToken() throws Exception {
    JsonNode body = clientCredentials();

    assertEquals("Bearer", body.get("token_type").asText());
    assertEquals(3600, body.get("expires_in").asInt());
    assertFalse(body.get("refresh_token").asText().isEmpty());
    String[] jwt = body.get("access_token").asText().split("\\.");
    assertEquals(3, jwt.length);
    assertEquals(
        "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
        new String(Base64.getUrlDecoder().decode(jwt[0]), UTF_8));
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
    assertEquals(clock.instant().plusSeconds(3600).getEpochSecond(), claims.get("exp").asLong());
    RecordedRequest request = cor.takeRequest();
    assertEquals("grant_type=client_credentials", request.query());
    assertEquals(0, request.body().length);
  }

  @Test
  void clientCredentialsReadsOnlyTheQueryString() throws Exception {
    HttpResponse<String> r =
        post("/v1/oauth/token", basic(KEY, SECRET), "grant_type=client_credentials");

    assertEquals(400, r.statusCode());
    assertEquals("CORCustomError", json(r).get("name").asText());
    assertEquals(400, json(r).get("status").asInt());
  }

  @Test
  void clientCredentialsNeedsTheRawBasicCredentials() throws Exception {
    assertUnauthorized(post("/v1/oauth/token?grant_type=client_credentials", null, null));
    assertUnauthorized(
        post("/v1/oauth/token?grant_type=client_credentials", basic(KEY, "wrong"), null));
    String formEncoded = basic(KEY, URLEncoder.encode(SECRET, UTF_8));
    assertUnauthorized(post("/v1/oauth/token?grant_type=client_credentials", formEncoded, null));
    assertUnauthorized(post("/v1/oauth/token?grant_type=client_credentials", "Basic !!!", null));
  }

  @Test
  void consentRedirectsWithACodeAndNoState() throws Exception {
    HttpResponse<String> r =
        get(
            "/oauth2/authorize?name=My+App&response_type=code"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=xyz",
            null);

    assertEquals(302, r.statusCode());
    String location = r.headers().firstValue("Location").orElseThrow();
    assertEquals("http://127.0.0.1:9/cb?code=" + cor.issuedAuthorizationCodes().get(0), location);
  }

  @Test
  void consentEchoesStateWhenAsked() throws Exception {
    cor.setEchoState(true);
    HttpResponse<String> r =
        get(
            "/oauth2/authorize?name=My+App&response_type=code"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=xyz",
            null);

    assertTrue(r.headers().firstValue("Location").orElseThrow().endsWith("&state=xyz"));
  }

  @Test
  void consentRejectsUnknownAppsAndBadRequests() throws Exception {
    assertEquals(
        400,
        get("/oauth2/authorize?name=Other&response_type=code&redirect_uri=x", null).statusCode());
    assertEquals(
        400,
        get("/oauth2/authorize?name=My+App&response_type=token&redirect_uri=x", null).statusCode());
    assertEquals(400, get("/oauth2/authorize?name=My+App&response_type=code", null).statusCode());
    assertTrue(cor.issuedAuthorizationCodes().isEmpty());
  }

  @Test
  void consentCanBeDenied() throws Exception {
    cor.setConsentDecision(ConsentDecision.DENY);
    HttpResponse<String> r =
        get(
            "/oauth2/authorize?name=My+App&response_type=code&redirect_uri=https%3A%2F%2Fa.example%2Fcb",
            null);

    assertEquals(
        "https://a.example/cb?error=access_denied",
        r.headers().firstValue("Location").orElseThrow());
  }

  @Test
  void outOfBandConsentShowsTheCode() throws Exception {
    HttpResponse<String> r =
        get(
            "/oauth2/authorize?name=My+App&response_type=code"
                + "&redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob",
            null);

    assertEquals(200, r.statusCode());
    assertTrue(
        r.body()
            .contains("<code id=\"code\">" + cor.issuedAuthorizationCodes().get(0) + "</code>"));
  }

  private String code() throws Exception {
    get(
        "/oauth2/authorize?name=My+App&response_type=code&redirect_uri=https%3A%2F%2Fa.example%2Fcb",
        null);
    return cor.issuedAuthorizationCodes().get(cor.issuedAuthorizationCodes().size() - 1);
  }

  @Test
  void codeExchangeIsQueryOnlyAndSingleUse() throws Exception {
    String code = code();
    HttpResponse<String> inBody =
        post("/v1/oauth2/token", null, "grant_type=authorization_code&code=" + code);
    assertEquals(400, inBody.statusCode());

    HttpResponse<String> ok =
        post("/v1/oauth2/token?grant_type=authorization_code&code=" + code, null, null);
    assertEquals(200, ok.statusCode());
    assertEquals("Bearer", json(ok).get("token_type").asText());

    assertUnauthorized(
        post("/v1/oauth2/token?grant_type=authorization_code&code=" + code, null, null));
    assertUnauthorized(
        post("/v1/oauth2/token?grant_type=authorization_code&code=garbage", null, null));
  }

  @Test
  void codesExpireAndMustMatchTheRedirectUri() throws Exception {
    String code = code();
    assertUnauthorized(
        post(
            "/v1/oauth2/token?grant_type=authorization_code&code="
                + code
                + "&redirect_uri=https%3A%2F%2Fother.example%2Fcb",
            null,
            null));
    String late = code();
    clock.advance(Duration.ofMinutes(11));
    assertUnauthorized(
        post("/v1/oauth2/token?grant_type=authorization_code&code=" + late, null, null));
  }

  @Test
  void codeExchangeCanRequireBasic() throws Exception {
    cor.close();
    cor = CorSandbox.builder().clock(clock).codeExchangeRequiresBasic(true).start();
    cor.registerApiKey(KEY, SECRET).registerApp("My App");
    assertUnauthorized(
        post("/v1/oauth2/token?grant_type=authorization_code&code=" + code(), null, null));
    assertEquals(
        200,
        post(
                "/v1/oauth2/token?grant_type=authorization_code&code=" + code(),
                basic(KEY, SECRET),
                null)
            .statusCode());
  }

  @Test
  void loginAnswersEachShape() throws Exception {
    String form = "email=lucia.fernandez%40company.com&password=pw-123";
    JsonNode standard = json(post("/v1/auth/login", null, form));
    assertEquals("Bearer", standard.get("token_type").asText());
    assertTrue(standard.has("refresh_token"));

    cor.setLoginShape(LoginShape.NESTED_TOKEN);
    JsonNode nested = json(post("/v1/auth/login", null, form));
    assertEquals("bearer", nested.at("/token/type").asText());
    assertEquals(cor.lastRefreshToken(), nested.at("/token/refreshToken").asText());
    assertEquals(
        clock.instant().plusSeconds(3600).toEpochMilli(),
        Long.parseLong(nested.at("/token/expirationTime").asText()));

    cor.setLoginShape(LoginShape.NESTED_TOKEN_REFRESH_BESIDE);
    JsonNode beside = json(post("/v1/auth/login", null, form));
    assertEquals(cor.lastAccessToken(), beside.at("/token/access_token").asText());
    assertEquals(cor.lastRefreshToken(), beside.get("refreshToken").asText());

    cor.setLoginShape(LoginShape.DATA_WRAPPER);
    JsonNode data = json(post("/v1/auth/login", null, form));
    assertEquals(cor.lastAccessToken(), data.at("/data/token").asText());

    // The login's tokens act as the seeded user with that email.
    JsonNode me = json(get("/v1/me", "Bearer " + cor.lastAccessToken()));
    assertEquals(1003, me.get("id").asLong());
  }

  @Test
  void loginRejectsBadCredentialsAndMissingFields() throws Exception {
    assertUnauthorized(
        post("/v1/auth/login", null, "email=lucia.fernandez%40company.com&password=nope"));
    HttpResponse<String> missing = post("/v1/auth/login", null, "email=");
    assertEquals(417, missing.statusCode());
    assertEquals(
        "[{\"field\":\"email\",\"validation\":\"required\",\"message\":\"required validation failed"
            + " on email\"},{\"field\":\"password\",\"validation\":\"required\",\"message\":\"required"
            + " validation failed on password\"}]",
        missing.body());
  }

  private HttpResponse<String> refresh(String token) throws Exception {
    return post("/v1/oauth/refreshtoken", null, "refresh_token=" + URLEncoder.encode(token, UTF_8));
  }

  @Test
  void refreshTakesTheFormFieldOnlyAndRotates() throws Exception {
    String first = clientCredentials().get("refresh_token").asText();
    HttpResponse<String> r = refresh(first);
    assertEquals(200, r.statusCode());
    String second = json(r).get("refresh_token").asText();
    assertNotEquals(first, second);
    RecordedRequest request = cor.requests().get(1);
    assertNull(request.query());
    assertNull(request.header("Authorization"));

    assertUnauthorized(refresh(first)); // ROTATE: the old one is gone
    assertTrue(cor.isRefreshTokenValid(second));
    assertEquals(200, refresh(second).statusCode());
    assertUnauthorized(refresh("never-issued"));
    assertEquals(
        417, post("/v1/oauth/refreshtoken", null, "grant_type=refresh_token").statusCode());
  }

  @Test
  void rotationOffKeepsTheOldRefreshToken() throws Exception {
    cor.setRotation(Rotation.OFF);
    String first = clientCredentials().get("refresh_token").asText();
    assertEquals(200, refresh(first).statusCode());
    assertEquals(200, refresh(first).statusCode());
    assertTrue(cor.isRefreshTokenValid(first));
  }

  @Test
  void rotationGraceAllowsReuseForAWhile() throws Exception {
    cor.setRotation(Rotation.GRACE);
    String first = clientCredentials().get("refresh_token").asText();
    assertEquals(200, refresh(first).statusCode());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(200, refresh(first).statusCode());
    clock.advance(Duration.ofSeconds(25));
    assertFalse(cor.isRefreshTokenValid(first));
    assertUnauthorized(refresh(first));
  }

  @Test
  void rotationStrictRevokesTheWholeAuthorizationOnReuse() throws Exception {
    cor.setRotation(Rotation.STRICT);
    String first = clientCredentials().get("refresh_token").asText();
    JsonNode next = json(refresh(first));
    String access = next.get("access_token").asText();
    String second = next.get("refresh_token").asText();
    assertEquals(200, get("/v1/me", "Bearer " + access).statusCode());

    assertUnauthorized(refresh(first));

    assertFalse(cor.isRefreshTokenValid(second));
    assertFalse(cor.isAccessTokenValid(access));
    assertUnauthorized(get("/v1/me", "Bearer " + access));
    assertUnauthorized(refresh(second));
  }

  @Test
  void refreshTokensCanExpire() throws Exception {
    cor.close();
    cor = CorSandbox.builder().clock(clock).refreshTokenLifetime(Duration.ofDays(1)).start();
    cor.registerApiKey(KEY, SECRET);
    String token = clientCredentials().get("refresh_token").asText();
    clock.advance(Duration.ofDays(1));
    assertUnauthorized(refresh(token));
  }

  @Test
  void bearerChecks() throws Exception {
    String access = clientCredentials().get("access_token").asText();
    assertEquals(200, get("/v1/me", "Bearer " + access).statusCode());
    assertUnauthorized(get("/v1/me", null));
    assertUnauthorized(get("/v1/me", access)); // no "Bearer " prefix
    assertUnauthorized(get("/v1/me", "Bearer garbage"));
    assertUnauthorized(get("/v1/projects", "Basic " + access));

    clock.advance(Duration.ofSeconds(3599));
    assertEquals(200, get("/v1/me", "Bearer " + access).statusCode());
    clock.advance(Duration.ofSeconds(1));
    assertUnauthorized(get("/v1/me", "Bearer " + access));
  }

  @Test
  void invalidatedAccessTokensFailButRefreshTokensStillWork() throws Exception {
    JsonNode tokens = clientCredentials();
    assertEquals(1, cor.invalidateAccessTokens());
    assertUnauthorized(get("/v1/me", "Bearer " + tokens.get("access_token").asText()));
    JsonNode next = json(refresh(tokens.get("refresh_token").asText()));
    assertEquals(200, get("/v1/me", "Bearer " + next.get("access_token").asText()).statusCode());
  }

  @Test
  void faultsHitResourcesByDefaultAndAuthPathsWhenAimed() throws Exception {
    cor.enqueue(CorFaults.tooManyRequests());
    JsonNode tokens = clientCredentials(); // not hit: auth endpoint
    HttpResponse<String> limited = get("/v1/me", "Bearer " + tokens.get("access_token").asText());
    assertEquals(429, limited.statusCode());
    assertTrue(limited.headers().firstValue("Retry-After").isEmpty());

    cor.enqueue(CorFaults.serverError().on("/v1/oauth/refreshtoken"));
    HttpResponse<String> failed = refresh(tokens.get("refresh_token").asText());
    assertEquals(500, failed.statusCode());
    assertEquals("{\"error\":500,\"message\":\"Internal Server Error\"}", failed.body());
    assertTrue(cor.isRefreshTokenValid(tokens.get("refresh_token").asText())); // not processed
  }

  @Test
  void unknownRoutesAnswerNotFound() throws Exception {
    HttpResponse<String> r = get("/v1/oauth/token", null);
    assertEquals(404, r.statusCode());
    assertEquals("ERROR", json(r).get("status").asText());
    assertEquals(404, get("/elsewhere", null).statusCode());
  }

  @Test
  void toStringShowsNoSecretsAndRequestsAreRecorded() throws Exception {
    clientCredentials();
    RecordedRequest request = cor.requests().get(0);
    assertEquals("POST", request.method());
    assertEquals("/v1/oauth/token", request.path());
    assertEquals("client_credentials", request.queryParameters().get("grant_type"));
    assertFalse(request.toString().contains("Basic"));
    assertFalse(cor.toString().contains(SECRET));
    assertEquals(1, cor.requestCount("POST", "/v1/oauth/token"));
  }

  // ---------------------------------------------------------------- misplaced parameters

  private static void assertMisplaced(HttpResponse<String> r, String parameter) throws Exception {
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("F010", json(r).get("code").asText());
    assertTrue(json(r).get("message").asText().contains(parameter), r.body());
  }

  @Test
  void aRefreshTokenCopiedIntoTheUrlIsRefusedAndStaysValid() throws Exception {
    String token = clientCredentials().get("refresh_token").asText();
    HttpResponse<String> r =
        post("/v1/oauth/refreshtoken?refresh_token=" + token, null, "refresh_token=" + token);
    assertMisplaced(r, "refresh_token");
    assertTrue(cor.isRefreshTokenValid(token), "a refused request spends nothing");
    assertEquals(200, refresh(token).statusCode());
  }

  @Test
  void aSecretInTheUrlOrParametersInTheBodyOfTheQueryEndpointsAreRefused() throws Exception {
    assertMisplaced(
        post(
            "/v1/oauth/token?grant_type=client_credentials&client_secret="
                + URLEncoder.encode(SECRET, UTF_8),
            basic(KEY, SECRET),
            null),
        "client_secret");
    String code = code();
    HttpResponse<String> copied =
        post(
            "/v1/oauth2/token?grant_type=authorization_code&code=" + code,
            null,
            "grant_type=authorization_code&code=" + code);
    assertEquals(400, copied.statusCode(), copied.body());
    assertEquals("F010", json(copied).get("code").asText());
    assertEquals(
        200,
        post("/v1/oauth2/token?grant_type=authorization_code&code=" + code, null, null)
            .statusCode(),
        "the refused exchange did not use the code");
    assertMisplaced(
        post(
            "/v1/auth/login?password=pw-123",
            null,
            "email=lucia.fernandez%40company.com&password=pw-123"),
        "password");
  }
}
