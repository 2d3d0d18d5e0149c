package io.tokenbroker.spring.internal;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The DPoP nonces resource servers hand out (RFC 9449 §9), for the interceptor and the exchange
 * filter: the latest {@code DPoP-Nonce} of each origin goes into the next proof to it, and a {@code
 * 401} with {@code WWW-Authenticate: DPoP error="use_dpop_nonce"} is answered with one more try.
 * (Core's {@code AuthorizedHttpClient} does the same for {@code java.net.http}.) Thread-safe.
 */
public final class DpopNonces {
  private static final Pattern USE_DPOP_NONCE =
      Pattern.compile("(?i)\\bDPoP\\b.*\\berror\\s*=\\s*\"?use_dpop_nonce\\b");
  private static final int MAX_ORIGINS = 1024;

  private final ConcurrentMap<String, String> byOrigin = new ConcurrentHashMap<>();

  /** The latest nonce {@code uri}'s origin gave, or null. */
  public @Nullable String get(URI uri) {
    return byOrigin.get(origin(uri));
  }

  /** Remembers {@code nonce} (a {@code DPoP-Nonce} header value) if it is a valid one. */
  public void remember(URI uri, @Nullable String nonce) {
    if (isValid(nonce)) {
      if (byOrigin.size() >= MAX_ORIGINS) {
        byOrigin.clear(); // a nonce is only an optimisation; a server asks again
      }
      byOrigin.put(origin(uri), nonce);
    }
  }

  /**
   * The nonce a resource server demands with this answer, or null: a {@code 401} whose {@code
   * WWW-Authenticate} is a DPoP challenge with {@code error="use_dpop_nonce"} and whose {@code
   * DPoP-Nonce} is a valid nonce.
   */
  public static @Nullable String demanded(
      int status, List<String> wwwAuthenticate, @Nullable String nonce) {
    if (status != 401 || !isValid(nonce)) {
      return null;
    }
    for (String challenge : wwwAuthenticate) {
      if (challenge != null && USE_DPOP_NONCE.matcher(challenge).find()) {
        return nonce;
      }
    }
    return null;
  }

  /** RFC 9449 §8.1: {@code nonce = 1*NQCHAR}. */
  private static boolean isValid(@Nullable String nonce) {
    return nonce != null
        && !nonce.isEmpty()
        && nonce.length() <= 1024
        && nonce.chars().allMatch(c -> c >= 0x21 && c <= 0x7E && c != '"' && c != '\\');
  }

  private static String origin(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    return scheme + "://" + host + ":" + uri.getPort();
  }
}
