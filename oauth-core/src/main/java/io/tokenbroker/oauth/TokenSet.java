package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The tokens of one grant as returned by a token endpoint, with absolute times.
 *
 * <p>{@code toString()} is safe to log: the secret parts redact themselves.
 *
 * @param accessToken the access token
 * @param tokenType the token type, normalised ({@code Bearer} for bearer tokens)
 * @param issuedAt when the token was issued (the server's {@code created_at} when it sends one,
 *     otherwise when the response arrived)
 * @param expiresAt when the access token expires
 * @param refreshToken the refresh token, if any
 * @param refreshTokenExpiresAt when the refresh token expires, if the server said so
 * @param scopes the granted scopes (empty when the server did not say)
 * @param audience the token's audience as the server returned it ({@code audience}, a string or an
 *     array; empty when the server did not say)
 */
public record TokenSet(
    AccessToken accessToken,
    String tokenType,
    Instant issuedAt,
    Instant expiresAt,
    @Nullable RefreshToken refreshToken,
    @Nullable Instant refreshTokenExpiresAt,
    Set<String> scopes,
    Set<String> audience) {

  public TokenSet {
    requireNonNull(accessToken, "accessToken == null");
    requireNonNull(tokenType, "tokenType == null");
    requireNonNull(issuedAt, "issuedAt == null");
    requireNonNull(expiresAt, "expiresAt == null");
    scopes = Set.copyOf(requireNonNull(scopes, "scopes == null"));
    audience = Set.copyOf(requireNonNull(audience, "audience == null"));
  }

  /** A token set without a returned audience. */
  public TokenSet(
      AccessToken accessToken,
      String tokenType,
      Instant issuedAt,
      Instant expiresAt,
      @Nullable RefreshToken refreshToken,
      @Nullable Instant refreshTokenExpiresAt,
      Set<String> scopes) {
    this(
        accessToken,
        tokenType,
        issuedAt,
        expiresAt,
        refreshToken,
        refreshTokenExpiresAt,
        scopes,
        Set.of());
  }

  /** Whether the access token is DPoP-bound ({@code token_type} {@code DPoP}, RFC 9449 §5). */
  public boolean isDpopBound() {
    return tokenType.equalsIgnoreCase("DPoP");
  }

  /** The access token's lifetime as issued. */
  public Duration lifetime() {
    return Duration.between(issuedAt, expiresAt);
  }

  /** Whether the access token is expired at {@code now}. */
  public boolean isExpiredAt(Instant now) {
    return !now.isBefore(expiresAt);
  }

  /**
   * Returns the result of a refresh that answered with {@code next}: a response without a refresh
   * token keeps this set's refresh token (RFC 6749 §6), a new one replaces it.
   */
  public TokenSet mergeRefreshed(TokenSet next) {
    if (next.refreshToken != null) {
      return next;
    }
    return new TokenSet(
        next.accessToken,
        next.tokenType,
        next.issuedAt,
        next.expiresAt,
        refreshToken,
        refreshTokenExpiresAt,
        next.scopes.isEmpty() ? scopes : next.scopes,
        next.audience.isEmpty() ? audience : next.audience);
  }
}
