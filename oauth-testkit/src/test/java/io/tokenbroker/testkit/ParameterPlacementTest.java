package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParameterPlacementTest {
  private final Http http = new Http();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.start().registerClient("app", "secret");

  @AfterEach
  void close() {
    server.close();
  }

  private URI tokenWithQuery(String query) {
    return URI.create(server.tokenEndpoint() + "?" + query);
  }

  @Test
  void parametersInTheQueryStringOfAPostWithoutBody() throws Exception {
    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.QUERY_STRING);
    Http.Response r =
        http.send(
            HttpRequest.newBuilder(tokenWithQuery("grant_type=client_credentials&scope=a%20b"))
                .header("Authorization", basic("app", "secret"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertEquals(200, r.status(), r.body());
    assertEquals("a b", r.json().get("scope").asText());
  }

  @Test
  void queryAndFormBodyAreNeverMerged() throws Exception {
    Http.Response split =
        http.postForm(
            tokenWithQuery("grant_type=client_credentials"),
            params("client_id", "app", "client_secret", "secret", "scope", "x"));
    assertEquals(400, split.status(), split.body());
    assertEquals("invalid_request", split.error());

    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.QUERY_STRING);
    Http.Response splitTheOtherWay =
        http.postForm(
            tokenWithQuery("grant_type=client_credentials"),
            params("client_id", "app", "client_secret", "secret", "scope", "x"));
    assertEquals(400, splitTheOtherWay.status(), splitTheOtherWay.body());
    assertEquals("invalid_request", splitTheOtherWay.error());
    assertEquals(0, server.issuedAccessTokens().size());
  }

  @Test
  void jsonObjectBody() throws Exception {
    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.JSON_BODY);
    Http.Response form = http.clientCredentials(server, "app", "secret");
    assertEquals(400, form.status(), "a form is not what this server reads");
    assertEquals("invalid_request", form.error());
    Http.Response r =
        http.send(
            HttpRequest.newBuilder(server.tokenEndpoint())
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"grant_type\":\"client_credentials\",\"client_id\":\"app\","
                            + "\"client_secret\":\"secret\",\"scope\":\"j\"}"))
                .build());
    assertEquals(200, r.status(), r.body());
    assertEquals("j", r.json().get("scope").asText());
  }

  @Test
  void malformedJsonBodyIsInvalidRequest() throws Exception {
    Http.Response r =
        http.send(
            HttpRequest.newBuilder(server.tokenEndpoint())
                .header("Content-Type", "application/json")
                .header("Authorization", basic("app", "secret"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"grant_type\":"))
                .build());
    assertEquals(400, r.status());
    assertEquals("invalid_request", r.error());
  }

  @Test
  void conflictingRepeatedParameterIsInvalidRequest() throws Exception {
    Http.Response r =
        http.postForm(
            tokenWithQuery("grant_type=authorization_code"),
            params("grant_type", "client_credentials"),
            "Authorization",
            basic("app", "secret"));
    assertEquals(400, r.status());
    assertEquals("invalid_request", r.error());
    assertTrue(r.json().get("error_description").asText().contains("grant_type"));
  }

  @Test
  void bodyOfAnotherContentTypeCarriesNoParameters() throws Exception {
    Http.Response r =
        http.send(
            HttpRequest.newBuilder(server.tokenEndpoint())
                .header("Content-Type", "text/plain")
                .header("Authorization", basic("app", "secret"))
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build());
    assertEquals(400, r.status());
    assertEquals("invalid_request", r.error());
  }
}
