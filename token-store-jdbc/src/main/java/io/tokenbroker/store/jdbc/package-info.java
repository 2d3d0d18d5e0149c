/**
 * A {@link io.tokenbroker.oauth.TokenStore} in one SQL table, for many application instances that
 * share one database: {@link io.tokenbroker.store.jdbc.JdbcTokenStore}. Everything in this package
 * is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.tokenbroker.store.jdbc;

import org.jspecify.annotations.NullMarked;
