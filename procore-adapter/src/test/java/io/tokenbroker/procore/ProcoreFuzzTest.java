package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what the Procore adapter reads from the server: the {@code Link} header, the rate-limit
 * headers with their {@code Date}, error bodies and validation errors, the models and pages (REST
 * v2's {@code data} envelope included), and incoming webhook deliveries. Each reader's caller
 * expects: {@link PageLinks#parse}, {@link RateLimit#from}, {@code Json.serverMessage} and {@code
 * Json.validationErrors} never throw; model reading throws only {@link IOException} (which {@code
 * Transport.read} turns into a MALFORMED_RESPONSE {@link ProcoreApiException}), and {@code
 * Transport.read} only that exception; {@link WebhookVerifier#verify} only {@link
 * WebhookVerificationException}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class ProcoreFuzzTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final List<JavaType> TYPES =
      List.of(
          Json.MAPPER.constructType(Project.class),
          Json.MAPPER.constructType(Company.class),
          Json.MAPPER.constructType(Me.class),
          Json.MAPPER.constructType(TokenInfo.class),
          Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Project.class),
          Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Company.class),
          Json.MAPPER.constructType(WebhookHook.class),
          Json.MAPPER.constructType(WebhookTrigger.class),
          Json.MAPPER.getTypeFactory().constructCollectionType(List.class, WebhookDelivery.class),
          Json.MAPPER.getTypeFactory().constructCollectionType(List.class, WebhookHook.class));
  private static final String SECRET = "Bearer fuzz-shared-secret";
  private static final WebhookVerifier VERIFIER =
      WebhookVerifier.builder().requireHeader("Authorization", SECRET).build();
  private static final Transport READER = new Transport(Procore.production(), null, null);

  @FuzzTest(maxDuration = "2m")
  void linkHeader(FuzzedDataProvider data) {
    PageLinks links = PageLinks.parse(data.consumeRemainingAsString());
    assertNotNull(links);
  }

  @FuzzTest(maxDuration = "2m")
  void rateLimitHeaders(FuzzedDataProvider data) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      values.add(data.consumeBoolean() ? null : data.consumeString(30));
    }
    Map<String, List<String>> map = new java.util.HashMap<>();
    String[] names = {"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset", "Date"};
    for (int i = 0; i < 4; i++) {
      if (values.get(i) != null) {
        map.put(names[i], List.of(values.get(i)));
      }
    }
    RateLimit limit = RateLimit.from(HttpHeaders.of(map, (a, b) -> true), NOW);
    if (limit != null) {
      assertTrue(!limit.untilReset(NOW).isNegative());
    }
  }

  @FuzzTest(maxDuration = "2m")
  void errorBody(FuzzedDataProvider data) {
    String contentType = data.pickValue(List.of("application/json", "text/plain", "text/html", ""));
    String body = data.consumeRemainingAsString();
    String message = Json.serverMessage(body, contentType.isEmpty() ? null : contentType);
    assertNotNull(message);
    assertNotNull(Json.validationErrors(body));
  }

  @FuzzTest(maxDuration = "2m")
  void envelope(FuzzedDataProvider data) {
    JavaType type = data.pickValue(TYPES);
    boolean v2 = data.consumeBoolean();
    byte[] body = data.consumeRemainingAsBytes();
    Transport.Response response =
        new Transport.Response(
            java.net.URI.create("https://api.procore.com/rest/v2.0/x"),
            200,
            HttpHeaders.of(Map.of(), (a, b) -> true),
            body,
            null);
    try {
      assertNotNull(READER.read("GET", response, type, v2));
    } catch (ProcoreApiException expected) {
      assertEquals(ProcoreApiException.Kind.MALFORMED_RESPONSE, expected.kind());
    }
  }

  @FuzzTest(maxDuration = "2m")
  void webhookDelivery(FuzzedDataProvider data) {
    Map<String, List<String>> headers = new java.util.HashMap<>();
    if (data.consumeBoolean()) {
      headers.put(
          "Authorization", List.of(data.consumeBoolean() ? SECRET : data.consumeString(40)));
    }
    if (data.consumeBoolean()) {
      headers.put("Content-Type", List.of(data.consumeString(40)));
    }
    try {
      WebhookEvent event = VERIFIER.verify(headers, data.consumeRemainingAsBytes());
      assertNotNull(event.dedupeKey());
      assertNotNull(event.eventType());
    } catch (WebhookVerificationException expected) {
      assertNotNull(expected.reason());
    }
  }

  @FuzzTest(maxDuration = "2m")
  void models(FuzzedDataProvider data) {
    JavaType type = data.pickValue(TYPES);
    String body = data.consumeRemainingAsString();
    try {
      Object value = Json.MAPPER.readValue(body, type);
      if (value instanceof List<?> list) {
        assertNotNull(list);
      }
    } catch (IOException expected) {
      // Transport.read: MALFORMED_RESPONSE
    }
  }
}
