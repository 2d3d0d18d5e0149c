package io.tokenbroker.spring.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/** The bearer token travels only over https, or plain http to a loopback host (as in core). */
public final class SecureUrls {
  private SecureUrls() {}

  /**
   * Checks that a bearer token may be sent to {@code uri}.
   *
   * @throws IllegalArgumentException if a bearer token must not be sent to {@code uri}
   */
  public static void requireSecure(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https") || (scheme.equals("http") && isLoopback(uri.getHost()))) {
      return;
    }
    throw new IllegalArgumentException(
        "refusing to send a bearer token to "
            + scheme
            + "://"
            + uri.getHost()
            + ": use https (plain http is allowed only to loopback hosts)");
  }

  private static boolean isLoopback(String host) {
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
      return false; // a name: no DNS lookup
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
