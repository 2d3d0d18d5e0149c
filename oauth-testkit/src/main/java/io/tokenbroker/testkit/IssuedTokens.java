package io.tokenbroker.testkit;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a testkit server has issued, oldest first: access tokens, refresh tokens and authorization
 * codes, including those whose response a fault dropped. Thread-safe.
 */
public final class IssuedTokens {
  private final List<String> accessTokens = new ArrayList<>();
  private final List<String> refreshTokens = new ArrayList<>();
  private final List<String> codes = new ArrayList<>();

  /** An empty record, for a server's protocol state to fill. */
  public IssuedTokens() {}

  /** Records an access token the server issued. */
  public synchronized void recordAccessToken(String token) {
    accessTokens.add(token);
  }

  /** Records a refresh token the server issued. */
  public synchronized void recordRefreshToken(String token) {
    refreshTokens.add(token);
  }

  /** Records an authorization code the server issued. */
  public synchronized void recordCode(String code) {
    codes.add(code);
  }

  /** Every access token issued so far, oldest first. */
  public synchronized List<String> accessTokens() {
    return List.copyOf(accessTokens);
  }

  /** Every refresh token issued so far, oldest first. */
  public synchronized List<String> refreshTokens() {
    return List.copyOf(refreshTokens);
  }

  /** Every authorization code issued so far, oldest first. */
  public synchronized List<String> codes() {
    return List.copyOf(codes);
  }

  /** The last access token issued, or null if none was. */
  public synchronized @Nullable String lastAccessToken() {
    return accessTokens.isEmpty() ? null : accessTokens.get(accessTokens.size() - 1);
  }

  /** The last refresh token issued, or null if none was. */
  public synchronized @Nullable String lastRefreshToken() {
    return refreshTokens.isEmpty() ? null : refreshTokens.get(refreshTokens.size() - 1);
  }

  @Override
  public synchronized String toString() {
    return "IssuedTokens[access="
        + accessTokens.size()
        + ", refresh="
        + refreshTokens.size()
        + ", codes="
        + codes.size()
        + "]";
  }
}
