package io.tokenbroker.spring.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenbroker.spring.GrantState;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code tokenbroker.grants} (gauge; tag {@code state}): how many configured grants are in each
 * {@link GrantState}. Reading it reads the store once per grant, at most once a second whatever the
 * number of gauges and registries.
 */
public final class GrantsGauge implements MeterBinder {
  private static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final GrantStates states;
  private Map<GrantState, Integer> counts = new EnumMap<>(GrantState.class);
  private long readAt;
  private boolean read;

  public GrantsGauge(GrantStates states) {
    this.states = states;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (GrantState state : GrantState.values()) {
      Gauge.builder("tokenbroker.grants", this, g -> g.count(state, registry))
          .description("Configured grants by state")
          .tag("state", state.value())
          .register(registry);
    }
  }

  private synchronized double count(GrantState state, MeterRegistry registry) {
    long now = registry.config().clock().monotonicTime();
    if (!read || now - readAt > MAX_AGE_NANOS) {
      Map<GrantState, Integer> fresh = new EnumMap<>(GrantState.class);
      for (GrantStates.View view : states.registered()) {
        fresh.merge(view.state(), 1, Integer::sum);
      }
      counts = fresh;
      readAt = now;
      read = true;
    }
    return counts.getOrDefault(state, 0);
  }
}
