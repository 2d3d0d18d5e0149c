package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.UnknownGrantException;
import io.tokenbroker.spring.GrantState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Non-secret status of the broker's grants, for the health indicator, the endpoint and the gauge.
 * Each call reads the store (one load per grant); nothing here is on the token hot path.
 */
public final class GrantStates {
  private final TokenBroker broker;
  private final ConfiguredGrants configured;
  private final Clock clock;

  public GrantStates(TokenBroker broker, ConfiguredGrants configured, Clock clock) {
    this.broker = broker;
    this.configured = configured;
    this.clock = clock;
  }

  /** One grant's status; {@code status} is null when it could not be read. */
  public record View(String name, GrantState state, @Nullable GrantStatus status) {
    /** The JSON shape: state, grant type, provider, expiry, flags; never a token. */
    public Map<String, Object> details() {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("state", state.value());
      if (status != null) {
        if (status.grantType() != null) {
          details.put(
              "grantType", status.grantType().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        if (status.provider() != null) {
          details.put("provider", status.provider());
        }
        if (status.expiresAt() != null) {
          details.put("expiresAt", status.expiresAt().toString());
        }
        details.put("refreshTokenPresent", status.refreshTokenPresent());
        details.put("registered", status.registered());
        details.put("stored", status.stored());
      }
      return details;
    }
  }

  /** Every registered or stored grant, sorted by name. */
  public List<View> all() {
    List<GrantStatus> statuses;
    try {
      statuses = broker.grants();
    } catch (TokenBrokerException | IllegalStateException e) {
      return registered(); // the store cannot be listed: say what is known per grant
    }
    Instant now = clock.instant();
    List<View> views = new ArrayList<>(statuses.size());
    for (GrantStatus status : statuses) {
      views.add(new View(status.key().value(), state(status, now), status));
    }
    return views;
  }

  /**
   * The grant named {@code name}, registered or only stored, read on its own ({@link
   * TokenBroker#status}: no listing of the store); null if the broker knows no such grant or the
   * name is not a grant key.
   */
  public @Nullable View one(String name) {
    GrantKey key;
    try {
      key = GrantKey.of(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return view(key, clock.instant());
  }

  /** The grants configured under {@code tokenbroker.grants}, sorted by name. */
  public List<View> registered() {
    Instant now = clock.instant();
    Map<String, View> views = new TreeMap<>();
    for (ConfiguredGrant grant : configured.all().values()) {
      View view = view(grant.key(), now);
      views.put(
          grant.name(),
          view != null ? view : new View(grant.key().value(), GrantState.UNAVAILABLE, null));
    }
    return new ArrayList<>(views.values());
  }

  /** Whether any configured grant needs a new consent. */
  public static boolean anyNeedsReauthorization(List<View> views) {
    return views.stream().anyMatch(v -> v.state() == GrantState.REAUTHORIZATION_REQUIRED);
  }

  /** {@code key}'s view; null if the broker knows no such grant. */
  private @Nullable View view(GrantKey key, Instant now) {
    try {
      GrantStatus status = broker.status(key);
      return new View(key.value(), state(status, now), status);
    } catch (UnknownGrantException e) {
      return null;
    } catch (TokenBrokerException | IllegalStateException e) {
      return new View(key.value(), GrantState.UNAVAILABLE, null);
    }
  }

  static GrantState state(GrantStatus status, Instant now) {
    if (status.reauthorizationRequired()) {
      return GrantState.REAUTHORIZATION_REQUIRED;
    }
    if (status.stored() && status.expiresAt() == null) {
      return GrantState.UNAVAILABLE; // stored, but the entry could not be read or opened
    }
    if (status.expiresAt() == null) {
      return GrantState.NO_TOKEN;
    }
    return status.expiresAt().isAfter(now) ? GrantState.VALID : GrantState.EXPIRED;
  }
}
