package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import io.tokenbroker.spring.TokenBrokerProperties;
import java.net.URI;

/** Procore grants from properties. Loaded only when procore-adapter is on the classpath. */
public final class ProcoreGrants {
  private ProcoreGrants() {}

  static ClientRegistration registration(String prefix, TokenBrokerProperties.Grant grant) {
    Procore procore = procore(prefix, grant);
    String clientId = ConfiguredGrants.required(grant.getClientId(), prefix + ".client-id");
    ClientSecret secret = ConfiguredGrants.secret(grant.getClientSecret());
    if (secret == null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".client-secret",
          "is required for Procore (apps and service accounts have a client secret)");
    }
    return procore.registration(clientId, secret);
  }

  /** The Procore environment of a grant, with its client authentication. */
  public static Procore procore(String prefix, TokenBrokerProperties.Grant grant) {
    TokenBrokerProperties.ProcoreOptions options = grant.getProcore();
    String environment = options.getEnvironment();
    URI login = options.getLoginUrl();
    URI api = options.getApiUrl();
    Procore procore;
    if (login != null || api != null) {
      if (login == null) {
        throw new TokenBrokerConfigurationException(
            prefix + ".procore.login-url", "is required with procore.api-url");
      }
      if (api == null) {
        throw new TokenBrokerConfigurationException(
            prefix + ".procore.api-url", "is required with procore.login-url");
      }
      try {
        procore = Procore.custom(environment == null ? "custom" : environment, login, api);
      } catch (IllegalArgumentException e) {
        throw new TokenBrokerConfigurationException(
            prefix + ".procore.login-url", ConfiguredGrants.problem(e));
      }
    } else {
      procore =
          switch (environment == null ? "production" : ConfiguredGrants.normalize(environment)) {
            case "production" -> Procore.production();
            case "sandbox" -> Procore.sandbox();
            case "monthly-sandbox" -> Procore.monthlySandbox();
            default ->
                throw new TokenBrokerConfigurationException(
                    prefix + ".procore.environment",
                    ConfiguredGrants.notOneOf(environment, "production, sandbox, monthly-sandbox")
                        + " (another environment needs procore.login-url and procore.api-url)");
          };
    }
    if (options.getCompanyId() != null && options.getCompanyId() <= 0) {
      throw new TokenBrokerConfigurationException(
          prefix + ".procore.company-id", "must be positive");
    }
    if (grant.getClientAuthentication() != null) {
      String property = prefix + ".client-authentication";
      ClientAuthentication method =
          ClientAuthentications.parse(grant.getClientAuthentication(), property);
      if (method.needsClientKey() || method == ClientAuthentication.CLIENT_SECRET_JWT) {
        throw new TokenBrokerConfigurationException(
            property, "is one of basic, post, none with provider procore");
      }
      procore = procore.withClientAuthentication(method);
    }
    return procore;
  }
}
