/**
 * COR (projectcor.com) for tokenbroker: {@link io.tokenbroker.cor.Cor} builds the provider
 * descriptors and client registrations for COR's auth flows, {@link io.tokenbroker.cor.CorClient}
 * is a typed client for COR's REST API whose requests go through the broker, and the records and
 * enums model COR's documented JSON. Everything is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.tokenbroker.cor;

import org.jspecify.annotations.NullMarked;
