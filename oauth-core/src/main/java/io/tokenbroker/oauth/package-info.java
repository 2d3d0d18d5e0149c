/**
 * Gets, keeps and hands out valid OAuth 2.0 access tokens.
 *
 * <p>Start with {@link io.tokenbroker.oauth.TokenClient} for single protocol calls (client
 * credentials, authorization code, refresh, revocation) against a {@link
 * io.tokenbroker.oauth.Provider}. Everything in this package is non-null unless marked
 * {@code @Nullable}.
 */
@NullMarked
package io.tokenbroker.oauth;

import org.jspecify.annotations.NullMarked;
