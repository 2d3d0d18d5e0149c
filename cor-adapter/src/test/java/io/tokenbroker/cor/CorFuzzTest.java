package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.TokenResponses;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what the COR adapter reads: token responses through COR's normalizer (also called
 * unguarded by the dev login, so it must never throw), error envelopes ({@code
 * CorApiException.fromResponse} must always produce the exception), and list envelopes with their
 * models ({@code CorClient.readPage}, whose caller turns {@link IOException} and runtime exceptions
 * into {@link CorApiException}; anything else, such as an {@link Error}, would escape).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class CorFuzzTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private static final List<Class<?>> MODELS =
      List.of(Project.class, Task.class, User.class, Hour.class, Label.class);
  private static final Method READ_PAGE;

  static {
    try {
      READ_PAGE = CorClient.class.getDeclaredMethod("readPage", String.class, Class.class);
      READ_PAGE.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new AssertionError("CorClient.readPage(String, Class) is gone; update this target", e);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void tokenResponse(FuzzedDataProvider data) {
    String body = data.consumeRemainingAsString();
    Map<String, Object> object = TokenResponses.parseObject(body);
    if (object != null) {
      assertNotNull(CorTokenResponses.normalize(new LinkedHashMap<>(object), CLOCK));
    }
    try {
      TokenResponses.Parsed parsed =
          TokenResponses.parseSuccess(body, json -> CorTokenResponses.normalize(json, CLOCK));
      assertFalse(parsed.accessToken().isEmpty());
    } catch (TokenResponses.MalformedResponseException expected) {
      // a typed, value-free refusal
    }
  }

  @FuzzTest(maxDuration = "2m")
  void errorEnvelope(FuzzedDataProvider data) {
    int status = data.consumeInt(400, 599);
    CorApiException e =
        CorApiException.fromResponse("GET", "/projects", status, data.consumeRemainingAsString());
    assertEquals(status, e.status().orElse(-1));
  }

  @FuzzTest(maxDuration = "2m")
  void listEnvelope(FuzzedDataProvider data) throws IllegalAccessException {
    Class<?> type = data.pickValue(MODELS);
    try {
      assertNotNull(READ_PAGE.invoke(null, data.consumeRemainingAsString(), type));
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (!(cause instanceof IOException) && !(cause instanceof RuntimeException)) {
        throw new AssertionError("CorClient would not catch this", cause);
      }
    }
  }
}
