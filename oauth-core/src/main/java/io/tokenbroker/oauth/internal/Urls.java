package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** URL checks shared by the protocol code. */
public final class Urls {
  private Urls() {}

  /**
   * Returns {@code uri} if it is absolute {@code https}, or {@code http} on a loopback host.
   *
   * @throws IllegalArgumentException otherwise, naming {@code what}
   */
  public static URI requireSecure(URI uri, String what) {
    requireNonNull(uri, what + " == null");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(what + " must be an absolute http(s) URL: " + uri);
    }
    if (scheme.equals("http") && !isLoopbackHost(uri.getHost())) {
      throw new IllegalArgumentException(
          what + " must use https (plain http is allowed only on loopback hosts): " + uri);
    }
    return uri;
  }

  /** Whether {@code host} is {@code localhost} or a literal loopback address; no DNS lookup. */
  public static boolean isLoopbackHost(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (!h.matches("[0-9.]+|[0-9a-f:]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
