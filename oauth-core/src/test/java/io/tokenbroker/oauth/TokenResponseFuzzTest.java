package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import io.tokenbroker.oauth.internal.TokenResponses;
import io.tokenbroker.oauth.internal.TokenResponses.MalformedResponseException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of token-endpoint answers: {@link TokenResponses#parseSuccess} under several
 * provider normalizers, and the whole {@link TokenEndpoint} answer handling (status, {@code
 * Retry-After}, error bodies) behind a fake sender. Outside input may only produce a result or our
 * typed exceptions ({@link MalformedResponseException}, {@link TokenBrokerException}); the values
 * of tokens and of the client secret never appear in an exception message.
 *
 * <p>{@code ./mvnw verify} replays the seeds in {@code TokenResponseFuzzTestInputs}; to fuzz one
 * target see {@code benchmarks/README.md#fuzzing}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class TokenResponseFuzzTest {
  /** Retries without waiting. */
  private static final Scheduler NO_WAIT =
      new Scheduler() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) {}

        @Override
        public java.util.concurrent.Future<?> schedule(Runnable task, Duration delay) {
          throw new UnsupportedOperationException();
        }
      };

  private static final String SECRET = "fuzz-client-secret-0123456789";
  private static final GrantKey KEY = GrantKey.of("fuzz/grant");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  /** Provider normalizers, as vendors declare them (identity is every standard provider's). */
  private static final List<UnaryOperator<Map<String, Object>>> NORMALIZERS =
      List.of(
          UnaryOperator.identity(),
          TokenResponseFuzzTest::camelCaseToSnakeCase,
          TokenResponseFuzzTest::unwrapData,
          object -> {
            // A vendor that sends expires_at (epoch seconds) instead of expires_in.
            Object at = object.remove("expires_at");
            if (at instanceof Number n) {
              object.put("expires_in", n.longValue() - 1_767_225_600L);
            }
            return object;
          });

  @FuzzTest(maxDuration = "2m")
  void parseSuccess(FuzzedDataProvider data) {
    UnaryOperator<Map<String, Object>> normalizer = data.pickValue(NORMALIZERS);
    String body = data.consumeRemainingAsString();
    try {
      TokenResponses.Parsed parsed = TokenResponses.parseSuccess(body, normalizer);
      assertFalse(parsed.accessToken().isEmpty(), "empty access token accepted");
      assertNotNull(parsed.tokenType());
      assertTrue(parsed.expiresInSeconds() >= -1, "negative lifetime");
      assertTrue(parsed.refreshExpiresInSeconds() >= -1, "negative refresh lifetime");
      assertTrue(parsed.createdAtEpochSecond() >= -1, "negative created_at");
      assertNotNull(parsed.scopes());
    } catch (MalformedResponseException e) {
      assertNoTokenValues(body, e.getMessage());
    }
  }

  @FuzzTest(maxDuration = "2m")
  void tokenEndpointAnswer(FuzzedDataProvider data) {
    int status =
        data.consumeBoolean()
            ? data.pickValue(new int[] {200, 201, 204, 400, 401, 403, 408, 429, 500, 502, 503})
            : data.consumeInt(100, 599);
    String retryAfter = data.consumeBoolean() ? data.consumeString(40) : null;
    String contentType =
        data.pickValue(
            List.of(
                "application/json",
                "application/json;charset=UTF-8",
                "text/html",
                "text/plain",
                ""));
    UnaryOperator<Map<String, Object>> normalizer = data.pickValue(NORMALIZERS);
    boolean carriesGrant = data.consumeBoolean();
    String body = data.consumeRemainingAsString();

    Provider provider =
        Provider.builder("fuzz")
            .tokenEndpoint(URI.create("http://127.0.0.1:9/token"))
            .normalizer(normalizer)
            .build();
    int[] sends = {0};
    TokenEndpoint endpoint =
        new TokenEndpoint(
            provider,
            request -> {
              sends[0]++;
              HTTPResponse response = new HTTPResponse(status);
              if (!contentType.isEmpty()) {
                response.setHeader("Content-Type", contentType);
              }
              if (retryAfter != null) {
                response.setHeader("Retry-After", retryAfter);
              }
              response.setBody(body);
              return response;
            },
            CLOCK,
            new RetryPolicy(2, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60)),
            NO_WAIT,
            new Random(0),
            Duration.ofSeconds(10));
    try {
      TokenSet tokens =
          endpoint.requestTokens(
              "fuzz request",
              () ->
                  new HTTPRequest(HTTPRequest.Method.POST, URI.create("http://127.0.0.1:9/token")),
              List.of(SECRET),
              KEY,
              carriesGrant,
              TokenEndpoint.NO_DEADLINE,
              null);
      assertTrue(status >= 200 && status <= 299, "tokens from HTTP " + status);
      assertFalse(tokens.accessToken().revealValue().isEmpty());
      assertFalse(tokens.expiresAt().isBefore(CLOCK.instant()), "expires before it was received");
    } catch (TokenBrokerException e) {
      assertFalse(e.getMessage().contains(SECRET), "client secret in an exception message");
      assertNoTokenValues(body, e.getMessage());
      assertTrue(sends[0] >= 1 && sends[0] <= 2);
      if (e instanceof TransientTokenException t) {
        t.retryAfter().ifPresent(d -> assertFalse(d.isNegative(), "negative Retry-After"));
      }
    }
  }

  /**
   * The access and refresh token values of {@code body}, when it has any, are not in {@code
   * message}.
   */
  private static void assertNoTokenValues(String body, String message) {
    Map<String, Object> object = TokenResponses.parseObject(body);
    if (object == null) {
      return;
    }
    List<Object> values = new ArrayList<>();
    values.add(object.get("access_token"));
    values.add(object.get("refresh_token"));
    if (object.get("data") instanceof Map<?, ?> data) {
      values.add(data.get("access_token"));
      values.add(data.get("refresh_token"));
    }
    for (Object value : values) {
      if (value instanceof String token && looksLikeToken(token)) {
        assertFalse(message.contains(token), "token value in an exception message: " + message);
      }
    }
  }

  /** Long enough, letters and digits, no blanks: cannot be a word of our own messages by chance. */
  private static boolean looksLikeToken(String s) {
    return s.length() >= 10
        && s.chars().anyMatch(Character::isDigit)
        && s.chars().anyMatch(Character::isLetter)
        && s.chars().noneMatch(Character::isWhitespace);
  }

  private static Map<String, Object> camelCaseToSnakeCase(Map<String, Object> object) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object.entrySet()) {
      out.put(
          e.getKey().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT), e.getValue());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> unwrapData(Map<String, Object> object) {
    return object.get("data") instanceof Map<?, ?> data
        ? new LinkedHashMap<>((Map<String, Object>) data)
        : object;
  }
}
