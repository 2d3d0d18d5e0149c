package io.tokenbroker.spring;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.ConfiguredGrants;
import io.tokenbroker.spring.internal.GrantStates;
import io.tokenbroker.spring.internal.GrantsGauge;
import io.tokenbroker.spring.internal.TokenBrokerMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer: {@code tokenbroker.token.requests}, {@code tokenbroker.refresh}, {@code
 * tokenbroker.store.write.failures} (fed by a {@code BrokerListener}, so nothing is added to the
 * token hot path) and {@code tokenbroker.grants} by {@code state}. Boot binds them to the
 * application's meter registries.
 */
@AutoConfiguration(after = TokenBrokerAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
@ConditionalOnBean(TokenBroker.class)
public class TokenBrokerMetricsAutoConfiguration {

  /** Also a BrokerListener: the broker sends it its events. */
  @Bean
  @ConditionalOnMissingBean
  public TokenBrokerMetrics tokenBrokerMetrics(ConfiguredGrants grants) {
    return new TokenBrokerMetrics(grants);
  }

  @Bean
  @ConditionalOnMissingBean
  public GrantsGauge tokenBrokerGrantsGauge(GrantStates states) {
    return new GrantsGauge(states);
  }
}
