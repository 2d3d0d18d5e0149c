package io.tokenbroker.oauth;

import java.time.Instant;
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
 * @param registered whether the grant is registered in this broker
 * @param stored whether the grant has an entry in the store
 */
public record GrantStatus(
    GrantKey key,
    @Nullable String provider,
    @Nullable GrantType grantType,
    @Nullable Instant expiresAt,
    boolean refreshTokenPresent,
    boolean reauthorizationRequired,
    boolean registered,
    boolean stored) {}
