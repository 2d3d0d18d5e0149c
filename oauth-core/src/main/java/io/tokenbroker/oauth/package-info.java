/**
 * Gets, keeps and hands out valid OAuth 2.0 access tokens.
 *
 * <p>Start with {@link io.tokenbroker.oauth.TokenBroker}: build one per application, register each
 * grant under a {@link io.tokenbroker.oauth.GrantKey} with a {@link
 * io.tokenbroker.oauth.ClientRegistration} at a {@link io.tokenbroker.oauth.Provider}, and ask it
 * for {@link io.tokenbroker.oauth.TokenBroker#accessToken access tokens}: cached, refreshed ahead
 * of expiry, one refresh per grant at a time, persisted sealed in a {@link
 * io.tokenbroker.oauth.TokenStore}. {@link io.tokenbroker.oauth.TokenClient} makes single protocol
 * calls (client credentials, authorization code, refresh, revocation) without caching, and {@link
 * io.tokenbroker.oauth.AuthorizedHttpClient} sends API requests with the broker's tokens.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.tokenbroker.oauth;

import org.jspecify.annotations.NullMarked;
