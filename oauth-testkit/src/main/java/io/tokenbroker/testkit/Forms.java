package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code application/x-www-form-urlencoded} parsing and encoding, UTF-8 only. */
final class Forms {
  private Forms() {}

  /**
   * Parses a form or query string into names and values in arrival order.
   *
   * @throws IllegalArgumentException on a malformed percent escape
   */
  static Map<String, List<String>> parse(String form) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (form.isEmpty()) {
      return out;
    }
    for (String pair : form.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.computeIfAbsent(URLDecoder.decode(name, UTF_8), k -> new ArrayList<>())
          .add(URLDecoder.decode(value, UTF_8));
    }
    return out;
  }

  /** Form-encodes one value (space becomes {@code +}). */
  static String encode(String value) {
    return URLEncoder.encode(value, UTF_8);
  }

  /** Appends {@code params} to {@code uri}'s query string. */
  static String appendQuery(String uri, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(uri);
    char sep = uri.indexOf('?') < 0 ? '?' : '&';
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      sep = '&';
    }
    return sb.toString();
  }

  /** Escapes text for HTML element content and attribute values. */
  static String html(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }
}
