package io.tokenbroker.spring;

import io.tokenbroker.oauth.TokenBroker;

/**
 * Adjusts the {@link TokenBroker.Builder} before the starter builds its broker: a proxy-aware
 * {@code HttpClient}, a retry policy, timeouts, a custom executor. Applied after the {@code
 * tokenbroker.*} properties, in {@link org.springframework.core.Ordered order}; declare it as a
 * bean.
 *
 * <pre>{@code
 * @Bean
 * TokenBrokerCustomizer tokenTimeouts() {
 *   return builder -> builder.requestTimeout(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>The store, keyset and listeners are the starter's to set (use {@code tokenbroker.store}, a
 * {@code TokenStore} bean, {@code BrokerListener} beans); set them here only to override it.
 */
@FunctionalInterface
public interface TokenBrokerCustomizer {
  void customize(TokenBroker.Builder builder);
}
