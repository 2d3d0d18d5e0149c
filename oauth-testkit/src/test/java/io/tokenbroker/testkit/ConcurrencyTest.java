package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
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

  private HttpRequest request(String form) {
    return HttpRequest.newBuilder(server.tokenEndpoint())
        .header("Authorization", basic("app", "secret"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form))
        .build();
  }

  @Test
  void thousandConcurrentTokenRequests() throws Exception {
    int n = 1000;
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(
          http.client.sendAsync(
              request("grant_type=client_credentials"), HttpResponse.BodyHandlers.ofString()));
    }
    Set<String> tokens = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : futures) {
      HttpResponse<String> r = f.join();
      assertEquals(200, r.statusCode(), r.body());
      tokens.add(Http.JSON.readTree(r.body()).get("access_token").asText());
    }
    assertEquals(n, tokens.size(), "every token is unique");
    assertEquals(n, server.tokenRequestCount());
    assertEquals(n, server.tokenRequestCount("client_credentials"));
    assertEquals(n, server.requestCount());
    assertEquals(n, server.requests().size());
    assertEquals(tokens, new HashSet<>(server.issuedAccessTokens()));
  }

  @Test
  void aRotatingRefreshTokenIsRedeemedExactlyOnceUnderARace() throws Exception {
    String refreshToken =
        http.clientCredentials(server, "app", "secret").json().get("refresh_token").asText();
    int n = 50;
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(
          http.client.sendAsync(
              request(
                  Http.form(params("grant_type", "refresh_token", "refresh_token", refreshToken))),
              HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int invalidGrant = 0;
    for (CompletableFuture<HttpResponse<String>> f : futures) {
      HttpResponse<String> r = f.join();
      if (r.statusCode() == 200) {
        ok++;
      } else if (r.body().contains("\"invalid_grant\"")) {
        invalidGrant++;
      }
    }
    assertEquals(1, ok);
    assertEquals(n - 1, invalidGrant);
    assertEquals(n - 1, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }
}
