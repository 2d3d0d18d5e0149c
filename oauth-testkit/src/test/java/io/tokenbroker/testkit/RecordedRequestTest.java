package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordedRequestTest {
  private final Http http = new Http();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.start().registerClient("app", "top-secret");

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void recordsMethodPathQueryHeadersBodyAndParameters() throws Exception {
    String body = "client_secret=top-secret&scope=a+b&client_id=app";
    http.send(
        HttpRequest.newBuilder(
                URI.create(server.tokenEndpoint() + "?grant_type=client_credentials&x=%2F"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Trace", "one")
            .header("X-Trace", "two")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());

    RecordedRequest r = server.takeRequest();
    assertEquals(1, r.sequenceNumber());
    assertEquals("POST", r.method());
    assertEquals("/token", r.path());
    assertEquals("grant_type=client_credentials&x=%2F", r.query());
    assertEquals(Map.of("grant_type", "client_credentials", "x", "/"), r.queryParameters());
    assertEquals("one", r.header("x-trace"));
    assertEquals(List.of("one", "two"), r.headers("X-TRACE"));
    assertTrue(r.headers().containsKey("content-type"));
    assertNull(r.header("Authorization"));
    assertArrayEquals(body.getBytes(UTF_8), r.body());
    assertEquals(body, r.bodyUtf8());
    assertEquals("a b", r.parameter("scope"));
    assertEquals("client_credentials", r.parameter("grant_type"));
    assertEquals(
        List.of("grant_type", "x", "client_secret", "scope", "client_id"),
        List.copyOf(r.parameters().keySet()));

    String s = r.toString();
    assertEquals("RecordedRequest[#1 POST /token]", s);
    assertFalse(s.contains("top-secret"));
  }

  @Test
  void jsonBodyParametersAreRecorded() throws Exception {
    http.send(
        HttpRequest.newBuilder(server.tokenEndpoint())
            .header("Content-Type", "application/json")
            .header("Authorization", basic("app", "top-secret"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"grant_type\":\"client_credentials\",\"n\":5,\"o\":{\"k\":1}}"))
            .build());
    RecordedRequest r = server.takeRequest();
    assertEquals("client_credentials", r.parameter("grant_type"));
    assertEquals("5", r.parameter("n"));
    assertEquals("{\"k\":1}", r.parameter("o"));
    assertTrue(r.header("authorization").startsWith("Basic "));
  }

  @Test
  void takeRequestConsumesInOrderWhileRequestsKeepsEverything() throws Exception {
    http.get(server.authorizationEndpoint());
    http.clientCredentials(server, "app", "top-secret");
    http.postForm(server.revocationEndpoint(), Http.params("token", "t"));

    assertEquals(3, server.requestCount());
    assertEquals("/authorize", server.takeRequest().path());
    assertEquals("/token", server.takeRequest().path());
    RecordedRequest third = server.takeRequest(Duration.ofSeconds(5));
    assertEquals("/revoke", third.path());
    assertEquals(3, third.sequenceNumber());
    assertNull(server.takeRequest(Duration.ofMillis(10)));

    List<RecordedRequest> all = server.requests();
    assertEquals(3, all.size());
    assertEquals("GET", all.get(0).method());
    assertThrows(UnsupportedOperationException.class, () -> all.add(third));
  }

  @Test
  void takeRequestWithoutTrafficFailsAfterItsTimeout() throws Exception {
    assertNull(server.takeRequest(Duration.ZERO));
    assertEquals(0, server.requests().size());
  }

  @Test
  void bodyIsACopy() throws Exception {
    http.postForm(server.revocationEndpoint(), Http.params("token", "t"));
    RecordedRequest r = server.takeRequest();
    r.body()[0] = 'X';
    assertEquals("token=t", r.bodyUtf8());
  }
}
