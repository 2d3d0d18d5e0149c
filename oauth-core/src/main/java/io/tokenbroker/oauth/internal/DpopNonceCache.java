package io.tokenbroker.oauth.internal;

import java.net.URI;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * The latest DPoP nonce each server (origin) gave (RFC 9449 §8, §9). A server may send a new one on
 * any answer; the next proof to that origin carries it. Thread-safe.
 */
public final class DpopNonceCache {
  private static final int MAX_ORIGINS = 256;

  private final ConcurrentMap<String, String> nonces = new ConcurrentHashMap<>();

  /** The nonce to send to {@code uri}'s origin, or null. */
  public @Nullable String get(URI uri) {
    return nonces.get(origin(uri));
  }

  /** Remembers {@code nonce} for {@code uri}'s origin if it is a valid nonce. */
  public void put(URI uri, @Nullable String nonce) {
    if (!DpopNonces.isValid(nonce)) {
      return;
    }
    if (nonces.size() >= MAX_ORIGINS && !nonces.containsKey(origin(uri))) {
      nonces.clear(); // bounded: a client talks to a handful of servers
    }
    nonces.put(origin(uri), nonce);
  }

  private static String origin(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    return scheme + "://" + host + ":" + uri.getPort();
  }
}
