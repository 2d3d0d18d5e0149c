package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RefreshRotation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every flow and provider quirk of {@link TokenClient}, over real HTTP against the fake server. */
class TokenClientTest {
  private static final String CLIENT_ID = "client-1";
  private static final String SECRET = "s3cr3t-value-123";

  private final FakeClock clock = FakeClock.create();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  /** Records waits instead of sleeping. */
  private final Scheduler recording =
      new Scheduler() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) {
          sleeps.add(duration);
        }

        @Override
        public java.util.concurrent.Future<?> schedule(Runnable task, Duration delay) {
          throw new UnsupportedOperationException();
        }
      };

  private FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server =
        FakeAuthorizationServer.builder().clock(clock).clientCredentialsRefreshToken(false).start();
    server.registerClient(CLIENT_ID, SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Provider.Builder provider() {
    return Provider.builder("fake")
        .authorizationEndpoint(server.authorizationEndpoint())
        .tokenEndpoint(server.tokenEndpoint())
        .revocationEndpoint(server.revocationEndpoint());
  }

  private TokenClient client(Provider provider) {
    return client(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)));
  }

  private TokenClient client(ClientRegistration registration) {
    return TokenClient.builder(registration)
        .clock(clock)
        .scheduler(recording)
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  // ---------------------------------------------------------------- flows

  @Test
  void clientCredentialsWithBasicAuthentication() {
    TokenSet tokens = client(provider().build()).clientCredentials();

    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
    assertEquals("Bearer", tokens.tokenType());
    assertEquals(clock.instant(), tokens.issuedAt());
    assertEquals(clock.instant().plusSeconds(3600), tokens.expiresAt());
    assertNull(tokens.refreshToken());
    RecordedRequest request = server.requests().get(0);
    assertTrue(request.header("Authorization").startsWith("Basic "));
    assertEquals("client_credentials", request.parameter("grant_type"));
    assertNull(request.parameter("client_secret"));
  }

  @Test
  void basicAuthenticationFormEncodesReservedCharacters() {
    String id = "id:with%reserved+chars é";
    String secret = "p:a%s+s w/ö&=rd";
    server.registerClient(id, secret);
    TokenSet tokens =
        client(ClientRegistration.of(provider().build(), id, ClientSecret.of(secret)))
            .clientCredentials();

    assertNotNull(tokens.accessToken());
    String header = server.requests().get(0).header("Authorization");
    String decoded =
        new String(
            Base64.getDecoder().decode(header.substring(6)),
            java.nio.charset.StandardCharsets.UTF_8);
    // RFC 6749 §2.3.1: each part form-encoded, so the ':' separating them is the only raw colon.
    assertEquals(1, decoded.chars().filter(c -> c == ':').count());
    assertTrue(decoded.startsWith("id%3Awith%25reserved%2Bchars"), decoded.substring(0, 10));
  }

  @Test
  void clientSecretPostSendsCredentialsAsParameters() {
    Provider provider =
        provider().clientAuthentication(ClientAuthentication.CLIENT_SECRET_POST).build();
    client(provider).clientCredentials();

    RecordedRequest request = server.requests().get(0);
    assertNull(request.header("Authorization"));
    assertEquals(CLIENT_ID, request.parameter("client_id"));
    assertEquals(SECRET, request.parameter("client_secret"));
    assertTrue(request.header("Content-Type").startsWith("application/x-www-form-urlencoded"));
  }

  @Test
  void queryStringPlacementSendsAnEmptyBody() {
    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.QUERY_STRING);
    Provider provider = provider().tokenParameters(ParameterPlacement.QUERY_STRING).build();
    client(provider).clientCredentials();

    RecordedRequest request = server.requests().get(0);
    assertEquals("client_credentials", request.queryParameters().get("grant_type"));
    assertEquals(0, request.body().length);
  }

  @Test
  void jsonBodyPlacement() {
    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.JSON_BODY);
    Provider provider =
        provider()
            .clientAuthentication(ClientAuthentication.CLIENT_SECRET_POST)
            .tokenParameters(ParameterPlacement.JSON_BODY)
            .build();
    client(provider).clientCredentials();

    RecordedRequest request = server.requests().get(0);
    assertTrue(request.header("Content-Type").startsWith("application/json"));
    assertTrue(request.bodyUtf8().contains("\"grant_type\":\"client_credentials\""));
  }

  @Test
  void scopesAreRequestedAndRead() {
    Provider provider = provider().build();
    TokenClient client =
        client(
            ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET))
                .withScopes(Set.of("read", "write")));
    TokenSet tokens = client.clientCredentials();

    String scope = server.requests().get(0).parameter("scope");
    assertEquals(Set.of("read", "write"), Set.of(scope.split(" ")));
    assertEquals(Set.of("read", "write"), tokens.scopes());
  }

  @Test
  void authorizationCodeWithPkceThroughTheLoopbackReceiver() throws Exception {
    TokenClient client = client(provider().build());
    try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
      AuthorizationRequest request = client.authorizationRequest(receiver.redirectUri());
      Map<String, String> query = queryOf(request.uri());
      assertEquals("S256", query.get("code_challenge_method"));
      assertNotNull(query.get("code_challenge"));
      assertEquals(request.state(), query.get("state"));
      assertEquals(CLIENT_ID, query.get("client_id"));

      // The "browser": the fake consents and redirects to the receiver, which answers once awaited.
      java.util.concurrent.CompletableFuture<Void> browser =
          java.util.concurrent.CompletableFuture.runAsync(() -> browse(request.uri()));
      URI callback = receiver.awaitCallback(request.state(), Duration.ofSeconds(5));
      browser.get(5, java.util.concurrent.TimeUnit.SECONDS);
      TokenSet tokens = request.complete(callback);

      assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
      assertEquals(server.lastRefreshToken(), tokens.refreshToken().revealValue());
      RecordedRequest exchange = server.requests().get(server.requests().size() - 1);
      assertEquals("authorization_code", exchange.parameter("grant_type"));
      assertNotNull(exchange.parameter("code_verifier"));
      assertEquals(receiver.redirectUri().toString(), exchange.parameter("redirect_uri"));
    }
  }

  @Test
  void wrongCodeVerifierIsRejectedByTheServer() throws Exception {
    // Proves the fake really verifies PKCE: a code obtained for one request fails with another's
    // verifier.
    TokenClient client = client(provider().build());
    URI redirect = URI.create("http://127.0.0.1:9/callback");
    AuthorizationRequest first = client.authorizationRequest(redirect);
    AuthorizationRequest second = client.authorizationRequest(redirect);
    String code = queryOf(FakeAuthorizationServer.approve(first.uri())).get("code");

    assertThrows(InvalidGrantException.class, () -> second.exchange(code));
  }

  @Test
  void appHostedCallbackIsCompletedWithTheCallbackUri() throws Exception {
    TokenClient client = client(provider().build());
    URI redirect = URI.create("https://app.example/oauth/callback");
    AuthorizationRequest request = client.authorizationRequest(redirect);

    TokenSet tokens = request.complete(FakeAuthorizationServer.approve(request.uri()));

    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
  }

  @Test
  void outOfBandShowsTheCodeAndTheCallerExchangesIt() throws Exception {
    TokenClient client = client(provider().build());
    AuthorizationRequest request = client.authorizationRequest(TokenClient.OUT_OF_BAND);
    assertTrue(request.isOutOfBand());

    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(request.uri()).build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher code = Pattern.compile("id=\"code\"[^>]*>([^<]+)<").matcher(page.body());
    assertTrue(code.find(), "the OOB page shows the code");
    TokenSet tokens = request.exchange("  " + code.group(1) + "\n");

    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
    assertEquals(
        "urn:ietf:wg:oauth:2.0:oob",
        server.requests().get(server.requests().size() - 1).parameter("redirect_uri"));
  }

  @Test
  void callbackWithWrongOrMissingStateIsRefused() throws Exception {
    TokenClient client = client(provider().build());
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    URI callback = FakeAuthorizationServer.approve(request.uri());
    String code = queryOf(callback).get("code");

    ConsentException wrong =
        assertThrows(
            ConsentException.class,
            () ->
                request.complete(
                    URI.create("https://app.example/cb?code=" + code + "&state=forged")));
    ConsentException missing =
        assertThrows(
            ConsentException.class,
            () -> request.complete(URI.create("https://app.example/cb?code=" + code)));

    assertEquals(ConsentException.Kind.STATE_MISMATCH, wrong.kind());
    assertEquals(ConsentException.Kind.STATE_MISMATCH, missing.kind());
    assertFalse(wrong.getMessage().contains(code));
    assertEquals(0, server.tokenRequestCount());
  }

  @Test
  void providerWithoutStateEchoAcceptsAMissingStateButNotAWrongOne() throws Exception {
    TokenClient client = client(provider().stateRequired(false).build());
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    String code = queryOf(FakeAuthorizationServer.approve(request.uri())).get("code");

    assertThrows(
        ConsentException.class,
        () ->
            request.complete(URI.create("https://app.example/cb?code=" + code + "&state=forged")));
    TokenSet tokens = request.complete(URI.create("https://app.example/cb?code=" + code));
    assertNotNull(tokens.accessToken());
  }

  @Test
  void deniedConsentIsAClearException() throws Exception {
    server.setAuthorizationDecision(FakeAuthorizationServer.Decision.DENY);
    TokenClient client = client(provider().build());
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));

    ConsentException e =
        assertThrows(
            ConsentException.class,
            () -> request.complete(FakeAuthorizationServer.approve(request.uri())));

    assertEquals(ConsentException.Kind.ACCESS_DENIED, e.kind());
    assertEquals("access_denied", e.oauthError().orElseThrow());
    assertTrue(e.getMessage().contains("denied"));
  }

  @Test
  void vendorStyleConsentUrlWithoutClientIdAndWithExtraParameters() {
    Provider provider =
        provider()
            .authorizationSendsClientId(false)
            .extraAuthorizationParameter("name", "My App")
            .pkce(false)
            .build();
    AuthorizationRequest request =
        client(provider).authorizationRequest(URI.create("https://app.example/cb"));
    Map<String, String> query = queryOf(request.uri());

    assertNull(query.get("client_id"));
    assertEquals("My App", query.get("name"));
    assertNull(query.get("code_challenge"));
    assertEquals("code", query.get("response_type"));
  }

  @Test
  void aClientThatSendsTheRefreshTokenInTheUrlIsRefusedAndTheTokenStaysUsable() throws Exception {
    TokenSet tokens = consent(client(provider().build()));
    TokenClient misplacing =
        client(provider().refreshParameters(ParameterPlacement.QUERY_STRING).build());

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, () -> misplacing.refresh(tokens));
    assertTrue(e.getMessage().contains("error=invalid_request"), e.getMessage());
    assertTrue(e.getMessage().contains("refresh_token"), e.getMessage());
    String refreshToken = tokens.refreshToken().revealValue();
    assertFalse(e.getMessage().contains(refreshToken));
    assertTrue(server.introspect(refreshToken).active(), "the refused request spent nothing");
    assertNotNull(client(provider().build()).refresh(tokens).accessToken());
  }

  @Test
  void refreshWithRotationReplacesTheRefreshToken() throws Exception {
    server.setRefreshRotation(RefreshRotation.ROTATE);
    TokenClient client = client(provider().build());
    TokenSet first = consent(client);

    clock.advance(Duration.ofMinutes(10));
    TokenSet second = client.refresh(first);

    assertNotEquals(first.accessToken(), second.accessToken());
    assertNotEquals(first.refreshToken(), second.refreshToken());
    assertEquals(server.lastRefreshToken(), second.refreshToken().revealValue());
    assertEquals(clock.instant().plusSeconds(3600), second.expiresAt());
  }

  @Test
  void refreshWithoutANewRefreshTokenKeepsTheOldOne() throws Exception {
    server.setRefreshRotation(RefreshRotation.OFF);
    TokenClient client = client(provider().build());
    TokenSet first = consent(client);

    TokenSet second = client.refresh(first);

    assertNotEquals(first.accessToken(), second.accessToken());
    assertEquals(first.refreshToken(), second.refreshToken());
  }

  @Test
  void separateRefreshEndpointWithoutGrantTypeOrClientAuthentication() throws Exception {
    server.close();
    server = FakeAuthorizationServer.builder().clock(clock).anonymousRefresh(true).start();
    server.registerClient(CLIENT_ID, SECRET);
    Provider provider =
        provider()
            .refreshEndpoint(server.refreshEndpoint())
            .refreshSendsGrantType(false)
            .refreshClientAuthentication(ClientAuthentication.NONE)
            .build();
    TokenClient client = client(provider);
    TokenSet first = consent(client);

    TokenSet second = client.refresh(first);

    RecordedRequest refresh = server.requests().get(server.requests().size() - 1);
    assertEquals("/refresh", refresh.path());
    assertNull(refresh.parameter("grant_type"));
    assertNull(refresh.header("Authorization"));
    assertNull(refresh.parameter("client_id"));
    assertNotEquals(first.accessToken(), second.accessToken());
  }

  @Test
  void publicClientSendsOnlyItsId() throws Exception {
    server.registerPublicClient("public-app");
    Provider provider =
        provider().clientAuthentication(ClientAuthentication.CLIENT_ID_ONLY).build();
    TokenClient client = client(ClientRegistration.publicClient(provider, "public-app"));
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));

    TokenSet tokens = request.complete(FakeAuthorizationServer.approve(request.uri()));

    assertNotNull(tokens.accessToken());
    assertEquals(
        "public-app", server.requests().get(server.requests().size() - 1).parameter("client_id"));
  }

  @Test
  void revocationEndsTheGrant() throws Exception {
    TokenClient client = client(provider().build());
    TokenSet tokens = consent(client);

    assertTrue(client.revoke(tokens.refreshToken()));

    assertFalse(server.isGrantAlive(tokens.refreshToken().revealValue()));
    assertEquals(
        "refresh_token",
        server.requests().get(server.requests().size() - 1).parameter("token_type_hint"));
    assertFalse(
        client(Provider.builder("no-revoke").tokenEndpoint(server.tokenEndpoint()).build())
            .revoke(tokens.accessToken()));
  }

  @Test
  void revokingATokenSetSendsTheTokenTheProviderNames() throws Exception {
    TokenClient byDefault = client(provider().build());
    TokenSet first = consent(byDefault);
    assertTrue(byDefault.revoke(first));
    RecordedRequest refreshFirst = server.requests().get(server.requests().size() - 1);
    assertEquals(first.refreshToken().revealValue(), refreshFirst.bodyParameters().get("token"));
    assertEquals("refresh_token", refreshFirst.bodyParameters().get("token_type_hint"));

    TokenClient accessOnly =
        client(provider().revocationToken(Provider.RevocationToken.ACCESS_TOKEN).build());
    TokenSet second = consent(accessOnly);
    assertTrue(accessOnly.revoke(second));
    RecordedRequest accessSent = server.requests().get(server.requests().size() - 1);
    assertEquals(second.accessToken().revealValue(), accessSent.bodyParameters().get("token"));
    assertEquals("access_token", accessSent.bodyParameters().get("token_type_hint"));
    assertFalse(server.introspect(second.accessToken().revealValue()).active());
    assertTrue(server.isGrantAlive(second.refreshToken().revealValue()));

    TokenSet withoutRefresh = byDefault.clientCredentials();
    assertNull(withoutRefresh.refreshToken());
    assertTrue(byDefault.revoke(withoutRefresh));
    assertEquals(
        withoutRefresh.accessToken().revealValue(),
        server.requests().get(server.requests().size() - 1).bodyParameters().get("token"));
    assertEquals(
        Provider.RevocationToken.ACCESS_TOKEN,
        provider().revocationToken(Provider.RevocationToken.ACCESS_TOKEN).build().toBuilder()
            .build()
            .revocationToken());
  }

  @Test
  void aProviderReadsATokenAnswerAsTheBrokerDoes() {
    Provider provider =
        provider()
            .defaultTokenLifetime(Duration.ofMinutes(20))
            .normalizer(
                json -> {
                  json.putIfAbsent("access_token", json.remove("accessToken"));
                  return json;
                })
            .build();
    Instant now = Instant.parse("2026-03-01T10:00:00Z");

    TokenSet read =
        provider.readTokenResponse(
            "{\"accessToken\":\"at-1\",\"token_type\":\"bearer\",\"refresh_token\":\"rt-1\"}", now);
    assertEquals("at-1", read.accessToken().revealValue());
    assertEquals("Bearer", read.tokenType());
    assertEquals(now.plus(Duration.ofMinutes(20)), read.expiresAt());
    assertEquals("rt-1", read.refreshToken().revealValue());
    assertEquals(
        now.plusSeconds(60),
        provider
            .readTokenResponse("{\"access_token\":\"a\",\"expires_in\":\"60\"}", now)
            .expiresAt());

    TransientTokenException unusable =
        assertThrows(
            TransientTokenException.class,
            () -> provider.readTokenResponse("{\"token_type\":\"secret-looking\"}", now));
    assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, unusable.kind());
    assertThrows(TransientTokenException.class, () -> provider.readTokenResponse("<html>", now));
  }

  // ---------------------------------------------------------------- lenient parsing and
  // normalisation

  @Test
  void lowercaseOrMissingTokenTypeBecomesBearer() {
    server.enqueue(Fault.successWith("token_type", "bearer"));
    server.enqueue(Fault.successMissing("token_type"));
    TokenClient client = client(provider().build());

    assertEquals("Bearer", client.clientCredentials().tokenType());
    assertEquals("Bearer", client.clientCredentials().tokenType());
  }

  @Test
  void expiresInAsStringAndCreatedAtWhichDoesNotMoveTheIssueTime() {
    long createdAt = clock.instant().minusSeconds(5).getEpochSecond();
    server.enqueue(Fault.successWith("expires_in", "5400").withHeader("X-Unused", "1"));
    server.enqueue(Fault.successWith("created_at", createdAt));
    TokenClient client = client(provider().build());

    TokenSet first = client.clientCredentials();
    TokenSet second = client.clientCredentials();

    assertEquals(clock.instant().plusSeconds(5400), first.expiresAt());
    // Lifetimes count from local receipt: an old created_at must not age the token.
    assertEquals(clock.instant(), second.issuedAt());
    assertEquals(clock.instant().plusSeconds(3600), second.expiresAt());
  }

  @Test
  void missingExpiresInUsesTheProvidersDefaultLifetime() {
    server.enqueue(Fault.successMissing("expires_in"));
    TokenSet tokens =
        client(provider().defaultTokenLifetime(Duration.ofMinutes(7)).build()).clientCredentials();

    assertEquals(clock.instant().plus(Duration.ofMinutes(7)), tokens.expiresAt());
  }

  @Test
  void normalizerFixesVendorJsonBeforeParsing() {
    server.enqueue(Fault.successWith("token_type", "weird-type"));
    Provider provider =
        provider()
            .normalizer(
                json -> {
                  json.put("token_type", "Bearer");
                  json.put("expires_in", 60);
                  return json;
                })
            .build();

    TokenSet tokens = client(provider).clientCredentials();

    assertEquals(clock.instant().plusSeconds(60), tokens.expiresAt());
  }

  // ---------------------------------------------------------------- failure classes

  @Test
  void invalidGrantIsNeverRetried() throws Exception {
    server.setRefreshRotation(RefreshRotation.STRICT);
    TokenClient client = client(provider().build());
    TokenSet tokens = consent(client);
    client.refresh(tokens);
    int before = server.tokenRequestCount();

    InvalidGrantException e =
        assertThrows(InvalidGrantException.class, () -> client.refresh(tokens));

    assertEquals(before + 1, server.tokenRequestCount());
    assertEquals("invalid_grant", e.oauthError().orElseThrow());
    assertEquals(400, e.httpStatus().orElseThrow());
    assertNoSecrets(e, tokens);
  }

  @Test
  void wrongSecretIsAConfigurationErrorAndNotRetried() {
    TokenClient client =
        client(
            ClientRegistration.of(
                provider().build(), CLIENT_ID, ClientSecret.of("wrong-secret-xyz")));

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, client::clientCredentials);

    assertEquals(1, server.tokenRequestCount());
    assertEquals("invalid_client", e.oauthError().orElseThrow());
    assertEquals(401, e.httpStatus().orElseThrow());
    assertFalse(e.getMessage().contains("wrong-secret-xyz"));
  }

  @Test
  void serverErrorsAreRetriedABoundedNumberOfTimes() {
    for (int i = 0; i < 5; i++) {
      server.enqueue(Fault.status(500));
    }
    TokenClient client = client(provider().build());

    TransientTokenException e =
        assertThrows(TransientTokenException.class, client::clientCredentials);

    assertEquals(TransientTokenException.Kind.SERVER_ERROR, e.kind());
    assertEquals(3, server.tokenRequestCount());
    assertEquals(2, sleeps.size());
    assertTrue(
        sleeps.stream().allMatch(d -> !d.isNegative() && d.compareTo(Duration.ofSeconds(5)) <= 0));
  }

  @Test
  void transientFailureThenSuccess() {
    server.enqueue(Fault.status(502));
    server.enqueue(Fault.html(503));
    TokenSet tokens = client(provider().build()).clientCredentials();

    assertNotNull(tokens.accessToken());
    assertEquals(3, server.tokenRequestCount());
  }

  @Test
  void rateLimitHonoursRetryAfterSeconds() {
    server.enqueue(Fault.status(429).withRetryAfter("7"));
    TokenSet tokens = client(provider().build()).clientCredentials();

    assertNotNull(tokens);
    assertEquals(List.of(Duration.ofSeconds(7)), sleeps);
  }

  @Test
  void rateLimitHonoursRetryAfterHttpDate() {
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            clock.instant().plusSeconds(12).atZone(ZoneOffset.UTC));
    server.enqueue(Fault.status(503).withRetryAfter(date));
    client(provider().build()).clientCredentials();

    assertEquals(List.of(Duration.ofSeconds(12)), sleeps);
  }

  @Test
  void retryAfterBeyondTheCapIsNotWaitedFor() {
    server.enqueue(Fault.status(429).withRetryAfter("3600"));
    RateLimitedException e =
        assertThrows(
            RateLimitedException.class, () -> client(provider().build()).clientCredentials());

    assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
    assertEquals(TransientTokenException.Kind.RATE_LIMITED, e.kind());
    assertTrue(sleeps.isEmpty());
    assertEquals(1, server.tokenRequestCount());
  }

  @Test
  void htmlAndMalformedBodiesAreTransientAndRetried() {
    server.enqueue(Fault.html(200));
    server.enqueue(Fault.malformedJson());
    server.enqueue(Fault.html(200));
    TransientTokenException e =
        assertThrows(
            TransientTokenException.class, () -> client(provider().build()).clientCredentials());

    assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, e.kind());
    assertTrue(e.getMessage().contains("HTML"), e.getMessage());
    assertEquals(3, server.tokenRequestCount());
  }

  @Test
  void successWithoutAccessTokenIsMalformed() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.successMissing("access_token"));
    }
    TransientTokenException e =
        assertThrows(
            TransientTokenException.class, () -> client(provider().build()).clientCredentials());

    assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, e.kind());
    assertTrue(e.getMessage().contains("access_token"));
  }

  @Test
  void oversizedBodiesAreCutOff() {
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.oversizedBody(2 << 20));
    }
    TransientTokenException e =
        assertThrows(
            TransientTokenException.class, () -> client(provider().build()).clientCredentials());

    assertEquals(TransientTokenException.Kind.RESPONSE_TOO_LARGE, e.kind());
    assertTrue(e.getMessage().contains("1048576"), e.getMessage());
  }

  @Test
  void slowServerTimesOut() {
    server.enqueue(Fault.delay(Duration.ofSeconds(3)));
    TokenClient client =
        TokenClient.builder(
                ClientRegistration.of(provider().build(), CLIENT_ID, ClientSecret.of(SECRET)))
            .clock(clock)
            .scheduler(recording)
            .retryPolicy(RetryPolicy.none())
            .requestTimeout(Duration.ofMillis(300))
            .build();

    TransientTokenException e =
        assertThrows(TransientTokenException.class, client::clientCredentials);

    assertEquals(TransientTokenException.Kind.TIMEOUT, e.kind());
  }

  @Test
  void droppedConnectionIsANetworkFailure() throws Exception {
    TokenClient client =
        TokenClient.builder(
                ClientRegistration.of(provider().build(), CLIENT_ID, ClientSecret.of(SECRET)))
            .clock(clock)
            .scheduler(recording)
            .retryPolicy(RetryPolicy.none())
            .build();
    TokenSet tokens = consent(client);
    server.enqueue(Fault.dropConnectionAfterGrant());

    TransientTokenException e =
        assertThrows(TransientTokenException.class, () -> client.refresh(tokens));

    assertEquals(TransientTokenException.Kind.NETWORK, e.kind());
    assertNoSecrets(e, tokens);
  }

  @Test
  void aServerThatStallsAfterTheHeadersTimesOut() throws Exception {
    try (java.net.ServerSocket stalling =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread serve =
          new Thread(
              () -> {
                try (java.net.Socket socket = stalling.accept()) {
                  socket.getInputStream().read(new byte[8192]);
                  socket
                      .getOutputStream()
                      .write(
                          ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  + "Content-Length: 500\r\n\r\n{\"access_token\":")
                              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                  socket.getOutputStream().flush();
                  Thread.sleep(30_000); // the rest of the body never comes
                } catch (Exception ignored) {
                  // closed by the test
                }
              });
      serve.setDaemon(true);
      serve.start();
      Provider provider =
          Provider.builder("stalling")
              .tokenEndpoint(URI.create("http://127.0.0.1:" + stalling.getLocalPort() + "/token"))
              .build();
      TokenClient client =
          TokenClient.builder(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)))
              .clock(clock)
              .retryPolicy(RetryPolicy.none())
              .requestTimeout(Duration.ofMillis(300))
              .build();

      TransientTokenException e =
          assertThrows(TransientTokenException.class, client::clientCredentials);

      assertEquals(TransientTokenException.Kind.TIMEOUT, e.kind());
    }
  }

  @Test
  void aVendorInvalidGrantStatusNeedsAJsonAnswer() throws Exception {
    Provider provider = provider().invalidGrantStatuses(401).build();
    TokenClient client = client(provider);
    TokenSet tokens = consent(client);
    server.enqueue(Fault.html(401));
    server.enqueue(Fault.json(401, "{\"error\":\"invalid_client\"}"));
    server.enqueue(Fault.json(401, "{\"error\":401,\"message\":\"Unauthorized\"}"));

    assertThrows(
        ClientConfigurationException.class, () -> client.refresh(tokens)); // a proxy's page
    assertThrows(
        ClientConfigurationException.class, () -> client.refresh(tokens)); // names another error
    assertThrows(
        InvalidGrantException.class, () -> client.refresh(tokens)); // the vendor's dead grant
  }

  @Test
  void otherFourHundredsAreConfigurationErrors() {
    server.enqueue(
        Fault.json(400, "{\"error\":\"invalid_scope\",\"error_description\":\"no such scope\"}"));
    server.enqueue(Fault.response(404, "text/plain", "not here"));
    TokenClient client = client(provider().build());

    ClientConfigurationException scope =
        assertThrows(ClientConfigurationException.class, client::clientCredentials);
    ClientConfigurationException notFound =
        assertThrows(ClientConfigurationException.class, client::clientCredentials);

    assertEquals("invalid_scope", scope.oauthError().orElseThrow());
    assertTrue(scope.getMessage().contains("no such scope"));
    assertEquals(404, notFound.httpStatus().orElseThrow());
  }

  @Test
  void secretsQuotedByTheServerAreScrubbed() {
    server.enqueue(
        Fault.json(
            400,
            "{\"error\":\"invalid_request\",\"error_description\":\"bad secret " + SECRET + "\"}"));
    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () -> client(provider().build()).clientCredentials());

    assertFalse(e.getMessage().contains(SECRET));
    assertTrue(e.getMessage().contains("[redacted]"));
  }

  @Test
  void plainHttpIsRefusedExceptOnLoopback() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Provider.builder("x").tokenEndpoint(URI.create("http://login.example.com/token")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Provider.builder("x").tokenEndpoint(URI.create("ftp://login.example.com/token")));
    Provider.builder("x").tokenEndpoint(URI.create("http://localhost:8080/token"));
    Provider.builder("x").tokenEndpoint(URI.create("http://127.0.0.2/token"));
    Provider.builder("x").tokenEndpoint(URI.create("http://[::1]:9/token"));
    Provider.builder("x").tokenEndpoint(URI.create("https://login.example.com/token"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Provider.builder("x").tokenEndpoint(URI.create("http://127.0.0.1.evil.example/token")));
  }

  @Test
  void valuesRedactThemselves() throws Exception {
    TokenClient client = client(provider().build());
    TokenSet tokens = consent(client);
    ClientRegistration registration = client.registration();

    assertNoSecrets(tokens.toString(), tokens);
    assertFalse(registration.toString().contains(SECRET));
    assertEquals("ClientSecret[redacted]", ClientSecret.of(SECRET).toString());
    assertFalse(client.toString().contains(SECRET));
  }

  // ---------------------------------------------------------------- helpers

  private TokenSet consent(TokenClient client) throws Exception {
    AuthorizationRequest request =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    return request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  private static void browse(URI authorizationUri) {
    try {
      URI redirect = FakeAuthorizationServer.approve(authorizationUri);
      HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(redirect).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> queryOf(URI uri) {
    Map<String, String> result = new java.util.LinkedHashMap<>();
    if (uri.getRawQuery() == null) {
      return result;
    }
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      result.put(
          java.net.URLDecoder.decode(
              pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8),
          java.net.URLDecoder.decode(
              pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
    }
    return result;
  }

  private static void assertNoSecrets(Throwable e, TokenSet tokens) {
    List<String> texts = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      texts.add(String.valueOf(t.getMessage()));
      texts.add(t.toString());
    }
    assertNoSecrets(String.join("\n", texts), tokens);
  }

  private static void assertNoSecrets(String text, TokenSet tokens) {
    assertAll(
        () -> assertFalse(text.contains(SECRET), "client secret leaked"),
        () -> assertFalse(text.contains(tokens.accessToken().revealValue()), "access token leaked"),
        () ->
            assertFalse(
                tokens.refreshToken() != null && text.contains(tokens.refreshToken().revealValue()),
                "refresh token leaked"));
  }
}
