package io.tokenbroker.oauth.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the DPoP nonce challenges of RFC 9449: the token endpoint's {@code 400
 * error=use_dpop_nonce} (§8) and a resource server's {@code 401} with {@code WWW-Authenticate: DPoP
 * error="use_dpop_nonce"} (§9), each with the nonce in a {@code DPoP-Nonce} header. Never throws on
 * any input.
 */
public final class DpopNonces {
  private DpopNonces() {}

  /**
   * The nonce a token endpoint demands, or null if {@code status}, {@code body} and {@code
   * nonceHeader} are not a valid {@code use_dpop_nonce} answer.
   */
  public static @Nullable String fromTokenEndpoint(
      int status, @Nullable String body, @Nullable String nonceHeader) {
    if ((status != 400 && status != 401) || !isValid(nonceHeader)) {
      return null;
    }
    Map<String, Object> json = TokenResponses.parseObject(body);
    return json != null && "use_dpop_nonce".equals(json.get("error")) ? nonceHeader : null;
  }

  /**
   * The nonce a resource server demands, or null if {@code status}, the {@code WWW-Authenticate}
   * values and {@code nonceHeader} are not a valid {@code use_dpop_nonce} challenge.
   */
  public static @Nullable String fromResourceServer(
      int status, List<String> wwwAuthenticate, @Nullable String nonceHeader) {
    if (status != 401 || !isValid(nonceHeader)) {
      return null;
    }
    for (String header : wwwAuthenticate) {
      if (header != null && dpopChallengeError(header, "use_dpop_nonce")) {
        return nonceHeader;
      }
    }
    return null;
  }

  /** RFC 9449 §8.1: {@code nonce = 1*NQCHAR}, NQCHAR being {@code %x21 / %x23-5B / %x5D-7E}. */
  public static boolean isValid(@Nullable String nonce) {
    if (nonce == null || nonce.isEmpty() || nonce.length() > 1024) {
      return false;
    }
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (c < 0x21 || c > 0x7E || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code header} holds a {@code DPoP} challenge whose {@code error} auth-param is {@code
   * error}. A small RFC 9110 §11.6.1 reader: challenges are a scheme followed by comma-separated
   * {@code name=value} pairs (value a token or a quoted string); a new scheme starts a new
   * challenge.
   */
  static boolean dpopChallengeError(String header, String error) {
    String scheme = null;
    int i = 0;
    int n = header.length();
    while (i < n) {
      while (i < n
          && (header.charAt(i) == ' ' || header.charAt(i) == ',' || header.charAt(i) == '\t')) {
        i++;
      }
      int start = i;
      while (i < n && isTokenChar(header.charAt(i))) {
        i++;
      }
      if (i == start) {
        i++; // a stray character: skip it
        continue;
      }
      String word = header.substring(start, i);
      int j = i;
      while (j < n && (header.charAt(j) == ' ' || header.charAt(j) == '\t')) {
        j++;
      }
      if (j < n && header.charAt(j) == '=') {
        // An auth-param of the current challenge.
        j++;
        while (j < n && (header.charAt(j) == ' ' || header.charAt(j) == '\t')) {
          j++;
        }
        String value;
        if (j < n && header.charAt(j) == '"') {
          StringBuilder quoted = new StringBuilder();
          j++;
          while (j < n && header.charAt(j) != '"') {
            char c = header.charAt(j);
            if (c == '\\' && j + 1 < n) {
              j++;
              c = header.charAt(j);
            }
            quoted.append(c);
            j++;
          }
          j++; // the closing quote (or past the end)
          value = quoted.toString();
        } else {
          int v = j;
          while (j < n && isTokenChar(header.charAt(j))) {
            j++;
          }
          value = header.substring(v, j);
        }
        if (scheme != null
            && scheme.equalsIgnoreCase("DPoP")
            && word.equalsIgnoreCase("error")
            && value.equals(error)) {
          return true;
        }
        i = j;
      } else {
        scheme = word.toLowerCase(Locale.ROOT);
        i = j;
      }
    }
    return false;
  }

  private static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
