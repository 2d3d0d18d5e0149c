package io.tokenbroker.procore;

import java.util.regex.Pattern;

/**
 * Removes token-like text from server messages before they reach an exception message: a server (or
 * a proxy) that echoes a request header must not put a token into a log.
 */
final class Redaction {
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer)\\s+[A-Za-z0-9._~+/=-]+");
  // Procore's opaque tokens are 64 hex characters; JWTs are three base64url segments.
  private static final Pattern HEX = Pattern.compile("\\b[0-9a-fA-F]{32,}\\b");
  private static final Pattern JWT =
      Pattern.compile("\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");
  private static final int MAX_CHARS = 500;

  private Redaction() {}

  static String scrub(String text) {
    String out = BEARER.matcher(text).replaceAll("$1 [redacted]");
    out = JWT.matcher(out).replaceAll("[redacted]");
    out = HEX.matcher(out).replaceAll("[redacted]");
    return out.length() > MAX_CHARS ? out.substring(0, MAX_CHARS) + "…" : out;
  }
}
