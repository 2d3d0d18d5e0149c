package io.tokenbroker.cor;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Brings COR's token answers into the RFC 6749 shape. COR's OpenAPI documents {@code {access_token,
 * token_type, expires_in, refresh_token}}, which passes unchanged; a third-party client also meets
 * these {@code /auth/login} shapes (UNCONFIRMED), which are rewritten:
 *
 * <ul>
 *   <li>{@code {"token": {access_token, type, refreshToken, expirationTime}}} (epoch milliseconds,
 *       as a string or number);
 *   <li>{@code {"token": {…}, "refreshToken": …}} (the refresh token beside the object);
 *   <li>{@code {"token": "<access token>"}} and {@code {"data": {"token": …}}};
 *   <li>camelCase {@code accessToken}, {@code refreshToken}, {@code expiresIn}, {@code tokenType}.
 * </ul>
 *
 * Never puts token values anywhere but the returned map.
 */
final class CorTokenResponses {
  private CorTokenResponses() {}

  static Map<String, Object> normalize(Map<String, Object> in, Clock clock) {
    Map<String, Object> source = in;
    Map<String, Object> outer = in;
    if (!(in.get("access_token") instanceof String)
        && in.get("data") instanceof Map<?, ?> data
        && !in.containsKey("token")) {
      source = asMap(data);
      outer = source;
    }
    Map<String, Object> out = new LinkedHashMap<>(source);
    Object token = source.get("token");
    Map<String, Object> inner = token instanceof Map<?, ?> m ? asMap(m) : Map.of();
    if (!(out.get("access_token") instanceof String)) {
      Object access = first(inner, "access_token", "accessToken", "token");
      if (access == null) {
        access = first(source, "accessToken");
      }
      if (access == null && token instanceof String) {
        access = token;
      }
      if (access != null) {
        out.put("access_token", access);
      }
    }
    if (!out.containsKey("refresh_token")) {
      Object refresh = first(inner, "refresh_token", "refreshToken");
      if (refresh == null) {
        refresh = first(outer, "refreshToken");
      }
      if (refresh != null) {
        out.put("refresh_token", refresh);
      }
    }
    if (!out.containsKey("token_type")) {
      Object type = first(inner, "token_type", "tokenType", "type");
      if (type == null) {
        type = first(outer, "tokenType");
      }
      if (type != null) {
        out.put("token_type", type);
      }
    }
    if (!out.containsKey("expires_in")) {
      Object expiresIn = first(inner, "expires_in", "expiresIn");
      if (expiresIn == null) {
        expiresIn = first(outer, "expiresIn");
      }
      if (expiresIn != null) {
        out.put("expires_in", expiresIn);
      } else {
        Object expirationTime = first(inner, "expirationTime");
        if (expirationTime == null) {
          expirationTime = first(outer, "expirationTime");
        }
        Long seconds = secondsUntil(expirationTime, clock);
        if (seconds != null) {
          out.put("expires_in", seconds);
        }
      }
    }
    out.remove("token");
    out.remove("data");
    return out;
  }

  /** Seconds from now until {@code epoch} (milliseconds, or seconds if it is small), at least 0. */
  private static @Nullable Long secondsUntil(@Nullable Object epoch, Clock clock) {
    BigDecimal value;
    try {
      if (epoch instanceof Number n) {
        value = new BigDecimal(n.toString());
      } else if (epoch instanceof String s && !s.isBlank()) {
        value = new BigDecimal(s.trim());
      } else {
        return null;
      }
    } catch (NumberFormatException e) {
      return null;
    }
    long millis =
        value.compareTo(BigDecimal.valueOf(100_000_000_000L)) < 0
            ? value.longValue() * 1000 // epoch seconds
            : value.longValue();
    return Math.max(0, (millis - clock.millis()) / 1000);
  }

  private static @Nullable Object first(Map<String, Object> map, String... names) {
    for (String name : names) {
      Object value = map.get(name);
      if ((value instanceof String s && !s.isEmpty()) || value instanceof Number) {
        return value;
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
