package io.tokenbroker.cor;

import static io.tokenbroker.cor.CorFixture.API_KEY;
import static io.tokenbroker.cor.CorFixture.APP;
import static io.tokenbroker.cor.CorFixture.EMAIL;
import static io.tokenbroker.cor.CorFixture.PASSWORD;
import static io.tokenbroker.cor.CorFixture.SECRET;
import static io.tokenbroker.cor.CorFixture.SERVICE;
import static io.tokenbroker.cor.CorFixture.USER;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.LoopbackReceiver;
import io.tokenbroker.oauth.TokenClient;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.cor.CorSandbox.ConsentDecision;
import io.tokenbroker.testkit.cor.CorSandbox.LoginShape;
import io.tokenbroker.testkit.cor.CorSandbox.Rotation;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every COR auth flow through the TokenBroker, against the sandbox over real HTTP. */
class CorAuthFlowsTest {
  private static final HttpClient BROWSER =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), UTF_8));
    }
    return out;
  }

  private static List<RecordedRequest> requestsTo(CorSandbox sandbox, String path) {
    return sandbox.requests().stream().filter(r -> r.path().equals(path)).toList();
  }

  @Test
  void clientCredentialsUseTheQueryStringAndRawBasicAndRerunOnRenewal() {
    try (CorFixture f = new CorFixture().service()) {
      AccessToken first = f.broker.accessToken(SERVICE);

      RecordedRequest request = requestsTo(f.sandbox, "/v1/oauth/token").get(0);
      assertEquals("POST", request.method());
      assertEquals("grant_type=client_credentials", request.query());
      assertEquals(0, request.body().length);
      assertEquals(
          "Basic " + Base64.getEncoder().encodeToString((API_KEY + ":" + SECRET).getBytes(UTF_8)),
          request.header("Authorization"));
      assertTrue(f.sandbox.isAccessTokenValid(first.revealValue()));
      assertTrue(
          f.broker.status(SERVICE).refreshTokenPresent()); // kept, though renewal does not use it

      f.clock.advance(Duration.ofHours(1));
      AccessToken second = f.broker.accessToken(SERVICE);

      assertNotEquals(first, second);
      assertEquals(2, f.sandbox.requestCount("POST", "/v1/oauth/token"));
      assertEquals(0, f.sandbox.requestCount("POST", "/v1/oauth/refreshtoken"));
    }
  }

  @Test
  void aWrongSecretIsAConfigurationErrorWithoutTheSecret() {
    try (CorFixture f = new CorFixture()) {
      f.broker.register(
          SERVICE,
          f.cor.clientCredentials(API_KEY, ClientSecret.of("wrong-secret-value")),
          GrantType.CLIENT_CREDENTIALS);
      ClientConfigurationException e =
          f.remember(
              assertThrows(
                  ClientConfigurationException.class, () -> f.broker.accessToken(SERVICE)));
      assertEquals(401, e.httpStatus().orElseThrow());
      assertFalse(e.getMessage().contains("wrong-secret-value"));
    }
  }

  @Test
  void formEncodedBasicIsAnOptionAndFailsAgainstDocumentedCor() {
    try (CorFixture f =
        new CorFixture(CorSandbox.builder(), Cor.builder().formEncodeBasicCredentials(true))) {
      f.service();
      f.remember(
          assertThrows(ClientConfigurationException.class, () -> f.broker.accessToken(SERVICE)));
      String header = requestsTo(f.sandbox, "/v1/oauth/token").get(0).header("Authorization");
      assertTrue(
          new String(Base64.getDecoder().decode(header.substring(6)), UTF_8)
              .endsWith("%2Bq%2FWm%3Dsecret%2542"));
    }
  }

  @Test
  void consentThroughTheLoopbackReceiver() throws Exception {
    try (CorFixture f = new CorFixture();
        LoopbackReceiver receiver = LoopbackReceiver.builder().stateRequired(false).start()) {
      f.broker.register(USER, f.cor.authorizationCode("acme", APP), GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest consent = f.broker.authorizationRequest(USER, receiver.redirectUri());

      URI uri = consent.uri();
      assertEquals(
          f.sandbox.authorizeUri().toString(),
          uri.toString().substring(0, uri.toString().indexOf('?')));
      Map<String, String> params = query(uri);
      assertEquals(APP, params.get("name"));
      assertEquals("code", params.get("response_type"));
      assertEquals(receiver.redirectUri().toString(), params.get("redirect_uri"));
      assertFalse(params.containsKey("client_id"));
      assertEquals("S256", params.get("code_challenge_method"), "PKCE by default");

      // The "browser": consent page, then the redirect to the loopback receiver.
      HttpResponse<String> page =
          BROWSER.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      URI location = URI.create(page.headers().firstValue("Location").orElseThrow());
      CompletableFuture<HttpResponse<String>> landing =
          BROWSER.sendAsync(
              HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofString());
      URI callback = receiver.awaitCallback(consent.state(), Duration.ofSeconds(10));
      TokenSet tokens = consent.complete(callback);
      assertEquals(200, landing.get().statusCode());

      assertNotNull(tokens.refreshToken());
      RecordedRequest exchange = requestsTo(f.sandbox, "/v1/oauth2/token").get(0);
      assertEquals("authorization_code", exchange.queryParameters().get("grant_type"));
      assertEquals(
          f.sandbox.issuedAuthorizationCodes().get(0), exchange.queryParameters().get("code"));
      assertNull(exchange.header("Authorization"));
      assertEquals(0, exchange.body().length);
      assertEquals(12345, f.client(USER).me().id());
    }
  }

  @Test
  void outOfBandCodePaste() throws Exception {
    try (CorFixture f = new CorFixture()) {
      f.broker.register(USER, f.cor.authorizationCode("acme", APP), GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest consent = f.broker.authorizationRequest(USER, TokenClient.OUT_OF_BAND);
      assertTrue(consent.isOutOfBand());

      String page =
          BROWSER
              .send(
                  HttpRequest.newBuilder(consent.uri()).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = Pattern.compile("<code id=\"code\">([^<]+)</code>").matcher(page);
      assertTrue(m.find());
      consent.exchange("  " + m.group(1) + "\n"); // as pasted

      assertEquals(f.sandbox.lastAccessToken(), f.broker.accessToken(USER).revealValue());
      // A code works once.
      f.remember(assertThrows(InvalidGrantException.class, () -> consent.exchange(m.group(1))));
    }
  }

  @Test
  void aDeniedConsentIsAConsentException() throws Exception {
    try (CorFixture f =
        new CorFixture(CorSandbox.builder().consentDecision(ConsentDecision.DENY))) {
      f.broker.register(USER, f.cor.authorizationCode("acme", APP), GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest consent =
          f.broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
      HttpResponse<String> page =
          BROWSER.send(
              HttpRequest.newBuilder(consent.uri()).build(), HttpResponse.BodyHandlers.ofString());
      ConsentException e =
          assertThrows(
              ConsentException.class,
              () ->
                  consent.complete(
                      URI.create(page.headers().firstValue("Location").orElseThrow())));
      assertEquals(ConsentException.Kind.ACCESS_DENIED, e.kind());
    }
  }

  @Test
  void aWrongEchoedStateIsStillRefused() throws Exception {
    try (CorFixture f = new CorFixture(CorSandbox.builder().echoState(true))) {
      f.broker.register(USER, f.cor.authorizationCode("acme", APP), GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest consent =
          f.broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
      HttpResponse<String> page =
          BROWSER.send(
              HttpRequest.newBuilder(consent.uri()).build(), HttpResponse.BodyHandlers.ofString());
      String location = page.headers().firstValue("Location").orElseThrow();
      assertTrue(location.contains("state=" + consent.state()));
      ConsentException e =
          assertThrows(
              ConsentException.class,
              () -> consent.complete(URI.create(location.replace(consent.state(), "forged"))));
      assertEquals(ConsentException.Kind.STATE_MISMATCH, e.kind());
      assertTrue(consent.complete(URI.create(location)).refreshToken() != null);
    }
  }

  @Test
  void theCodeExchangeCanAuthenticateWhenConfigured() throws Exception {
    try (CorFixture f =
        new CorFixture(
            CorSandbox.builder().codeExchangeRequiresBasic(true),
            Cor.builder()
                .codeExchangeClientAuthentication(ClientAuthentication.CLIENT_SECRET_BASIC))) {
      assertThrows(IllegalStateException.class, () -> f.cor.authorizationCode("acme", APP));
      f.broker.register(
          USER,
          f.cor.authorizationCode("acme", APP, API_KEY, ClientSecret.of(SECRET)),
          GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest consent =
          f.broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
      HttpResponse<String> page =
          BROWSER.send(
              HttpRequest.newBuilder(consent.uri()).build(), HttpResponse.BodyHandlers.ofString());
      consent.complete(URI.create(page.headers().firstValue("Location").orElseThrow()));
      assertNotNull(requestsTo(f.sandbox, "/v1/oauth2/token").get(0).header("Authorization"));
    }
  }

  /** Consents for {@link CorFixture#USER} through the broker with a plain redirect. */
  private static void consent(CorFixture f) throws Exception {
    f.broker.register(USER, f.cor.authorizationCode("acme", APP), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest consent =
        f.broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    HttpResponse<String> page =
        BROWSER.send(
            HttpRequest.newBuilder(consent.uri()).build(), HttpResponse.BodyHandlers.ofString());
    consent.complete(URI.create(page.headers().firstValue("Location").orElseThrow()));
  }

  @Test
  void refreshSendsOnlyTheRefreshTokenAndKeepsTheRotatedOne() throws Exception {
    try (CorFixture f = new CorFixture(CorSandbox.builder().rotation(Rotation.STRICT))) {
      consent(f);
      String firstRefresh = f.sandbox.lastRefreshToken();
      f.clock.advance(
          Duration.ofSeconds(3590)); // past expiry minus skew: callers wait for the refresh

      AccessToken renewed = f.broker.accessToken(USER);

      RecordedRequest refresh = requestsTo(f.sandbox, "/v1/oauth/refreshtoken").get(0);
      assertNull(refresh.query());
      assertNull(refresh.header("Authorization"));
      assertEquals(Map.of("refresh_token", firstRefresh), refresh.bodyParameters());
      assertTrue(refresh.header("Content-Type").startsWith("application/x-www-form-urlencoded"));
      assertEquals(f.sandbox.lastAccessToken(), renewed.revealValue());
      String secondRefresh = f.sandbox.lastRefreshToken();
      assertEquals(secondRefresh, f.broker.tokens(USER).refreshToken().revealValue());
      assertFalse(f.sandbox.isRefreshTokenValid(firstRefresh));

      // Strict rotation: the next renewal must use the new refresh token, or the grant dies.
      f.clock.advance(Duration.ofSeconds(3590));
      f.broker.accessToken(USER);
      assertEquals(2, f.sandbox.requestCount("POST", "/v1/oauth/refreshtoken"));
      assertEquals(
          secondRefresh,
          requestsTo(f.sandbox, "/v1/oauth/refreshtoken")
              .get(1)
              .bodyParameters()
              .get("refresh_token"));
    }
  }

  @Test
  void aRefreshTokenReusedElsewhereKillsTheGrantCleanly() throws Exception {
    try (CorFixture f = new CorFixture(CorSandbox.builder().rotation(Rotation.STRICT))) {
      consent(f);
      String stolen = f.sandbox.lastRefreshToken();
      f.broker.forceRefresh(USER);
      // Someone replays the rotated-away token: COR (strict) revokes the whole authorization.
      HttpResponse<String> replay =
          BROWSER.send(
              HttpRequest.newBuilder(URI.create(f.sandbox.apiBaseUri() + "/oauth/refreshtoken"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("refresh_token=" + stolen))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, replay.statusCode());

      InvalidGrantException e =
          f.remember(assertThrows(InvalidGrantException.class, () -> f.broker.forceRefresh(USER)));
      assertTrue(e.getMessage().contains("cor/user"));
      assertTrue(f.broker.status(USER).reauthorizationRequired());
      f.remember(assertThrows(InvalidGrantException.class, () -> f.broker.accessToken(USER)));
    }
  }

  @Test
  void devLoginWithTheDocumentedShape() {
    try (CorFixture f = new CorFixture()) {
      f.broker.register(USER, f.cor.devLogin().registration(), GrantType.AUTHORIZATION_CODE);
      TokenSet tokens = f.cor.devLogin().login(EMAIL, PASSWORD);
      f.broker.saveTokens(USER, tokens);

      RecordedRequest login = requestsTo(f.sandbox, "/v1/auth/login").get(0);
      assertEquals(Map.of("email", EMAIL, "password", PASSWORD), login.bodyParameters());
      assertEquals(Duration.ofHours(1), tokens.lifetime());
      assertEquals(1003, f.client(USER).me().id()); // the seeded user with that email

      f.broker.forceRefresh(USER);
      assertEquals(1, f.sandbox.requestCount("POST", "/v1/oauth/refreshtoken"));
      assertEquals(1003, f.client(USER).me().id());
    }
  }

  @Test
  void devLoginWithTheNestedShapes() {
    for (LoginShape shape :
        List.of(LoginShape.NESTED_TOKEN, LoginShape.NESTED_TOKEN_REFRESH_BESIDE)) {
      try (CorFixture f = new CorFixture(CorSandbox.builder().loginShape(shape))) {
        f.broker.register(USER, f.cor.devLogin().registration(), GrantType.AUTHORIZATION_CODE);
        TokenSet tokens = f.cor.devLogin().login(EMAIL, PASSWORD);
        f.broker.saveTokens(USER, tokens);

        assertEquals("Bearer", tokens.tokenType(), shape.name());
        assertEquals(f.sandbox.lastAccessToken(), tokens.accessToken().revealValue(), shape.name());
        assertEquals(
            f.sandbox.lastRefreshToken(), tokens.refreshToken().revealValue(), shape.name());
        assertEquals(f.clock.instant().plus(Duration.ofHours(1)), tokens.expiresAt(), shape.name());
        assertEquals(1003, f.client(USER).me().id());
        f.broker.forceRefresh(USER); // the refresh token found in the nested shape works
        assertEquals(1003, f.client(USER).me().id());
      }
    }
  }

  @Test
  void devLoginWithTheDataWrapperHasNoRefreshToken() {
    try (CorFixture f = new CorFixture(CorSandbox.builder().loginShape(LoginShape.DATA_WRAPPER))) {
      f.broker.register(USER, f.cor.devLogin().registration(), GrantType.AUTHORIZATION_CODE);
      TokenSet tokens = f.cor.devLogin().login(EMAIL, PASSWORD);
      f.broker.saveTokens(USER, tokens);
      assertNull(tokens.refreshToken());
      assertEquals(1003, f.client(USER).me().id());
      f.clock.advance(Duration.ofHours(1));
      InvalidGrantException e =
          f.remember(assertThrows(InvalidGrantException.class, () -> f.broker.accessToken(USER)));
      assertTrue(e.getMessage().contains("no refresh token"));
    }
  }

  @Test
  void devLoginRefusalsHoldNoPassword() {
    try (CorFixture f = new CorFixture()) {
      ClientConfigurationException wrong =
          f.remember(
              assertThrows(
                  ClientConfigurationException.class,
                  () -> f.cor.devLogin().login(EMAIL, "not the password")));
      assertTrue(wrong.getMessage().contains("401"));
      assertFalse(wrong.getMessage().contains("not the password"));
      ClientConfigurationException missing =
          f.remember(
              assertThrows(
                  ClientConfigurationException.class, () -> f.cor.devLogin().login("", "")));
      assertTrue(missing.getMessage().contains("417"));
      assertTrue(missing.getMessage().contains("required validation failed on email"));
    }
  }

  @Test
  void corDefaultsMatchTheDocumentation() {
    Cor cor = Cor.production();
    assertEquals(
        "https://api.projectcor.com/v1/oauth/token",
        cor.clientCredentialsProvider().tokenEndpoint().toString());
    assertEquals(
        "https://api.projectcor.com/v1/oauth/refreshtoken",
        cor.clientCredentialsProvider().refreshEndpoint().toString());
    var consent = cor.authorizationCodeProvider("Acme", APP);
    assertEquals(
        "https://acme.cor.works/oauth2/authorize",
        consent.authorizationEndpoint().orElseThrow().toString());
    assertEquals("https://api.projectcor.com/v1/oauth2/token", consent.tokenEndpoint().toString());
    assertEquals(Map.of("name", APP), consent.extraAuthorizationParameters());
    assertFalse(consent.authorizationSendsClientId());
    assertFalse(consent.stateRequired());
    assertTrue(consent.pkce(), "PKCE is sent unless a provider forbids it");
    assertFalse(consent.refreshSendsGrantType());
    assertEquals(ClientAuthentication.NONE, consent.clientAuthentication());
    assertEquals(ClientAuthentication.NONE, consent.refreshClientAuthentication());
    assertEquals(java.util.Set.of(400, 401), consent.invalidGrantStatuses());
    assertFalse(consent.formEncodeBasicCredentials());
    assertThrows(
        IllegalArgumentException.class, () -> cor.authorizationEndpoint("acme.evil.example/x"));
    assertThrows(IllegalArgumentException.class, () -> cor.authorizationCodeProvider("acme", " "));
    assertThrows(IllegalArgumentException.class, () -> Cor.builder().invalidGrantStatuses(503));
    assertThrows(
        IllegalArgumentException.class, () -> Cor.builder().apiBaseUri(URI.create("ftp://x/v1")));
  }
}
