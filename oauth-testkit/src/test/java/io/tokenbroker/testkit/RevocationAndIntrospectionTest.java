package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RevocationAndIntrospectionTest {
  private final Http http = new Http();
  private final FakeClock clock = FakeClock.create();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.builder()
          .clock(clock)
          .clientCredentialsRefreshToken(true)
          .start()
          .registerClient("app", "secret")
          .registerClient("other", "secret2");

  @AfterEach
  void close() {
    server.close();
  }

  private JsonNode grant() throws Exception {
    return http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "scope", "read"),
            "Authorization",
            basic("app", "secret"))
        .json();
  }

  private Http.Response revoke(String id, String secret, String... params) throws Exception {
    return http.postForm(
        server.revocationEndpoint(), params(params), "Authorization", basic(id, secret));
  }

  private Http.Response introspect(String id, String secret, String token) throws Exception {
    return http.postForm(
        server.introspectionEndpoint(), params("token", token), "Authorization", basic(id, secret));
  }

  @Test
  void revokingAnAccessTokenKillsOnlyThatToken() throws Exception {
    JsonNode g = grant();
    String access = g.get("access_token").asText();
    String refresh = g.get("refresh_token").asText();
    Http.Response r = revoke("app", "secret", "token", access, "token_type_hint", "access_token");
    assertEquals(200, r.status());
    assertEquals("", r.body());

    assertFalse(server.introspect(access).active());
    assertTrue(server.isGrantAlive(refresh));
    assertEquals(200, http.refresh(server, "app", "secret", refresh).status());
  }

  @Test
  void revokingARefreshTokenKillsTheGrant() throws Exception {
    JsonNode g = grant();
    String access = g.get("access_token").asText();
    String refresh = g.get("refresh_token").asText();
    // A wrong hint does not prevent revocation (RFC 7009 §2.1).
    assertEquals(
        200, revoke("app", "secret", "token", refresh, "token_type_hint", "access_token").status());

    assertFalse(server.isGrantAlive(refresh));
    assertFalse(server.introspect(access).active());
    assertEquals("invalid_grant", http.refresh(server, "app", "secret", refresh).error());
  }

  @Test
  void unknownTokensAndOtherClientsTokensAnswer200WithoutEffect() throws Exception {
    assertEquals(200, revoke("app", "secret", "token", "never-issued").status());
    String refresh = grant().get("refresh_token").asText();
    assertEquals(200, revoke("other", "secret2", "token", refresh).status());
    assertTrue(server.isGrantAlive(refresh));
  }

  @Test
  void revocationRequiresClientAuthenticationAndAToken() throws Exception {
    Http.Response unauthenticated =
        http.postForm(server.revocationEndpoint(), params("token", "x"));
    assertEquals(401, unauthenticated.status());
    assertEquals("invalid_client", unauthenticated.error());
    assertEquals("invalid_request", revoke("app", "secret").error());
  }

  @Test
  void introspectionReportsActiveTokensWithDetails() throws Exception {
    JsonNode g = grant();
    JsonNode json = introspect("app", "secret", g.get("access_token").asText()).json();
    assertTrue(json.get("active").asBoolean());
    assertEquals("app", json.get("client_id").asText());
    assertEquals("read", json.get("scope").asText());
    assertEquals("Bearer", json.get("token_type").asText());
    assertEquals(clock.instant().getEpochSecond(), json.get("iat").asLong());
    assertEquals(clock.instant().getEpochSecond() + 3600, json.get("exp").asLong());

    JsonNode refresh = introspect("app", "secret", g.get("refresh_token").asText()).json();
    assertTrue(refresh.get("active").asBoolean());
    assertFalse(refresh.has("exp"));
  }

  @Test
  void introspectionOfInactiveUnknownOrForeignTokensIsBareInactive() throws Exception {
    JsonNode g = grant();
    String access = g.get("access_token").asText();
    assertEquals("{\"active\":false}", introspect("app", "secret", "nope").body());
    assertEquals("{\"active\":false}", introspect("other", "secret2", access).body());
    clock.advance(Duration.ofHours(1));
    assertEquals("{\"active\":false}", introspect("app", "secret", access).body());
    assertEquals(401, introspect("app", "wrong", access).status());
  }

  @Test
  void programmaticIntrospectionAndRevocation() throws Exception {
    FakeAuthorizationServer.TokenInfo unknown = server.introspect("nope");
    assertFalse(unknown.active());
    assertNull(unknown.kind());
    assertFalse(server.isGrantAlive("nope"));
    assertFalse(server.revoke("nope"));

    JsonNode g = grant();
    String refresh = g.get("refresh_token").asText();
    FakeAuthorizationServer.TokenInfo info = server.introspect(refresh);
    assertEquals(FakeAuthorizationServer.TokenKind.REFRESH_TOKEN, info.kind());
    assertEquals("read", info.scope());
    assertTrue(server.revoke(refresh));
    assertFalse(server.isGrantAlive(g.get("access_token").asText()));
    assertFalse(info.toString().contains(refresh));
  }
}
