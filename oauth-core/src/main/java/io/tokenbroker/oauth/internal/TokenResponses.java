package io.tokenbroker.oauth.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.token.Tokens;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import net.minidev.json.JSONObject;
import org.jspecify.annotations.Nullable;

/** Reads token-endpoint bodies: vendor normalisation, standard leniency, then Nimbus parsing. */
public final class TokenResponses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

  private TokenResponses() {}

  /** A body that is not a usable token response; the message never contains token values. */
  public static final class MalformedResponseException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedResponseException(String message) {
      super(message);
    }
  }

  /**
   * A successful token response, read.
   *
   * @param expiresInSeconds the lifetime, or {@code -1} when the server did not say
   * @param refreshExpiresInSeconds the refresh token's lifetime, or {@code -1}
   * @param createdAtEpochSecond the server's {@code created_at}, or {@code -1}
   */
  public record Parsed(
      String accessToken,
      String tokenType,
      long expiresInSeconds,
      @Nullable String refreshToken,
      long refreshExpiresInSeconds,
      Set<String> scopes,
      long createdAtEpochSecond,
      Set<String> audience) {
    /** A response without a returned audience. */
    public Parsed(
        String accessToken,
        String tokenType,
        long expiresInSeconds,
        @Nullable String refreshToken,
        long refreshExpiresInSeconds,
        Set<String> scopes,
        long createdAtEpochSecond) {
      this(
          accessToken,
          tokenType,
          expiresInSeconds,
          refreshToken,
          refreshExpiresInSeconds,
          scopes,
          createdAtEpochSecond,
          Set.of());
    }

    @Override
    public String toString() {
      return "Parsed[tokenType="
          + tokenType
          + ", expiresIn="
          + expiresInSeconds
          + ", refreshToken="
          + (refreshToken == null ? "none" : "[redacted]")
          + ", scopes="
          + scopes
          + "]";
    }
  }

  /** Parses a JSON object body, or returns {@code null} when the body is not a JSON object. */
  public static @Nullable Map<String, Object> parseObject(@Nullable String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return JSON.readValue(body, OBJECT);
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }

  /** Reads a 2xx token response. */
  public static Parsed parseSuccess(
      @Nullable String body, UnaryOperator<Map<String, Object>> vendorNormalizer)
      throws MalformedResponseException {
    Map<String, Object> object = parseObject(body);
    if (object == null) {
      throw new MalformedResponseException(
          "token response is not a JSON object (" + describeBody(body) + ")");
    }
    Map<String, Object> normalized;
    try {
      normalized = vendorNormalizer.apply(new LinkedHashMap<>(object));
    } catch (RuntimeException e) {
      throw new MalformedResponseException(
          "the provider's normalizer failed on the token response: "
              + e.getClass().getSimpleName());
    }
    if (normalized == null) {
      throw new MalformedResponseException("the provider's normalizer returned null");
    }
    Map<String, Object> standard = new LinkedHashMap<>(normalized);
    Object accessToken = standard.get("access_token");
    if (!(accessToken instanceof String value) || value.isEmpty()) {
      throw new MalformedResponseException("token response has no access_token");
    }
    Object tokenType = standard.get("token_type");
    if (tokenType == null
        || (tokenType instanceof String type && type.equalsIgnoreCase("bearer"))) {
      standard.put("token_type", "Bearer");
    } else if (tokenType instanceof String type && type.equalsIgnoreCase("dpop")) {
      standard.put("token_type", "DPoP");
    }
    long expiresIn = readSeconds(standard, "expires_in");
    if (expiresIn >= 0) {
      standard.put("expires_in", expiresIn);
    } else {
      standard.remove("expires_in");
    }
    long refreshExpiresIn = readSeconds(standard, "refresh_token_expires_in");
    long createdAt = readSeconds(standard, "created_at");
    Object scope = standard.get("scope");
    if (scope != null && !(scope instanceof String)) {
      standard.remove("scope");
    }
    Set<String> audience = readAudience(standard.remove("audience"));
    Object refresh = standard.get("refresh_token");
    if (refresh != null && (!(refresh instanceof String r) || r.isEmpty())) {
      standard.remove("refresh_token");
    }

    AccessTokenResponse response;
    try {
      response = AccessTokenResponse.parse(new JSONObject(standard));
    } catch (ParseException e) {
      // Nimbus messages name fields, never values.
      throw new MalformedResponseException("token response rejected: " + e.getMessage());
    }
    Tokens tokens = response.getTokens();
    com.nimbusds.oauth2.sdk.token.AccessToken access = tokens.getAccessToken();
    Set<String> scopes =
        access.getScope() == null ? Set.of() : Set.copyOf(access.getScope().toStringList());
    return new Parsed(
        access.getValue(),
        access.getType().getValue().equalsIgnoreCase("bearer")
            ? "Bearer"
            : access.getType().getValue(),
        expiresIn,
        tokens.getRefreshToken() == null ? null : tokens.getRefreshToken().getValue(),
        refreshExpiresIn,
        scopes,
        createdAt,
        audience);
  }

  /** {@code audience} as a string or an array of strings; anything else is ignored. */
  private static Set<String> readAudience(@Nullable Object value) {
    if (value instanceof String s && !s.isBlank()) {
      return Set.of(s);
    }
    if (value instanceof List<?> list) {
      Set<String> out = new java.util.LinkedHashSet<>();
      for (Object element : list) {
        if (element instanceof String s && !s.isBlank()) {
          out.add(s);
        }
      }
      return Set.copyOf(out);
    }
    return Set.of();
  }

  /** A short, value-free description of a body, for error messages. */
  public static String describeBody(@Nullable String body) {
    if (body == null || body.isEmpty()) {
      return "empty body";
    }
    String start = body.stripLeading().toLowerCase(Locale.ROOT);
    if (start.startsWith("<")) {
      return "an HTML or XML page of " + body.length() + " characters";
    }
    return "a non-JSON body of " + body.length() + " characters";
  }

  private static long readSeconds(Map<String, Object> object, String name)
      throws MalformedResponseException {
    Object value = object.get(name);
    if (value == null) {
      return -1;
    }
    try {
      BigDecimal seconds;
      if (value instanceof Number number) {
        seconds = new BigDecimal(number.toString());
      } else if (value instanceof String text && !text.isBlank()) {
        seconds = new BigDecimal(text.trim());
      } else {
        throw new NumberFormatException();
      }
      if (seconds.signum() < 0) {
        return 0;
      }
      return seconds.min(BigDecimal.valueOf(Integer.MAX_VALUE)).longValue();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new MalformedResponseException(name + " is not a number of seconds");
    }
  }
}
