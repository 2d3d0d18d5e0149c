package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The headers one API request needs: {@code Authorization: Bearer <token>}, or for a DPoP-bound
 * token (RFC 9449) {@code Authorization: DPoP <token>} and a {@code DPoP} proof made for that
 * request's method and URL. From {@link TokenBroker#authorizationHeaders}.
 *
 * <p>{@code toString()} names only the scheme; the values come out only through the loudly named
 * {@link #revealAuthorization()} and {@link #revealHeaders()}. Immutable and thread-safe.
 */
public final class AuthorizationHeaders {
  private final String scheme;
  private final AccessToken accessToken;
  private final @Nullable String dpopProof;

  AuthorizationHeaders(String scheme, AccessToken accessToken, @Nullable String dpopProof) {
    this.scheme = requireNonNull(scheme, "scheme == null");
    this.accessToken = requireNonNull(accessToken, "accessToken == null");
    this.dpopProof = dpopProof;
  }

  /** {@code Bearer} or {@code DPoP}. */
  public String scheme() {
    return scheme;
  }

  /** Whether the token is DPoP-bound, so that {@link #dpopProof()} is present. */
  public boolean isDpop() {
    return dpopProof != null;
  }

  /** The access token the headers carry. */
  public AccessToken accessToken() {
    return accessToken;
  }

  /** The {@code DPoP} proof for this request, if the token is DPoP-bound. */
  public Optional<String> dpopProof() {
    return Optional.ofNullable(dpopProof);
  }

  /** The {@code Authorization} header's value, e.g. {@code DPoP eyJ...}. */
  public String revealAuthorization() {
    return scheme + " " + accessToken.revealValue();
  }

  /** The headers by name, in order: {@code Authorization}, then {@code DPoP} if bound. */
  public Map<String, String> revealHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", revealAuthorization());
    if (dpopProof != null) {
      headers.put("DPoP", dpopProof);
    }
    return headers;
  }

  @Override
  public String toString() {
    return "AuthorizationHeaders[" + scheme + ", redacted]";
  }
}
