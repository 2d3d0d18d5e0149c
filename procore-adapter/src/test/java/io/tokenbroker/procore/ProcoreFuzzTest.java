package io.tokenbroker.procore;

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
 * headers, error bodies, and the models and pages. Each reader's caller in {@link Transport}
 * expects: {@link PageLinks#parse} and {@link RateLimit#from} never throw; model reading throws
 * only {@link IOException} (which {@code Transport.read} turns into a MALFORMED_RESPONSE {@link
 * ProcoreApiException}); {@code Json.serverMessage} never throws.
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
          Json.MAPPER.getTypeFactory().constructCollectionType(List.class, Company.class));

  @FuzzTest(maxDuration = "2m")
  void linkHeader(FuzzedDataProvider data) {
    PageLinks links = PageLinks.parse(data.consumeRemainingAsString());
    assertNotNull(links);
  }

  @FuzzTest(maxDuration = "2m")
  void rateLimitHeaders(FuzzedDataProvider data) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      values.add(data.consumeBoolean() ? null : data.consumeString(30));
    }
    Map<String, List<String>> map = new java.util.HashMap<>();
    String[] names = {"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"};
    for (int i = 0; i < 3; i++) {
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
    String message =
        Json.serverMessage(
            data.consumeRemainingAsString(), contentType.isEmpty() ? null : contentType);
    assertNotNull(message);
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
