package io.tokenbroker.procore;

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
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.LoopbackReceiver;
import io.tokenbroker.oauth.ParameterPlacement;
import io.tokenbroker.oauth.RetryPolicy;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TransientTokenException;
import io.tokenbroker.oauth.UnknownGrantException;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.procore.ProcoreFaults;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Procore's OAuth through the broker, against the sandbox over real HTTP. */
class ProcoreAuthTest {
  private final SandboxFixture f = new SandboxFixture();
  private final List<String> messages = new ArrayList<>();

  @AfterEach
  void close() {
    f.close();
    f.assertNoSecretsIn(String.join("\n", messages));
  }

  private <T extends Throwable> T record(T e) {
    messages.add(String.valueOf(e.getMessage()));
    messages.add(e.toString());
    return e;
  }

  private List<RecordedRequest> tokenRequests() {
    return f.sandbox.requests(ProcoreSandbox.Host.LOGIN).stream()
        .filter(
            r -> r.path().startsWith("/oauth/token") && !r.path().startsWith("/oauth/token/info"))
        .toList();
  }

  // ---------------------------------------------------------------- authorization code

  @Test
  void outOfBandConsentEndToEnd() throws Exception {
    AuthorizationRequest request = f.procore.outOfBandConsent(f.broker, f.user);
    assertTrue(request.isOutOfBand());
    String code = f.readCodeFromPage(request.uri());
    TokenSet tokens = request.exchange(code);

    assertEquals(Duration.ofSeconds(5400), tokens.lifetime());
    assertEquals("Bearer", tokens.tokenType(), "lowercase bearer is normalised");
    assertEquals(f.clock.instant(), tokens.issuedAt(), "issued at local receipt");
    assertNotNull(tokens.refreshToken());
    RecordedRequest authorize = f.sandbox.requests(ProcoreSandbox.Host.LOGIN).get(0);
    assertEquals("/oauth/authorize", authorize.path());
    assertEquals("code", authorize.parameter("response_type"));
    assertEquals(SandboxFixture.APP_ID, authorize.parameter("client_id"));
    assertEquals("urn:ietf:wg:oauth:2.0:oob", authorize.parameter("redirect_uri"));
    assertEquals("S256", authorize.parameter("code_challenge_method"), "PKCE by default");
    assertNotNull(authorize.parameter("code_challenge"));
    RecordedRequest exchange = tokenRequests().get(0);
    assertEquals("authorization_code", exchange.parameter("grant_type"));
    assertEquals(
        SandboxFixture.APP_SECRET, exchange.parameter("client_secret"), "secret in the body");
    assertNull(exchange.header("Authorization"), "no HTTP Basic");
    assertEquals("urn:ietf:wg:oauth:2.0:oob", exchange.parameter("redirect_uri"));

    Me me = f.userClient().me();
    assertEquals(ProcoreSeed.USER_ID, me.id());
    GrantStatus status = f.broker.status(f.user);
    assertEquals("procore-sandbox", status.provider(), "the grant records the environment");
    assertTrue(status.refreshTokenPresent());
  }

  @Test
  void aCodeIsSingleUse() throws Exception {
    AuthorizationRequest request = f.procore.outOfBandConsent(f.broker, f.user);
    String code = f.readCodeFromPage(request.uri());
    request.exchange(code);
    InvalidGrantException e =
        record(assertThrows(InvalidGrantException.class, () -> request.exchange(code)));
    assertEquals("invalid_grant", e.oauthError().orElseThrow());
  }

  @Test
  void anExpiredCodeIsRefused() throws Exception {
    AuthorizationRequest request = f.procore.outOfBandConsent(f.broker, f.user);
    String code = f.readCodeFromPage(request.uri());
    f.clock.advance(Duration.ofMinutes(10).plusSeconds(1));
    record(assertThrows(InvalidGrantException.class, () -> request.exchange(code)));
  }

  @Test
  void loopbackConsentThroughTheBroker() throws Exception {
    try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
      f.sandbox.registerClient(
          SandboxFixture.APP_ID, SandboxFixture.APP_SECRET, receiver.redirectUri().toString());
      AuthorizationRequest request = f.broker.authorizationRequest(f.user, receiver.redirectUri());
      HttpResponse<String> redirect =
          f.browser.send(
              HttpRequest.newBuilder(request.uri()).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(302, redirect.statusCode());
      URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
      assertTrue(location.getQuery().contains("state=" + request.state()), "state is echoed");
      // The browser follows the redirect to the receiver, which holds it until it is judged.
      CompletableFuture<HttpResponse<String>> browser =
          f.browser.sendAsync(
              HttpRequest.newBuilder(location).build(), HttpResponse.BodyHandlers.ofString());
      URI callback = receiver.awaitCallback(request.state(), Duration.ofSeconds(10));
      TokenSet tokens = request.complete(callback);
      assertEquals(200, browser.get(10, TimeUnit.SECONDS).statusCode());
      assertNotNull(tokens.refreshToken());
      assertEquals(
          receiver.redirectUri().toString(), tokenRequests().get(0).parameter("redirect_uri"));
      assertEquals(ProcoreSeed.USER_ID, f.userClient().me().id());
    }
  }

  @Test
  void aCallbackWithAnotherStateIsRefused() throws Exception {
    f.sandbox.registerClient(
        SandboxFixture.APP_ID, SandboxFixture.APP_SECRET, "http://localhost/callback");
    AuthorizationRequest request =
        f.broker.authorizationRequest(f.user, URI.create("http://localhost/callback"));
    AuthorizationRequest other =
        f.broker.authorizationRequest(f.user, URI.create("http://localhost/callback"));
    HttpResponse<String> redirect =
        f.browser.send(
            HttpRequest.newBuilder(other.uri()).build(), HttpResponse.BodyHandlers.ofString());
    URI forged = URI.create(redirect.headers().firstValue("Location").orElseThrow());
    ConsentException e =
        record(assertThrows(ConsentException.class, () -> request.complete(forged)));
    assertEquals(ConsentException.Kind.STATE_MISMATCH, e.kind());
    assertEquals(0, f.sandbox.tokenRequestCount(), "no code was exchanged");
  }

  @Test
  void anUnregisteredRedirectGetsNoCode() throws Exception {
    AuthorizationRequest request =
        f.broker.authorizationRequest(f.user, URI.create("http://127.0.0.1:1/elsewhere"));
    HttpResponse<String> page =
        f.browser.send(
            HttpRequest.newBuilder(request.uri()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, page.statusCode());
    assertTrue(page.headers().firstValue("Location").isEmpty());
    assertTrue(f.sandbox.issuedAuthorizationCodes().isEmpty());
  }

  // ---------------------------------------------------------------- strict refresh

  @Test
  void manyThreadsOnAnExpiredTokenCauseExactlyOneRefresh() throws Exception {
    f.consent();
    ProcoreClient client = f.userClient();
    f.clock.advance(Duration.ofSeconds(5400 + 1));
    int threads = 32;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Me>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return client.me();
                }));
      }
      go.countDown();
      for (Future<Me> r : results) {
        assertEquals(ProcoreSeed.USER_ID, r.get(30, TimeUnit.SECONDS).id());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, f.sandbox.tokenRequestCount("refresh_token"), "one refresh, ever");
    assertEquals(0, f.sandbox.invalidGrantCount());
    // and the rotated refresh token works for the next expiry
    f.clock.advance(Duration.ofSeconds(5400 + 1));
    client.me();
    assertEquals(2, f.sandbox.tokenRequestCount("refresh_token"));
    assertEquals(0, f.sandbox.invalidGrantCount());
  }

  @Test
  void refreshSendsTheDocumentedParameters() throws Exception {
    f.consent();
    f.broker.forceRefresh(f.user);
    RecordedRequest refresh = tokenRequests().get(1);
    assertEquals("refresh_token", refresh.parameter("grant_type"));
    assertEquals(SandboxFixture.APP_ID, refresh.parameter("client_id"));
    assertEquals(SandboxFixture.APP_SECRET, refresh.parameter("client_secret"));
    assertEquals(f.sandbox.issuedRefreshTokens().get(0), refresh.parameter("refresh_token"));
  }

  @Test
  void aLostRefreshResponseEndsInAPersistedReauthorizationRequiredState() throws Exception {
    f.consent();
    ProcoreClient client = f.userClient();
    f.sandbox.enqueue(ProcoreFaults.dropTokenResponseAfterProcessing());
    f.clock.advance(Duration.ofSeconds(5400 + 1));

    InvalidGrantException e = record(assertThrows(InvalidGrantException.class, client::me));

    assertEquals(f.user, e.grantKey().orElseThrow());
    assertTrue(e.getMessage().contains("procore/sandbox/joe"), e.getMessage());
    assertTrue(e.getMessage().contains("re-authorization"), e.getMessage());
    assertTrue(e.getMessage().contains("tokenbroker login 'procore/sandbox/joe'"), e.getMessage());
    assertEquals(
        2, f.sandbox.tokenRequestCount("refresh_token"), "the retry presented the burned token");
    assertEquals(1, f.sandbox.invalidGrantCount());
    GrantStatus status = f.broker.status(f.user);
    assertTrue(status.reauthorizationRequired());
    assertTrue(status.stored(), "persisted, not deleted");
    assertTrue(f.store.load(f.user).isPresent());
    // A dead grant is not retried against Procore.
    int calls = f.sandbox.tokenRequestCount();
    record(assertThrows(InvalidGrantException.class, client::me));
    assertEquals(calls, f.sandbox.tokenRequestCount());
    // A new consent revives it.
    f.consent();
    assertFalse(f.broker.status(f.user).reauthorizationRequired());
    assertEquals(ProcoreSeed.USER_ID, client.me().id());
  }

  @Test
  void withoutRetriesALostResponseIsTransientFirstAndDeadOnTheNextTry() throws Exception {
    try (TokenBroker noRetry =
        TokenBroker.builder().clock(f.clock).retryPolicy(RetryPolicy.none()).build()) {
      GrantKey key = f.procore.grantKey("no-retry");
      f.procore.registerUser(noRetry, key, f.app);
      AuthorizationRequest request = f.procore.outOfBandConsent(noRetry, key);
      request.exchange(f.readCodeFromPage(request.uri()));
      f.sandbox.enqueue(ProcoreFaults.dropTokenResponseAfterProcessing());
      f.clock.advance(Duration.ofSeconds(5400 + 1));
      record(assertThrows(TransientTokenException.class, () -> noRetry.accessToken(key)));
      assertFalse(
          noRetry.status(key).reauthorizationRequired(), "a network failure alone proves nothing");
      f.clock.advance(Duration.ofMinutes(1)); // past the broker's back-off after a failure
      InvalidGrantException e =
          record(assertThrows(InvalidGrantException.class, () -> noRetry.accessToken(key)));
      assertTrue(e.getMessage().contains(key.value()));
      assertTrue(noRetry.status(key).reauthorizationRequired());
    }
  }

  // ---------------------------------------------------------------- client credentials

  @Test
  void serviceAccountsRenewByRunningTheGrantAgain() throws Exception {
    ProcoreClient client = f.serviceClient();
    assertTrue(client.isServiceAccount());
    client.company(ProcoreSeed.COMPANY_ID).me();
    TokenSet first = f.broker.tokens(f.serviceAccount);
    assertNull(first.refreshToken(), "client credentials have no refresh token");
    f.clock.advance(Duration.ofSeconds(5400 + 1));
    client.company(ProcoreSeed.COMPANY_ID).me();
    assertEquals(2, f.sandbox.tokenRequestCount("client_credentials"));
    assertEquals(0, f.sandbox.tokenRequestCount("refresh_token"));
    assertNotEquals(first.accessToken(), f.broker.tokens(f.serviceAccount).accessToken());
  }

  @Test
  void jsonTokenRequestsToTheApiHostWhenConfigured() throws Exception {
    try (SandboxFixture compat = new SandboxFixture(b -> b.oauthOnApiHost(true))) {
      Procore jsSdkStyle =
          compat.procore.withOAuthOnApiHost(true).withTokenParameters(ParameterPlacement.JSON_BODY);
      GrantKey key = jsSdkStyle.grantKey("json-dmsa");
      jsSdkStyle.registerServiceAccount(
          compat.broker,
          key,
          jsSdkStyle.registration(
              SandboxFixture.DMSA_ID, ClientSecret.of(SandboxFixture.DMSA_SECRET)));
      compat.broker.accessToken(key);
      RecordedRequest request = compat.sandbox.requests(ProcoreSandbox.Host.API).get(0);
      assertEquals("/oauth/token", request.path());
      assertEquals(RecordedRequest.BodyEncoding.JSON, request.bodyEncoding());
      assertEquals("client_credentials", request.parameter("grant_type"));
    }
  }

  @Test
  void httpBasicClientAuthenticationIsAnOption() throws Exception {
    Procore basic = f.procore.withClientAuthentication(ClientAuthentication.CLIENT_SECRET_BASIC);
    GrantKey key = basic.grantKey("basic-dmsa");
    basic.registerServiceAccount(
        f.broker,
        key,
        basic.registration(SandboxFixture.DMSA_ID, ClientSecret.of(SandboxFixture.DMSA_SECRET)));
    ClientConfigurationException refused =
        record(assertThrows(ClientConfigurationException.class, () -> f.broker.accessToken(key)));
    assertEquals("invalid_client", refused.oauthError().orElseThrow());
    try (SandboxFixture lenient = new SandboxFixture(b -> b.acceptBasicAuth(true))) {
      Procore lenientBasic =
          lenient.procore.withClientAuthentication(ClientAuthentication.CLIENT_SECRET_BASIC);
      lenientBasic.registerServiceAccount(
          lenient.broker,
          key,
          lenientBasic.registration(
              SandboxFixture.DMSA_ID, ClientSecret.of(SandboxFixture.DMSA_SECRET)));
      assertNotNull(lenient.broker.accessToken(key));
      lenient.assertNoSecretsIn(String.join("\n", messages));
    }
  }

  // ---------------------------------------------------------------- token info and revocation

  @Test
  void tokenInfoDescribesUserAndServiceTokens() throws Exception {
    f.consent();
    ProcoreOAuth oauth = f.procore.oauth(f.app);
    f.clock.advance(Duration.ofSeconds(100));
    TokenInfo info = oauth.tokenInfo(f.broker, f.user);
    assertEquals(ProcoreSeed.USER_ID, info.resourceOwnerId());
    assertEquals(5300, info.expiresInSeconds());
    assertEquals(SandboxFixture.APP_ID, info.application().uid());
    assertEquals(f.clock.instant().minusSeconds(100), info.createdAtInstant());
    assertTrue(info.scopes().isEmpty());
    TokenInfo service = f.procore.oauth(f.dmsa).tokenInfo(f.broker, f.serviceAccount);
    assertNull(service.resourceOwnerId());
    assertEquals(SandboxFixture.DMSA_ID, service.application().uid());
    ProcoreApiException bad =
        record(
            assertThrows(
                ProcoreApiException.class, () -> oauth.tokenInfo(AccessToken.of("not-a-token"))));
    assertEquals(401, bad.status().getAsInt());
    assertEquals(ProcoreApiException.Kind.UNAUTHORIZED, bad.kind());
  }

  @Test
  void revocationKillsBothTokens() throws Exception {
    f.consent();
    ProcoreClient client = f.userClient();
    TokenSet tokens = f.broker.tokens(f.user);
    f.procore.oauth(f.app).revoke(tokens.accessToken());
    assertFalse(f.sandbox.isAccessTokenValid(tokens.accessToken().revealValue()));
    assertFalse(f.sandbox.isRefreshTokenUsable(tokens.refreshToken().revealValue()));
    RecordedRequest revoke =
        f.sandbox.requests(ProcoreSandbox.Host.LOGIN).stream()
            .filter(r -> r.path().equals("/oauth/revoke"))
            .findFirst()
            .orElseThrow();
    assertEquals(SandboxFixture.APP_ID, revoke.parameter("client_id"));
    assertEquals(SandboxFixture.APP_SECRET, revoke.parameter("client_secret"));
    // The API answers 401, the broker's one refresh fails: the user must consent again.
    InvalidGrantException e = record(assertThrows(InvalidGrantException.class, client::me));
    assertTrue(e.getMessage().contains(f.user.value()));
  }

  @Test
  void revokeGrantRevokesAndForgets() throws Exception {
    f.consent();
    TokenSet tokens = f.broker.tokens(f.user);
    f.procore.oauth(f.app).revokeGrant(f.broker, f.user);
    assertFalse(f.sandbox.isRefreshTokenUsable(tokens.refreshToken().revealValue()));
    assertFalse(f.store.load(f.user).isPresent());
    record(assertThrows(UnknownGrantException.class, () -> f.broker.status(f.user)));
  }

  @Test
  void theBrokersOwnRevokeAlsoWorksWithProcore() throws Exception {
    f.consent();
    TokenSet tokens = f.broker.tokens(f.user);
    assertTrue(f.broker.revoke(f.user));
    assertFalse(f.sandbox.isAccessTokenValid(tokens.accessToken().revealValue()));
    assertFalse(f.sandbox.isRefreshTokenUsable(tokens.refreshToken().revealValue()));
  }

  @Test
  void theBrokersRevokeSendsTheAccessTokenAsProcoreDocuments() throws Exception {
    // Review of issue 15: TokenBroker.revoke sent the refresh token, ignoring the provider's
    // revocationToken (Procore revokes with the access token).
    f.consent();
    TokenSet tokens = f.broker.tokens(f.user);

    assertTrue(f.broker.revoke(f.user));

    RecordedRequest revoke =
        f.sandbox.requests(ProcoreSandbox.Host.LOGIN).stream()
            .filter(r -> r.path().equals("/oauth/revoke"))
            .reduce((first, second) -> second)
            .orElseThrow();
    // Compared without printing them: a failure message must not carry a token.
    String sent = revoke.parameter("token");
    assertTrue(tokens.accessToken().revealValue().equals(sent), "the access token was not sent");
    assertFalse(tokens.refreshToken().revealValue().equals(sent), "the refresh token was sent");
    assertFalse(f.sandbox.isRefreshTokenUsable(tokens.refreshToken().revealValue()));
    assertFalse(f.store.load(f.user).isPresent());
  }

  // ---------------------------------------------------------------- environments

  @Test
  void aProductionTokenIsRejectedByTheSandbox() throws Exception {
    try (SandboxFixture production = new SandboxFixture("production", b -> b)) {
      production.consent();
      AccessToken productionToken = production.broker.accessToken(production.user);
      ProcoreApiException e =
          record(
              assertThrows(
                  ProcoreApiException.class,
                  () -> f.procore.oauth(f.app).tokenInfo(productionToken)));
      assertEquals(401, e.status().getAsInt());
      HttpResponse<String> api =
          f.browser.send(
              HttpRequest.newBuilder(URI.create(f.sandbox.apiUrl() + "/rest/v1.0/me"))
                  .header("Authorization", "Bearer " + productionToken.revealValue())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, api.statusCode());
      // The typed client refuses to send a production grant to the sandbox at all.
      IllegalArgumentException wrongEnv =
          record(
              assertThrows(
                  IllegalArgumentException.class,
                  () -> ProcoreClient.create(f.procore, production.broker, production.user)));
      assertTrue(wrongEnv.getMessage().contains("procore-production"), wrongEnv.getMessage());
      assertEquals(ProcoreSeed.USER_ID, production.userClient().me().id());
      production.assertNoSecretsIn(String.join("\n", messages));
      assertTrue(
          new HashSet<>(production.sandbox.issuedAccessTokens())
              .contains(productionToken.revealValue()));
    }
  }
}
