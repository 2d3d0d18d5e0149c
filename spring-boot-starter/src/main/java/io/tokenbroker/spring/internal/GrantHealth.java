package io.tokenbroker.spring.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The health of the configured grants, independent of the Spring Boot line: DOWN while any of them
 * needs re-authorization; details per grant (state, grant type, expiry), never a token.
 */
public record GrantHealth(boolean up, Map<String, Object> details) {
  public static GrantHealth of(GrantStates states) {
    List<GrantStates.View> views = states.registered();
    Map<String, Object> grants = new LinkedHashMap<>();
    for (GrantStates.View view : views) {
      Map<String, Object> detail = new LinkedHashMap<>();
      Map<String, Object> all = view.details();
      for (String name : new String[] {"state", "grantType", "expiresAt"}) {
        if (all.containsKey(name)) {
          detail.put(name, all.get(name));
        }
      }
      grants.put(view.name(), detail);
    }
    return new GrantHealth(!GrantStates.anyNeedsReauthorization(views), Map.of("grants", grants));
  }
}
