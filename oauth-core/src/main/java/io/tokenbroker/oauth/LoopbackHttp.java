package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URLDecoder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP side of a {@link LoopbackReceiver} that does not depend on its state: the pages shown to
 * the browser, the headers every answer carries (no caching, no referrer, a content security policy
 * that allows only the page's own style), and the parsing and checking of the callback's query.
 */
final class LoopbackHttp {
  private static final System.Logger LOG = System.getLogger(LoopbackReceiver.class.getName());

  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;"
          + "color:#222;line-height:1.5}h1{font-size:1.4em}";
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src '"
          + sha256Base64(STYLE)
          + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final int MAX_ECHOED_TEXT = 300;

  static void respondQuietly(HttpExchange exchange, int status, byte[] body) {
    try {
      respond(exchange, status, body);
    } catch (IOException | RuntimeException e) {
      // The browser went away; the result does not depend on it.
      LOG.log(Level.DEBUG, "Loopback receiver: could not answer the browser: {0}", e.toString());
      exchange.close();
    }
  }

  static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", "text/html; charset=utf-8");
    headers.set("Cache-Control", "no-store");
    headers.set("Pragma", "no-cache");
    headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  static byte[] page(String title, String text) {
    String html =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<meta name=\"referrer\" content=\"no-referrer\">"
            + "<title>"
            + escapeHtml(title)
            + "</title><style>"
            + STYLE
            + "</style></head><body><h1>"
            + escapeHtml(title)
            + "</h1><p>"
            + escapeHtml(text)
            + "</p></body></html>\n";
    return html.getBytes(UTF_8);
  }

  /**
   * Parses an {@code application/x-www-form-urlencoded} query; RFC 6749 §3.1 forbids repeated
   * parameters, so a repeat is an error (it could smuggle a second code or state).
   */
  static Map<String, String> parseQuery(@Nullable String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (params.putIfAbsent(name, value) != null) {
        throw new IllegalArgumentException(
            "a parameter is repeated" + (isKnownParameter(name) ? " (" + name + ")" : ""));
      }
    }
    return params;
  }

  private static boolean isKnownParameter(String name) {
    return switch (name) {
      case "code", "state", "error", "error_description", "error_uri", "iss" -> true;
      default -> false;
    };
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, UTF_8);
    } catch (IllegalArgumentException e) {
      // URLDecoder's message quotes the input; replace it.
      throw new IllegalArgumentException("a parameter is not valid percent-encoding");
    }
  }

  /** Compares without leaking where the strings differ or how long the expected one is. */
  static boolean constantTimeEquals(String actual, String expected) {
    return MessageDigest.isEqual(sha256(actual), sha256(expected));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is required on every Java platform", e);
    }
  }

  private static String sha256Base64(String s) {
    return "sha256-" + Base64.getEncoder().encodeToString(sha256(s));
  }

  /** Strips control characters (log and message injection) and caps the length. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_ECHOED_TEXT + 1));
    for (int i = 0; i < s.length() && out.length() < MAX_ECHOED_TEXT; i++) {
      char c = s.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (s.length() > MAX_ECHOED_TEXT) {
      out.append('…');
    }
    return out.toString();
  }

  static String escapeHtml(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  private LoopbackHttp() {}
}
