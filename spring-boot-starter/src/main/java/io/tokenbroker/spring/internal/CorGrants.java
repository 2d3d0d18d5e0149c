package io.tokenbroker.spring.internal;

import io.tokenbroker.cor.Cor;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import io.tokenbroker.spring.TokenBrokerProperties;

/** COR grants from properties. Loaded only when cor-adapter is on the classpath. */
public final class CorGrants {
  private CorGrants() {}

  static ClientRegistration registration(
      String prefix, TokenBrokerProperties.Grant grant, GrantType type) {
    if (grant.getClientAuthentication() != null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".client-authentication",
          "is not configurable for provider cor (COR's methods are fixed)");
    }
    Cor cor = cor(prefix, grant);
    if (type == GrantType.CLIENT_CREDENTIALS) {
      String apiKey = ConfiguredGrants.required(grant.getClientId(), prefix + ".client-id");
      ClientSecret secret = ConfiguredGrants.secret(grant.getClientSecret());
      if (secret == null) {
        throw new TokenBrokerConfigurationException(
            prefix + ".client-secret", "is required for COR client credentials");
      }
      try {
        return cor.clientCredentials(apiKey, secret);
      } catch (IllegalArgumentException e) {
        throw new TokenBrokerConfigurationException(
            prefix + ".client-id", ConfiguredGrants.problem(e));
      }
    }
    TokenBrokerProperties.CorOptions options = grant.getCor();
    String subdomain = ConfiguredGrants.required(options.getSubdomain(), prefix + ".cor.subdomain");
    String appName = ConfiguredGrants.required(options.getAppName(), prefix + ".cor.app-name");
    try {
      return cor.authorizationCode(subdomain, appName);
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(
          prefix + ".cor.subdomain", ConfiguredGrants.problem(e));
    }
  }

  /** The COR of a grant: its API base, or COR's. */
  public static Cor cor(String prefix, TokenBrokerProperties.Grant grant) {
    Cor.Builder builder = Cor.builder();
    if (grant.getCor().getApiUrl() != null) {
      ConfiguredGrants.endpoint(
          prefix + ".cor.api-url", grant.getCor().getApiUrl(), builder::apiBaseUri);
    }
    return builder.build();
  }
}
