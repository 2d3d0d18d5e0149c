package io.tokenbroker.spring.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.RateLimitedException;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TransientTokenException;
import io.tokenbroker.oauth.UnknownGrantException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Broker events as Micrometer meters. A {@link BrokerListener}, so it costs nothing on the token
 * hot path (events fire around token-endpoint calls only), and a {@link MeterBinder}, so Boot binds
 * it to the application's registries; without a registry it records nothing.
 *
 * <ul>
 *   <li>{@code tokenbroker.token.requests} (counter; tags {@code grant}, {@code grant_type}, {@code
 *       outcome}): token-endpoint calls by this broker, by outcome ({@code success}, {@code
 *       invalid_grant}, {@code client_error}, {@code rate_limited}, {@code transient_error}, {@code
 *       store_error}, {@code unknown_grant}, {@code consent_error});
 *   <li>{@code tokenbroker.refresh} (timer; tags {@code grant}, {@code outcome}): how long each
 *       call took;
 *   <li>{@code tokenbroker.store.write.failures} (counter; tag {@code grant}): writes of new tokens
 *       that failed (the tokens are held and the write retried).
 * </ul>
 */
public final class TokenBrokerMetrics implements BrokerListener, MeterBinder {
  private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
  private final Map<GrantKey, String> grantTypes = new ConcurrentHashMap<>();
  private final Map<GrantKey, Long> started = new ConcurrentHashMap<>();

  public TokenBrokerMetrics(ConfiguredGrants grants) {
    for (ConfiguredGrant grant : grants.all().values()) {
      grantTypes.put(grant.key(), grant.type().name().toLowerCase(Locale.ROOT));
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    registries.add(registry);
  }

  @Override
  public void refreshStarted(GrantKey key) {
    if (!registries.isEmpty()) {
      started.put(key, registries.get(0).config().clock().monotonicTime());
    }
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    finished(key, "success");
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    finished(key, outcome(failure));
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    for (MeterRegistry registry : registries) {
      Counter.builder("tokenbroker.store.write.failures")
          .description(
              "Writes of new tokens to the store that failed (the tokens are held and the write"
                  + " retried)")
          .tag("grant", key.value())
          .register(registry)
          .increment();
    }
  }

  private void finished(GrantKey key, String outcome) {
    Long start = started.remove(key);
    String grantType = grantTypes.getOrDefault(key, "unknown");
    for (MeterRegistry registry : registries) {
      Counter.builder("tokenbroker.token.requests")
          .description("Token-endpoint calls made by the broker, by outcome")
          .tags(Tags.of("grant", key.value(), "grant_type", grantType, "outcome", outcome))
          .register(registry)
          .increment();
      if (start != null) {
        long elapsed = registry.config().clock().monotonicTime() - start;
        Timer.builder("tokenbroker.refresh")
            .description("Time to obtain new tokens for a grant")
            .tags(Tags.of("grant", key.value(), "outcome", outcome))
            .register(registry)
            .record(Math.max(0, elapsed), TimeUnit.NANOSECONDS);
      }
    }
  }

  static String outcome(TokenBrokerException failure) {
    if (failure instanceof InvalidGrantException) {
      return "invalid_grant";
    }
    if (failure instanceof ClientConfigurationException) {
      return "client_error";
    }
    if (failure instanceof RateLimitedException) {
      return "rate_limited";
    }
    if (failure instanceof TransientTokenException) {
      return "transient_error";
    }
    if (failure instanceof TokenStoreException) {
      return "store_error";
    }
    if (failure instanceof UnknownGrantException) {
      return "unknown_grant";
    }
    if (failure instanceof ConsentException) {
      return "consent_error";
    }
    return "error";
  }

  @Override
  public String toString() {
    return "TokenBrokerMetrics";
  }
}
