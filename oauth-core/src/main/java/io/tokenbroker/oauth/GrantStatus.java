package io.tokenbroker.oauth;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Non-secret status of one grant, for listings and health checks.
 *
 * @param key the grant
 * @param provider the provider's name, or {@code null} if the grant is stored but not registered
 *     and could not be opened
 * @param grantType how the grant renews, or {@code null} when unknown
 * @param expiresAt when the current access token expires, or {@code null} if no token is held
 * @param refreshTokenPresent whether a refresh token is held
 * @param reauthorizationRequired whether the grant is dead and needs a new consent
 * @param registered whether the grant is registered in this broker: on its own, or through the
 *     client template its stored entry names
 * @param stored whether the grant has an entry in the store
 * @param clientAuthentication how the client authenticates (as stored with the tokens, else as
 *     registered), or {@code null} when unknown
 * @param dpopBound whether the grant's tokens are bound to a DPoP key (RFC 9449)
 * @param resources the RFC 8707 {@code resource} values the grant is requested with
 * @param audience the {@code audience} values the grant is requested with
 * @param scopes the scopes granted with the current token (empty when the server did not say)
 */
public record GrantStatus(
    GrantKey key,
    @Nullable String provider,
    @Nullable GrantType grantType,
    @Nullable Instant expiresAt,
    boolean refreshTokenPresent,
    boolean reauthorizationRequired,
    boolean registered,
    boolean stored,
    @Nullable ClientAuthentication clientAuthentication,
    boolean dpopBound,
    List<String> resources,
    List<String> audience,
    Set<String> scopes) {

  public GrantStatus {
    resources = List.copyOf(resources);
    audience = List.copyOf(audience);
    scopes = Set.copyOf(scopes);
  }

  /** A status without authentication, DPoP, resource, audience or scope facts. */
  public GrantStatus(
      GrantKey key,
      @Nullable String provider,
      @Nullable GrantType grantType,
      @Nullable Instant expiresAt,
      boolean refreshTokenPresent,
      boolean reauthorizationRequired,
      boolean registered,
      boolean stored) {
    this(
        key,
        provider,
        grantType,
        expiresAt,
        refreshTokenPresent,
        reauthorizationRequired,
        registered,
        stored,
        null,
        false,
        List.of(),
        List.of(),
        Set.of());
  }
}
