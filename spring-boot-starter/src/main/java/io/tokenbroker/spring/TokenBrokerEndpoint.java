package io.tokenbroker.spring;

import io.tokenbroker.spring.internal.GrantStates;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The read-only actuator endpoint {@code tokenbroker} ({@code /actuator/tokenbroker}): the status
 * of every grant the broker has registered or finds in its store, by name, with its {@link
 * GrantState}, grant type, provider and expiry. Never shows a token or secret. Expose it over HTTP
 * with {@code management.endpoints.web.exposure.include=health,tokenbroker}.
 *
 * <pre>{@code
 * {"grants": {"reporting": {"state": "valid", "grantType": "client-credentials",
 *   "provider": "generic", "expiresAt": "2026-01-01T10:00:00Z", "refreshTokenPresent": false,
 *   "registered": true, "stored": true}}}
 * }</pre>
 */
@Endpoint(id = "tokenbroker")
public class TokenBrokerEndpoint {
  private final GrantStates states;

  TokenBrokerEndpoint(GrantStates states) {
    this.states = states;
  }

  /** Every grant's status. */
  @ReadOperation
  public Map<String, Object> grants() {
    Map<String, Object> grants = new LinkedHashMap<>();
    for (GrantStates.View view : states.all()) {
      grants.put(view.name(), view.details());
    }
    return Map.of("grants", grants);
  }

  /**
   * One grant's status ({@code /actuator/tokenbroker/NAME}), read on its own without listing the
   * store; 404 if unknown.
   */
  @ReadOperation
  public @Nullable Map<String, Object> grant(@Selector String name) {
    GrantStates.View view = states.one(name);
    return view == null ? null : view.details();
  }
}
