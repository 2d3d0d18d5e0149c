package io.tokenbroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopbackServerTest {
  private final Http http = new Http();
  private final AtomicInteger dispatched = new AtomicInteger();
  private LoopbackServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  private LoopbackServer.Builder echo() {
    return LoopbackServer.builder()
        .name("echo")
        .dispatcher(
            request -> {
              dispatched.incrementAndGet();
              return Reply.json(
                      200,
                      Reply.JSON
                          .createObjectNode()
                          .put("host", request.host())
                          .put("path", request.path()))
                  .withHeader("X-Echo", "1");
            });
  }

  @Test
  void bindsPortZeroAndReadsThePortBackForEveryHost() throws Exception {
    server = echo().host("login", 0).host("api", 0).start();
    assertNotEquals(0, server.port("login"));
    assertNotEquals(server.port("login"), server.port("api"));
    assertEquals(server.port("login"), server.port(), "the first host is the primary one");
    assertEquals(URI.create("http://127.0.0.1:" + server.port("api") + "/"), server.baseUri("api"));
    assertThrows(IllegalArgumentException.class, () -> server.baseUri("nowhere"));

    Http.Response login = http.get(server.baseUri("login").resolve("/oauth/authorize"));
    Http.Response api = http.get(server.baseUri("api").resolve("/rest/v1.0/me"));
    assertEquals("login", login.json().get("host").asText());
    assertEquals("/rest/v1.0/me", api.json().get("path").asText());
    assertEquals("close", api.header("Connection"));

    RecordedRequest first = server.takeRequest();
    RecordedRequest second = server.takeRequest();
    assertEquals("login", first.host());
    assertEquals(List.of(1, 2), List.of(first.sequenceNumber(), second.sequenceNumber()));
    assertEquals("RecordedRequest[#2 api GET /rest/v1.0/me]", second.toString());
    assertEquals(2, server.requestCount());
    assertNull(server.takeRequest(Duration.ofMillis(10)));
  }

  @Test
  void cannedFaultsAnswerWithoutTheDispatcherAndMatchTheirScope() throws Exception {
    server = echo().defaultFaultScope(r -> r.path().startsWith("/rest/")).start();
    server.enqueue(Fault.status(503).withRetryAfter("7"));
    server.enqueue(Fault.status(401).on("/oauth/"));
    server.enqueue(Fault.status(418).when(r -> r.method().equals("DELETE")));

    assertEquals(200, http.get(server.baseUri().resolve("/other")).status(), "out of scope");
    Http.Response oauth = http.get(server.baseUri().resolve("/oauth/token"));
    assertEquals(401, oauth.status());
    Http.Response rest = http.get(server.baseUri().resolve("/rest/x"));
    assertEquals(503, rest.status());
    assertEquals("7", rest.header("Retry-After"));
    Http.Response delete =
        http.send(HttpRequest.newBuilder(server.baseUri().resolve("/any")).DELETE().build());
    assertEquals(418, delete.status());
    assertEquals(200, http.get(server.baseUri().resolve("/rest/x")).status(), "one-shot");
    assertEquals(2, dispatched.get(), "canned answers never reach the dispatcher");
    assertEquals(5, server.requests().size(), "faulted requests are recorded too");
  }

  @Test
  void afterTheFactFaultsWrapTheDispatchersAnswer() throws Exception {
    server = echo().start();
    server.enqueue(Fault.successWith("path", "patched").withHeader("X-Fault", "yes"));
    server.enqueue(Fault.successMissing("host"));
    server.enqueue(Fault.dropConnectionAfterGrant());

    Http.Response patched = http.get(server.baseUri().resolve("/a"));
    assertEquals("patched", patched.json().get("path").asText());
    assertEquals("yes", patched.header("X-Fault"));
    assertEquals("1", patched.header("X-Echo"), "the dispatcher's own headers stay");
    assertFalse(http.get(server.baseUri().resolve("/b")).json().has("host"));
    // A POST: the JDK client would silently retry an idempotent GET on a dropped connection.
    assertThrows(
        IOException.class,
        () -> http.postForm(server.baseUri().resolve("/c"), Http.params("a", "b")));
    assertEquals(3, dispatched.get(), "the dropped request was processed");
  }

  @Test
  void theDispatcherAdjustsCannedAnswersAndAnswersItsOwnFailures() throws Exception {
    server =
        LoopbackServer.builder()
            .dispatcher(
                new LoopbackServer.Dispatcher() {
                  @Override
                  public Reply dispatch(RecordedRequest request) {
                    throw new IllegalStateException("bug");
                  }

                  @Override
                  public Reply faulted(RecordedRequest request, Reply canned) {
                    return canned.withHeader("X-Limit", "25");
                  }

                  @Override
                  public Reply failed(RecordedRequest request, RuntimeException failure) {
                    return Reply.text(500, "failed: " + failure.getMessage());
                  }
                })
            .start();
    server.enqueue(Fault.status(429));
    Http.Response limited = http.get(server.baseUri());
    assertEquals(429, limited.status());
    assertEquals("25", limited.header("X-Limit"));
    Http.Response failed = http.get(server.baseUri());
    assertEquals(500, failed.status());
    assertEquals("failed: bug", failed.body());
  }

  @Test
  void aFaultDispatcherFaultsRequestsNoEnqueuedFaultTook() throws Exception {
    server = echo().start();
    server.setFaultDispatcher(r -> r.path().equals("/slow") ? Fault.html(502) : null);
    server.enqueue(Fault.status(500));
    assertEquals(500, http.get(server.baseUri().resolve("/slow")).status(), "enqueued first");
    Http.Response html = http.get(server.baseUri().resolve("/slow"));
    assertEquals(502, html.status());
    assertTrue(html.body().contains("502 Bad Gateway"), html.body());
    assertEquals(200, http.get(server.baseUri().resolve("/fast")).status());
    server.setFaultDispatcher(null);
    assertEquals(200, http.get(server.baseUri().resolve("/slow")).status());
  }

  @Test
  void closeStopsServingAndIsIdempotent() throws Exception {
    server = echo().start();
    URI uri = server.baseUri();
    server.close();
    server.close();
    assertThrows(IOException.class, () -> http.get(uri));
    assertTrue(server.toString().startsWith("LoopbackServer[echo"), server.toString());
  }

  @Test
  void builderValidation() {
    assertThrows(NullPointerException.class, () -> LoopbackServer.builder().start());
    assertThrows(IllegalArgumentException.class, () -> LoopbackServer.builder().port(65536));
    assertThrows(
        IllegalArgumentException.class, () -> LoopbackServer.builder().host("a", 0).host("a", 0));
    assertThrows(IllegalArgumentException.class, () -> Fault.status(200).on("no-slash"));
  }
}
