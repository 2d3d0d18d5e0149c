package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultTest {
  private static final String REDIRECT = "http://127.0.0.1:9/cb";

  private final Http http = new Http();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.builder()
          .clientCredentialsRefreshToken(true)
          .start()
          .registerClient("app", "secret");

  @AfterEach
  void close() {
    server.close();
  }

  private Http.Response token() throws Exception {
    return http.clientCredentials(server, "app", "secret");
  }

  @Test
  void statusWithRetryAfterSecondsAndNoGrantProcessing() throws Exception {
    server.enqueue(Fault.status(503).withRetryAfter("2"));
    Http.Response r = token();
    assertEquals(503, r.status());
    assertEquals("2", r.header("Retry-After"));
    assertEquals("", r.body());
    assertTrue(server.issuedAccessTokens().isEmpty(), "a canned response does not issue tokens");
    assertEquals(1, server.tokenRequestCount());

    assertEquals(200, token().status(), "faults are one-shot");
  }

  @Test
  void retryAfterIsSentVerbatimSoAnHttpDateWorks() throws Exception {
    server.enqueue(Fault.status(429).withRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"));
    assertEquals("Wed, 21 Oct 2015 07:28:00 GMT", token().header("Retry-After"));
  }

  @Test
  void faultsQueueFirstInFirstOutAndOnlyHitTokenAndRefreshEndpoints() throws Exception {
    server.enqueue(Fault.status(500));
    server.enqueue(Fault.status(502));
    server.enqueue(Fault.json(400, "{\"error\":\"invalid_request\",\"extra\":1}"));

    // Other endpoints do not take faults.
    Http.Response introspection =
        http.postForm(
            server.introspectionEndpoint(),
            params("token", "x"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(200, introspection.status());

    assertEquals(500, token().status());
    Http.Response viaRefresh =
        http.postForm(
            server.refreshEndpoint(),
            params("refresh_token", "x"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(502, viaRefresh.status());
    Http.Response custom = token();
    assertEquals(400, custom.status());
    assertEquals(1, custom.json().get("extra").asInt());
    assertTrue(custom.header("Content-Type").startsWith("application/json"));
    assertEquals(200, token().status());
  }

  @Test
  void anyStatusBodyAndContentTypeWithExtraHeaders() throws Exception {
    server.enqueue(
        Fault.response(429, "text/plain", "slow down")
            .withHeader("X-Rate-Limit-Reset", "1700000000"));
    Http.Response r = token();
    assertEquals(429, r.status());
    assertEquals("slow down", r.body());
    assertTrue(r.header("Content-Type").startsWith("text/plain"));
    assertEquals("1700000000", r.header("X-Rate-Limit-Reset"));
  }

  @Test
  void htmlErrorPage() throws Exception {
    server.enqueue(Fault.html(502));
    Http.Response r = token();
    assertEquals(502, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/html"));
    assertTrue(r.body().contains("<html>") && r.body().contains("502 Bad Gateway"), r.body());
  }

  @Test
  void malformedJson() throws Exception {
    server.enqueue(Fault.malformedJson());
    Http.Response r = token();
    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("application/json"));
    assertThrows(JsonProcessingException.class, () -> Http.JSON.readTree(r.body()));
  }

  @Test
  void oversizedBodyIsExactlyThatLargeAndValidJson() throws Exception {
    int size = 2 * 1024 * 1024;
    server.enqueue(Fault.oversizedBody(size));
    HttpResponse<byte[]> r =
        http.client.send(
            HttpRequest.newBuilder(server.tokenEndpoint())
                .header("Authorization", basic("app", "secret"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    assertEquals(size, r.body().length);
    assertEquals(String.valueOf(size), r.headers().firstValue("Content-Length").orElseThrow());
    JsonNode json = Http.JSON.readTree(r.body());
    assertEquals("Bearer", json.get("token_type").asText());
  }

  @Test
  void delayThenProceedNormally() throws Exception {
    server.enqueue(Fault.delay(Duration.ofMillis(50)));
    Http.Response r = token();
    assertEquals(200, r.status());
    assertEquals(1, server.issuedAccessTokens().size());
  }

  @Test
  void delayLongerThanTheClientTimeout() throws Exception {
    server.enqueue(Fault.status(503).withDelay(Duration.ofSeconds(30)));
    HttpRequest request =
        HttpRequest.newBuilder(server.tokenEndpoint())
            .timeout(Duration.ofMillis(200))
            .header("Authorization", basic("app", "secret"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
            .build();
    assertThrows(HttpTimeoutException.class, () -> http.send(request));
    // close() in @AfterEach abandons the sleeping request.
  }

  @Test
  void dropConnectionAfterRefreshBurnsTheRefreshToken() throws Exception {
    String original = token().json().get("refresh_token").asText();
    server.enqueue(Fault.dropConnectionAfterGrant());

    assertThrows(IOException.class, () -> http.refresh(server, "app", "secret", original));

    // The server rotated: the token the client still holds is dead, the lost one is live.
    assertEquals("invalid_grant", http.refresh(server, "app", "secret", original).error());
    String lost = server.lastRefreshToken();
    assertEquals(2, server.issuedRefreshTokens().size());
    assertTrue(server.introspect(lost).active());
    assertEquals(200, http.refresh(server, "app", "secret", lost).status());
  }

  @Test
  void dropConnectionAfterCodeRedemptionConsumesTheCode() throws Exception {
    server.registerClient("web", "pw", REDIRECT);
    Http.Response authorize =
        http.get(
            URI.create(
                server.authorizationEndpoint()
                    + "?response_type=code&client_id=web&redirect_uri="
                    + URLEncoder.encode(REDIRECT, UTF_8)));
    String code = Http.query(URI.create(authorize.header("Location"))).get("code");
    server.enqueue(Fault.dropConnectionAfterGrant());
    Map<String, String> redeem =
        params("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT);

    assertThrows(
        IOException.class,
        () -> http.postForm(server.tokenEndpoint(), redeem, "Authorization", basic("web", "pw")));

    Http.Response again =
        http.postForm(server.tokenEndpoint(), redeem, "Authorization", basic("web", "pw"));
    assertEquals("invalid_grant", again.error());
  }

  @Test
  void successMissingFieldsStillProcessesTheGrant() throws Exception {
    String original = token().json().get("refresh_token").asText();
    server.enqueue(Fault.successMissing("token_type", "expires_in"));
    Http.Response r = http.refresh(server, "app", "secret", original);
    assertEquals(200, r.status());
    JsonNode json = r.json();
    assertFalse(json.has("token_type"));
    assertFalse(json.has("expires_in"));
    assertEquals(server.lastAccessToken(), json.get("access_token").asText());
    assertEquals("no-store", r.header("Cache-Control"));
    assertFalse(server.introspect(original).active(), "the refresh token was consumed");

    server.enqueue(Fault.successMissing("access_token"));
    assertFalse(token().json().has("access_token"));
  }

  @Test
  void successWithOverridesAField() throws Exception {
    server.enqueue(Fault.successWith("expires_in", "3600"));
    server.enqueue(Fault.successWith("token_type", "bearer"));
    server.enqueue(Fault.successWith("refresh_token", null));
    assertTrue(token().json().get("expires_in").isTextual());
    assertEquals("bearer", token().json().get("token_type").asText());
    assertTrue(token().json().get("refresh_token").isNull());
  }

  @Test
  void successFaultsPassErrorsThrough() throws Exception {
    server.enqueue(Fault.successMissing("token_type"));
    Http.Response r = http.clientCredentials(server, "app", "wrong");
    assertEquals(401, r.status());
    assertEquals("invalid_client", r.error());
  }

  @Test
  void dispatcherAnswersAnyEndpointAndNullFallsThrough() throws Exception {
    server.setDispatcher(
        request -> {
          if (request.path().equals("/authorize")) {
            return Fault.html(503);
          }
          if ("boom".equals(request.parameter("scope"))) {
            throw new IllegalStateException("dispatcher bug");
          }
          return null;
        });
    assertEquals(503, http.get(server.authorizationEndpoint()).status());
    assertEquals(200, token().status());
    Http.Response boom =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "scope", "boom"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(500, boom.status());
    assertEquals("server_error", boom.error());

    server.setDispatcher(null);
    assertEquals(400, http.get(server.authorizationEndpoint()).status());
  }

  @Test
  void enqueuedFaultWinsOverTheDispatcher() throws Exception {
    server.setDispatcher(request -> Fault.status(418));
    server.enqueue(Fault.status(503));
    assertEquals(503, token().status());
    assertEquals(418, token().status());
  }

  @Test
  void faultsCanBeScriptedConcurrentlyWithTraffic() throws Exception {
    // A delayed request holds a server thread; others are still served meanwhile.
    server.enqueue(Fault.delay(Duration.ofSeconds(30)));
    CountDownLatch started = new CountDownLatch(1);
    Thread slow =
        new Thread(
            () -> {
              started.countDown();
              try {
                token();
              } catch (Exception expected) {
                // closed by the server at the end of the test
              }
            });
    slow.start();
    assertTrue(started.await(10, TimeUnit.SECONDS));
    RecordedRequest first = server.takeRequest();
    assertEquals("/token", first.path());
    assertEquals(200, token().status());
    server.close();
    slow.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(slow.isAlive());
  }

  @Test
  void faultValidationAndToStringShowNoBody() {
    assertThrows(IllegalArgumentException.class, () -> Fault.status(99));
    assertThrows(IllegalArgumentException.class, () -> Fault.oversizedBody(-1));
    assertThrows(IllegalArgumentException.class, () -> Fault.delay(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> Fault.successWith("x", new Object()));
    String s = Fault.json(400, "{\"error\":\"secret-body\"}").withRetryAfter("1").toString();
    assertFalse(s.contains("secret-body"), s);
    assertTrue(s.contains("Retry-After"), s);
  }
}
