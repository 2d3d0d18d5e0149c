package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientCredentialsGrantTest {
  private final Http http = new Http();
  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server =
      FakeAuthorizationServer.builder().clock(clock).start().registerClient("app", "secret");

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void addressesAreLoopbackWithFixedPaths() {
    assertEquals("http://127.0.0.1:" + server.port() + "/", server.baseUri().toString());
    assertEquals("/token", server.tokenEndpoint().getPath());
    assertEquals("/refresh", server.refreshEndpoint().getPath());
    assertEquals("/authorize", server.authorizationEndpoint().getPath());
    assertEquals("/revoke", server.revocationEndpoint().getPath());
    assertEquals("/introspect", server.introspectionEndpoint().getPath());
    assertEquals(server.port(), server.tokenEndpoint().getPort());
  }

  @Test
  void issuesBearerTokenWithoutRefreshTokenByDefault() throws Exception {
    Http.Response r = http.clientCredentials(server, "app", "secret");

    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("application/json"));
    assertEquals("no-store", r.header("Cache-Control"));
    JsonNode json = r.json();
    assertEquals("Bearer", json.get("token_type").asText());
    assertEquals(3600, json.get("expires_in").asLong());
    assertFalse(json.has("refresh_token"));
    assertFalse(json.has("scope"));
    assertEquals(List.of(json.get("access_token").asText()), server.issuedAccessTokens());
    assertEquals(json.get("access_token").asText(), server.lastAccessToken());
    assertTrue(server.issuedRefreshTokens().isEmpty());
    assertNull(server.lastRefreshToken());
    assertEquals(1, server.tokenRequestCount());
    assertEquals(1, server.tokenRequestCount("client_credentials"));
    assertEquals(0, server.tokenRequestCount("refresh_token"));
  }

  @Test
  void echoesRequestedScopeAndHonoursLifetimeAndRefreshOption() throws Exception {
    server.close();
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .accessTokenLifetime(Duration.ofMinutes(5))
            .clientCredentialsRefreshToken(true)
            .start()
            .registerClient("app", "secret");

    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "scope", "read write"),
            "Authorization",
            basic("app", "secret"));

    JsonNode json = r.json();
    assertEquals(300, json.get("expires_in").asLong());
    assertEquals("read write", json.get("scope").asText());
    assertEquals(server.lastRefreshToken(), json.get("refresh_token").asText());

    server.setClientCredentialsRefreshToken(false);
    assertFalse(http.clientCredentials(server, "app", "secret").json().has("refresh_token"));
  }

  @Test
  void tokensAreUniqueAndExpireByTheInjectedClock() throws Exception {
    String first = http.clientCredentials(server, "app", "secret").json().get("access_token").asText();
    String second = http.clientCredentials(server, "app", "secret").json().get("access_token").asText();
    assertNotEquals(first, second);
    assertTrue(first.length() >= 32);

    FakeAuthorizationServer.TokenInfo info = server.introspect(first);
    assertTrue(info.active());
    assertEquals(FakeAuthorizationServer.TokenKind.ACCESS_TOKEN, info.kind());
    assertEquals("app", info.clientId());
    assertEquals(clock.instant().plusSeconds(3600), info.expiresAt());

    clock.advance(Duration.ofSeconds(3599));
    assertTrue(server.introspect(first).active());
    clock.advance(Duration.ofSeconds(1));
    assertFalse(server.introspect(first).active());
    assertTrue(server.isGrantAlive(first), "expiry is not revocation");
  }

  @Test
  void publicClientIsNotAllowedClientCredentials() throws Exception {
    server.registerPublicClient("spa");
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(), params("grant_type", "client_credentials", "client_id", "spa"));
    assertEquals(400, r.status());
    assertEquals("unauthorized_client", r.error());
  }

  @Test
  void unknownOrMissingGrantTypeIsRejected() throws Exception {
    Http.Response unknown =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "password", "username", "u", "password", "p"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(400, unknown.status());
    assertEquals("unsupported_grant_type", unknown.error());
    assertTrue(unknown.json().has("error_description"));

    Http.Response missing =
        http.postForm(server.tokenEndpoint(), params(), "Authorization", basic("app", "secret"));
    assertEquals(400, missing.status());
    assertEquals("invalid_request", missing.error());
    assertEquals(2, server.tokenRequestCount());
    assertEquals(1, server.tokenRequestCount("password"));
  }

  @Test
  void tokenEndpointOnlyAcceptsPostAndUnknownPathsAre404() throws Exception {
    Http.Response get = http.get(server.tokenEndpoint());
    assertEquals(405, get.status());
    assertEquals("POST", get.header("Allow"));
    assertEquals(404, http.get(server.baseUri().resolve("nope")).status());
  }

  @Test
  void closeStopsListening() throws Exception {
    server.close();
    server.close(); // idempotent
    assertThrows(ConnectException.class, () -> http.clientCredentials(server, "app", "secret"));
  }
}
