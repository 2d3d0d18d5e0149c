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
      throw new IllegalArgumentException(
          what + " must be an absolute http(s) URL: " + redacted(uri));
    }
    if (scheme.equals("http") && !isLoopbackHost(uri.getHost())) {
      throw new IllegalArgumentException(
          what
              + " must use https (plain http is allowed only on loopback hosts): "
              + redacted(uri));
    }
    return uri;
  }

  /**
   * {@code uri} as a message may quote it: scheme, host, port and path, with user info, query and
   * fragment (where a credential could be) replaced by {@code …}; an opaque URI keeps its scheme
   * only.
   */
  public static String redacted(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme() + ":";
    if (uri.isOpaque()) {
      return scheme + "…";
    }
    StringBuilder out = new StringBuilder(scheme);
    if (uri.getRawAuthority() != null) {
      out.append("//");
      if (uri.getRawUserInfo() != null) {
        out.append("…@");
      }
      if (uri.getHost() != null) {
        out.append(uri.getHost());
        if (uri.getPort() != -1) {
          out.append(':').append(uri.getPort());
        }
      } else {
        out.append('…');
      }
    }
    out.append(uri.getRawPath() == null ? "" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      out.append("?…");
    }
    if (uri.getRawFragment() != null) {
      out.append("#…");
    }
    return out.toString();
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
