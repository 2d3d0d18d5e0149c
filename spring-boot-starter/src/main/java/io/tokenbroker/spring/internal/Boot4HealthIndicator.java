package io.tokenbroker.spring.internal;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The {@code tokenbroker} health indicator on Spring Boot 4. */
public final class Boot4HealthIndicator implements HealthIndicator {
  private final GrantStates states;

  public Boot4HealthIndicator(GrantStates states) {
    this.states = states;
  }

  @Override
  public Health health() {
    GrantHealth health = GrantHealth.of(states);
    return (health.up() ? Health.up() : Health.down()).withDetails(health.details()).build();
  }
}
