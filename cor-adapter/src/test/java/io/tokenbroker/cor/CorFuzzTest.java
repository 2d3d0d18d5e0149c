package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.type.TypeReference;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TransientTokenException;
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
 * Fuzzes what the COR adapter reads: token responses through COR's normalizer and core's reader as
 * the dev login uses them ({@link Provider#readTokenResponse} may throw only {@link
 * TransientTokenException}), error envelopes ({@code CorApiException.fromResponse} must always
 * produce the exception), list envelopes and plain arrays with their models ({@code
 * CorClient.readPage} and {@code CorClient.readList}, whose callers turn {@link IOException} and
 * runtime exceptions into {@link CorApiException}; anything else, such as an {@link Error}, would
 * escape), and users with their {@code gmt} offset.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class CorFuzzTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private static final List<Class<?>> MODELS =
      List.of(Project.class, Task.class, User.class, Hour.class, Label.class, Client.class);
  private static final Provider DEV_LOGIN = Cor.builder().clock(CLOCK).build().devLoginProvider();
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
    Map<String, Object> object;
    try {
      object = CorJson.MAPPER.readValue(body, new TypeReference<Map<String, Object>>() {});
    } catch (IOException | RuntimeException e) {
      object = null;
    }
    if (object != null) {
      assertNotNull(CorTokenResponses.normalize(new LinkedHashMap<>(object), CLOCK));
    }
    try {
      TokenSet tokens = DEV_LOGIN.readTokenResponse(body, CLOCK.instant());
      assertFalse(tokens.accessToken().revealValue().isEmpty());
    } catch (TransientTokenException expected) {
      // a typed, value-free refusal (MALFORMED_RESPONSE)
      assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, expected.kind());
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
  void plainList(FuzzedDataProvider data) {
    Class<?> type = data.pickValue(List.of(Project.class, Task.class, Client.class));
    try {
      assertNotNull(CorClient.readList(data.consumeRemainingAsString(), type));
    } catch (IOException | RuntimeException expected) {
      // CorClient.search: UNREADABLE_SUCCESS
    }
  }

  @FuzzTest(maxDuration = "2m")
  void user(FuzzedDataProvider data) {
    User user;
    try {
      user = CorJson.MAPPER.readValue(data.consumeRemainingAsString(), User.class);
    } catch (IOException | RuntimeException expected) {
      return; // CorClient.read: UNREADABLE_SUCCESS
    }
    if (user != null) {
      assertNotNull(user.utcOffset()); // never throws, whatever gmt holds
    }
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
