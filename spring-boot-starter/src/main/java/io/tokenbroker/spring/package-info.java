/**
 * Spring Boot auto-configuration for tokenbroker: a {@link io.tokenbroker.oauth.TokenBroker} built
 * from {@code tokenbroker.*} properties ({@link io.tokenbroker.spring.TokenBrokerProperties}) with
 * every configured grant registered, {@link io.tokenbroker.spring.TokenBrokerInterceptor} for
 * {@code RestClient} and {@code RestTemplate}, {@link
 * io.tokenbroker.spring.TokenBrokerExchangeFilter} for {@code WebClient}, and, where the
 * application has them, COR and Procore clients by grant name, an actuator health indicator and
 * endpoint, and Micrometer metrics.
 *
 * <p>Works on Spring Boot 4.0.x and 3.5.x.
 */
@NullMarked
package io.tokenbroker.spring;

import org.jspecify.annotations.NullMarked;
