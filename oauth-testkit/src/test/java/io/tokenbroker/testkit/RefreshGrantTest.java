package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RefreshGrantTest {
  private final Http http = new Http();
  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server = start(FakeAuthorizationServer.builder());

  private FakeAuthorizationServer start(FakeAuthorizationServer.Builder builder) {
    return builder
        .clock(clock)
        .clientCredentialsRefreshToken(true)
        .start()
        .registerClient("app", "secret")
        .registerClient("other", "secret2");
  }

  @AfterEach
  void close() {
    server.close();
  }

  /** A grant with scope "a b"; returns its token response. */
  private JsonNode grant() throws Exception {
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "scope", "a b"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private Http.Response refresh(String refreshToken) throws Exception {
    return http.refresh(server, "app", "secret", refreshToken);
  }

  private static String rt(JsonNode json) {
    return json.get("refresh_token").asText();
  }

  private static String at(JsonNode json) {
    return json.get("access_token").asText();
  }

  @Test
  void offKeepsTheSameRefreshTokenAndSendsNoNewOne() throws Exception {
    server.setRefreshRotation(RefreshRotation.OFF);
    String refreshToken = rt(grant());
    for (int i = 0; i < 3; i++) {
      Http.Response r = refresh(refreshToken);
      assertEquals(200, r.status(), r.body());
      assertFalse(r.json().has("refresh_token"));
      assertEquals("a b", r.json().get("scope").asText());
    }
    assertEquals(1, server.issuedRefreshTokens().size());
    assertEquals(4, server.issuedAccessTokens().size());
    assertTrue(server.introspect(refreshToken).active());
  }

  @Test
  void rotateIssuesANewRefreshTokenAndInvalidatesTheOld() throws Exception {
    assertEquals(RefreshRotation.ROTATE, server.refreshRotation(), "default");
    String old = rt(grant());
    Http.Response r = refresh(old);
    assertEquals(200, r.status());
    String fresh = rt(r.json());
    assertNotEquals(old, fresh);
    assertEquals(fresh, server.lastRefreshToken());

    Http.Response reuse = refresh(old);
    assertEquals(400, reuse.status());
    assertEquals("invalid_grant", reuse.error());
    assertFalse(server.introspect(old).active());
    // The grant survives a plain reuse in ROTATE mode.
    assertTrue(server.isGrantAlive(fresh));
    assertEquals(200, refresh(fresh).status());
    assertEquals(1, server.invalidGrantCount());
  }

  @Test
  void strictReuseRevokesTheWholeGrant() throws Exception {
    server.setRefreshRotation(RefreshRotation.STRICT);
    JsonNode first = grant();
    JsonNode second = refresh(rt(first)).json();
    String liveAccess = at(second);
    String liveRefresh = rt(second);
    assertTrue(server.introspect(liveAccess).active());

    Http.Response theft = refresh(rt(first));
    assertEquals("invalid_grant", theft.error());

    assertFalse(server.isGrantAlive(liveRefresh));
    assertFalse(server.isGrantAlive(rt(first)));
    assertFalse(server.introspect(liveAccess).active());
    assertFalse(server.introspect(at(first)).active());
    Http.Response later = refresh(liveRefresh);
    assertEquals("invalid_grant", later.error());
    assertEquals(2, server.invalidGrantCount());

    // Other grants of the same client are untouched.
    JsonNode unrelated = grant();
    assertEquals(200, refresh(rt(unrelated)).status());
  }

  @Test
  void refreshEndpointTreatsMissingGrantTypeAsRefresh() throws Exception {
    String refreshToken = rt(grant());
    Http.Response r =
        http.postForm(
            server.refreshEndpoint(),
            params("refresh_token", refreshToken),
            "Authorization",
            basic("app", "secret"));
    assertEquals(200, r.status(), r.body());
    assertEquals(1, server.tokenRequestCount("refresh_token"));

    // The token endpoint does not.
    Http.Response atToken =
        http.postForm(
            server.tokenEndpoint(),
            params("refresh_token", rt(r.json())),
            "Authorization",
            basic("app", "secret"));
    assertEquals("invalid_request", atToken.error());

    // With grant_type, /refresh behaves like /token.
    Http.Response explicit =
        http.postForm(
            server.refreshEndpoint(),
            params("grant_type", "client_credentials"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(200, explicit.status());
    assertEquals(4, server.tokenRequestCount());
    assertEquals(2, server.tokenRequestCount("client_credentials"));
  }

  @Test
  void refreshTokenOfAnotherClientOrUnknownIsInvalidGrant() throws Exception {
    String refreshToken = rt(grant());
    assertEquals("invalid_grant", http.refresh(server, "other", "secret2", refreshToken).error());
    assertEquals("invalid_grant", refresh("unknown").error());
    assertEquals(
        "invalid_request",
        http.postForm(
                server.tokenEndpoint(),
                params("grant_type", "refresh_token"),
                "Authorization",
                basic("app", "secret"))
            .error());
    assertEquals(200, refresh(refreshToken).status(), "failed attempts do not burn the token");
  }

  @Test
  void scopeMayNarrowButNotWiden() throws Exception {
    String refreshToken = rt(grant());
    Http.Response narrowed =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "refresh_token", "refresh_token", refreshToken, "scope", "a"),
            "Authorization",
            basic("app", "secret"));
    assertEquals("a", narrowed.json().get("scope").asText());
    Http.Response widened =
        http.postForm(
            server.tokenEndpoint(),
            params(
                "grant_type",
                "refresh_token",
                "refresh_token",
                rt(narrowed.json()),
                "scope",
                "a c"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(400, widened.status());
    assertEquals("invalid_scope", widened.error());
  }

  @Test
  void refreshRequiresClientAuthenticationUnlessAnonymousRefreshIsOn() throws Exception {
    String refreshToken = rt(grant());
    HttpRequest anonymous =
        HttpRequest.newBuilder(server.refreshEndpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("refresh_token=" + refreshToken))
            .build();
    assertEquals(401, http.send(anonymous).status());

    server.close();
    server = start(FakeAuthorizationServer.builder().anonymousRefresh(true));
    String token = rt(grant());
    HttpRequest anonymous2 =
        HttpRequest.newBuilder(server.refreshEndpoint())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("refresh_token=" + token))
            .build();
    Http.Response ok = http.send(anonymous2);
    assertEquals(200, ok.status(), ok.body());
    // Wrong credentials are still wrong.
    assertEquals(401, http.refresh(server, "app", "bad", rt(ok.json())).status());
  }

  @Test
  void refreshTokenLifetimeIsEnforcedByTheClock() throws Exception {
    server.close();
    server = start(FakeAuthorizationServer.builder().refreshTokenLifetime(Duration.ofDays(30)));
    String refreshToken = rt(grant());
    assertEquals(
        clock.instant().plus(Duration.ofDays(30)), server.introspect(refreshToken).expiresAt());
    clock.advance(Duration.ofDays(30));
    assertEquals("invalid_grant", refresh(refreshToken).error());
  }

  @Test
  void accessTokenLifetimeRestartsOnRefresh() throws Exception {
    JsonNode first = grant();
    clock.advance(Duration.ofHours(2));
    assertFalse(server.introspect(at(first)).active());
    JsonNode second = refresh(rt(first)).json();
    assertEquals(clock.instant().plusSeconds(3600), server.introspect(at(second)).expiresAt());
    assertTrue(server.introspect(at(second)).active());
  }
}
