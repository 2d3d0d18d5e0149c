package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tokenbroker.testkit.FakeClock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The normalizer for COR's token answers (the shapes are also exercised over HTTP in
 * CorAuthFlowsTest).
 */
class CorTokenResponsesTest {
  private final FakeClock clock = FakeClock.create();

  @Test
  void theDocumentedShapePassesUnchanged() {
    Map<String, Object> in =
        Map.of(
            "access_token", "a", "token_type", "Bearer", "expires_in", 3600, "refresh_token", "r");
    assertEquals(in, CorTokenResponses.normalize(in, clock));
  }

  @Test
  void camelCaseAtTheTopLevel() {
    Map<String, Object> out =
        CorTokenResponses.normalize(
            Map.of(
                "accessToken", "a", "refreshToken", "r", "expiresIn", "60", "tokenType", "bearer"),
            clock);
    assertEquals("a", out.get("access_token"));
    assertEquals("r", out.get("refresh_token"));
    assertEquals("60", out.get("expires_in"));
    assertEquals("bearer", out.get("token_type"));
  }

  @Test
  void expirationTimeInMillisOrSeconds() {
    long now = clock.millis();
    Map<String, Object> millis =
        CorTokenResponses.normalize(
            Map.of(
                "token",
                Map.of("access_token", "a", "expirationTime", Long.toString(now + 90_000))),
            clock);
    assertEquals(90L, millis.get("expires_in"));
    Map<String, Object> seconds =
        CorTokenResponses.normalize(
            Map.of("token", Map.of("access_token", "a", "expirationTime", now / 1000 + 30)), clock);
    assertEquals(30L, seconds.get("expires_in"));
    Map<String, Object> past =
        CorTokenResponses.normalize(
            Map.of("token", Map.of("access_token", "a", "expirationTime", now - 5000)), clock);
    assertEquals(0L, past.get("expires_in"));
  }

  @Test
  void tokenAsAStringAndTheDataWrapper() {
    assertEquals(
        "a",
        CorTokenResponses.normalize(Map.of("token", "a", "refreshToken", "r"), clock)
            .get("access_token"));
    Map<String, Object> data =
        CorTokenResponses.normalize(Map.of("data", Map.of("token", "a")), clock);
    assertEquals("a", data.get("access_token"));
    assertFalse(data.containsKey("data"));
    assertFalse(data.containsKey("refresh_token"));
  }
}
