package io.tokenbroker.spring;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.Boot3HealthRegistrar;
import io.tokenbroker.spring.internal.Boot4HealthIndicator;
import io.tokenbroker.spring.internal.GrantStates;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * With Spring Boot Actuator: the {@code tokenbroker} health indicator (DOWN while any configured
 * grant needs re-authorization; {@code management.health.tokenbroker.enabled=false} turns it off)
 * and the read-only {@link TokenBrokerEndpoint}. One jar for both Boot lines: the health indicator
 * is chosen by the health API on the classpath (Boot 4's {@code
 * org.springframework.boot.health.contributor}, or Boot 3's {@code
 * org.springframework.boot.actuate.health}).
 */
@AutoConfiguration(after = TokenBrokerAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean(TokenBroker.class)
public class TokenBrokerActuatorAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public TokenBrokerEndpoint tokenBrokerEndpoint(GrantStates states) {
    return new TokenBrokerEndpoint(states);
  }

  /** Boot 4. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnProperty(name = "management.health.tokenbroker.enabled", matchIfMissing = true)
  static class Boot4Health {
    @Bean
    @ConditionalOnMissingBean(name = "tokenbrokerHealthIndicator")
    Boot4HealthIndicator tokenbrokerHealthIndicator(GrantStates states) {
      return new Boot4HealthIndicator(states);
    }
  }

  /** Boot 3. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnProperty(name = "management.health.tokenbroker.enabled", matchIfMissing = true)
  @Import(Boot3HealthRegistrar.class)
  static class Boot3Health {}
}
