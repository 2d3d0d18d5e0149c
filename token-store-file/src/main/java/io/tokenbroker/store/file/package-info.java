/**
 * A {@link io.tokenbroker.oauth.TokenStore} that keeps one file per sealed grant in a local
 * directory: {@link io.tokenbroker.store.file.FileTokenStore}. Everything in this package is
 * non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.tokenbroker.store.file;

import org.jspecify.annotations.NullMarked;
