package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.spring.TokenBrokerProperties;

/**
 * One grant from {@code tokenbroker.grants}, checked and turned into what the broker registers.
 *
 * @param name the name under {@code tokenbroker.grants}, which is also the store key
 * @param key the grant key ({@code GrantKey.of(name)}), so the CLI's {@code login NAME} on the same
 *     store fills it
 * @param provider generic, cor or procore
 * @param properties the grant's properties, for the vendor clients
 */
public record ConfiguredGrant(
    String name,
    GrantKey key,
    GrantType type,
    ClientRegistration registration,
    ProviderKind provider,
    TokenBrokerProperties.Grant properties) {

  /** The providers a grant can name. */
  public enum ProviderKind {
    GENERIC,
    COR,
    PROCORE
  }

  /** The property prefix of this grant, e.g. {@code tokenbroker.grants.reporting}. */
  public String property() {
    return ConfiguredGrants.prefix(name);
  }
}
