package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import io.tokenbroker.spring.TokenBrokerProperties;
import io.tokenbroker.spring.internal.ConfiguredGrant.ProviderKind;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

/**
 * The grants of {@code tokenbroker.grants}, checked. Every problem is a {@link
 * TokenBrokerConfigurationException} naming the property; no message quotes a value that could be
 * secret. Immutable.
 */
public final class ConfiguredGrants {
  private static final String COR_CLASS = "io.tokenbroker.cor.Cor";
  private static final String PROCORE_CLASS = "io.tokenbroker.procore.Procore";

  private final Map<String, ConfiguredGrant> grants;

  private ConfiguredGrants(Map<String, ConfiguredGrant> grants) {
    this.grants = Collections.unmodifiableMap(grants);
  }

  /** Checks every grant of {@code properties}. */
  public static ConfiguredGrants from(
      TokenBrokerProperties properties, @Nullable ClassLoader loader) {
    Map<String, ConfiguredGrant> grants = new LinkedHashMap<>();
    properties.getGrants().forEach((name, grant) -> grants.put(name, parse(name, grant, loader)));
    return new ConfiguredGrants(grants);
  }

  /** The grants in configuration order. */
  public Map<String, ConfiguredGrant> all() {
    return grants;
  }

  public Optional<ConfiguredGrant> find(String name) {
    return Optional.ofNullable(grants.get(name));
  }

  static String prefix(String name) {
    boolean plain = name.matches("[a-z0-9-]+");
    return "tokenbroker.grants" + (plain ? "." + name : "[" + name + "]");
  }

  private static ConfiguredGrant parse(
      String name, TokenBrokerProperties.Grant grant, @Nullable ClassLoader loader) {
    String prefix = prefix(name);
    GrantKey key;
    try {
      key = GrantKey.of(name);
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(
          prefix, "not a usable grant name: " + e.getMessage());
    }
    GrantType type = grantType(grant.getGrantType(), prefix + ".grant-type");
    if (!grant.getParameters().isEmpty()) {
      throw new TokenBrokerConfigurationException(
          prefix + ".parameters",
          "extra token-request parameters are not supported yet (oauth-core sends only scope);"
              + " remove them rather than have them silently ignored");
    }
    ProviderKind kind = provider(grant.getProvider(), prefix + ".provider");
    if (kind != ProviderKind.PROCORE && isSet(grant.getProcore())) {
      throw new TokenBrokerConfigurationException(
          prefix + ".procore", "is only used with provider procore");
    }
    if (kind != ProviderKind.COR && isSet(grant.getCor())) {
      throw new TokenBrokerConfigurationException(
          prefix + ".cor", "is only used with provider cor");
    }
    ClientRegistration registration =
        switch (kind) {
          case GENERIC -> generic(prefix, grant, type);
          case COR -> {
            requireAdapter(COR_CLASS, "cor-adapter", prefix, loader);
            vendorEndpointsUnset(prefix, grant, "cor", "cor.api-url");
            yield CorGrants.registration(prefix, grant, type);
          }
          case PROCORE -> {
            requireAdapter(PROCORE_CLASS, "procore-adapter", prefix, loader);
            vendorEndpointsUnset(prefix, grant, "procore", "procore.environment");
            yield ProcoreGrants.registration(prefix, grant);
          }
        };
    if (!grant.getScopes().isEmpty()) {
      Set<String> scopes = new LinkedHashSet<>();
      for (String scope : grant.getScopes()) {
        if (scope == null
            || scope.isBlank()
            || scope
                .chars()
                .anyMatch(c -> c == ' ' || c < 0x21 || c == '"' || c == '\\' || c > 0x7e)) {
          throw new TokenBrokerConfigurationException(
              prefix + ".scopes",
              "a scope must be non-empty printable ASCII without spaces, quotes or backslashes");
        }
        scopes.add(scope);
      }
      registration = registration.withScopes(scopes);
    }
    return new ConfiguredGrant(name, key, type, registration, kind, grant);
  }

  private static ClientRegistration generic(
      String prefix, TokenBrokerProperties.Grant grant, GrantType type) {
    if (grant.getTokenUri() == null) {
      if (grant.getIssuerUri() != null) {
        throw new TokenBrokerConfigurationException(
            prefix + ".issuer-uri",
            "endpoint discovery is not available yet; set token-uri (and authorization-uri,"
                + " revocation-uri) beside it for now");
      }
      throw new TokenBrokerConfigurationException(prefix + ".token-uri", "is required");
    }
    String clientId = grant.getClientId();
    if (clientId == null || clientId.isBlank()) {
      throw new TokenBrokerConfigurationException(prefix + ".client-id", "is required");
    }
    ClientAuthentication authentication =
        grant.getClientAuthentication() == null
            ? ClientAuthentication.CLIENT_SECRET_BASIC
            : ClientAuthentications.parse(
                grant.getClientAuthentication(), prefix + ".client-authentication");
    Provider.Builder provider = Provider.builder("generic").clientAuthentication(authentication);
    endpoint(prefix + ".token-uri", grant.getTokenUri(), provider::tokenEndpoint);
    if (grant.getAuthorizationUri() != null) {
      endpoint(
          prefix + ".authorization-uri",
          grant.getAuthorizationUri(),
          provider::authorizationEndpoint);
    }
    if (grant.getRevocationUri() != null) {
      endpoint(prefix + ".revocation-uri", grant.getRevocationUri(), provider::revocationEndpoint);
    }
    ClientSecret secret = secret(grant.getClientSecret());
    if (secret == null && ClientAuthentications.needsSecret(authentication)) {
      throw new TokenBrokerConfigurationException(
          prefix + ".client-secret",
          "is required with client-authentication "
              + (authentication == ClientAuthentication.CLIENT_SECRET_POST ? "post" : "basic")
              + " (or set client-authentication: none for a public client)");
    }
    return new ClientRegistration(provider.build(), clientId, secret, Set.of());
  }

  /**
   * Sets an endpoint, turning the provider's check (https or loopback http) into a property error.
   */
  static void endpoint(String property, URI uri, Consumer<URI> setter) {
    try {
      setter.accept(uri);
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(property, e.getMessage());
    }
  }

  static @Nullable ClientSecret secret(@Nullable String value) {
    return value == null || value.isEmpty() ? null : ClientSecret.of(value);
  }

  static String required(@Nullable String value, String property) {
    if (value == null || value.isBlank()) {
      throw new TokenBrokerConfigurationException(property, "is required");
    }
    return value;
  }

  private static void vendorEndpointsUnset(
      String prefix, TokenBrokerProperties.Grant grant, String provider, String instead) {
    Map<String, @Nullable URI> endpoints = new LinkedHashMap<>();
    endpoints.put("issuer-uri", grant.getIssuerUri());
    endpoints.put("token-uri", grant.getTokenUri());
    endpoints.put("authorization-uri", grant.getAuthorizationUri());
    endpoints.put("revocation-uri", grant.getRevocationUri());
    endpoints.forEach(
        (property, value) -> {
          if (value != null) {
            throw new TokenBrokerConfigurationException(
                prefix + "." + property,
                "is not used with provider "
                    + provider
                    + " (its endpoints are known; see "
                    + instead
                    + ")");
          }
        });
  }

  private static void requireAdapter(
      String className, String artifact, String prefix, @Nullable ClassLoader loader) {
    if (!ClassUtils.isPresent(className, loader)) {
      throw new TokenBrokerConfigurationException(
          prefix + ".provider", "needs io.tokenbroker:" + artifact + " on the classpath");
    }
  }

  private static GrantType grantType(@Nullable String value, String property) {
    if (value == null || value.isBlank()) {
      throw new TokenBrokerConfigurationException(
          property, "is required (client-credentials or authorization-code)");
    }
    return switch (normalize(value)) {
      case "client-credentials" -> GrantType.CLIENT_CREDENTIALS;
      case "authorization-code" -> GrantType.AUTHORIZATION_CODE;
      default ->
          throw new TokenBrokerConfigurationException(
              property, "is not one of client-credentials, authorization-code");
    };
  }

  private static ProviderKind provider(@Nullable String value, String property) {
    return switch (value == null ? "generic" : normalize(value)) {
      case "generic" -> ProviderKind.GENERIC;
      case "cor" -> ProviderKind.COR;
      case "procore" -> ProviderKind.PROCORE;
      default ->
          throw new TokenBrokerConfigurationException(
              property, "is not one of generic, cor, procore");
    };
  }

  static String normalize(String value) {
    return value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static boolean isSet(TokenBrokerProperties.ProcoreOptions o) {
    return o.getEnvironment() != null
        || o.getCompanyId() != null
        || o.getLoginUrl() != null
        || o.getApiUrl() != null;
  }

  private static boolean isSet(TokenBrokerProperties.CorOptions o) {
    return o.getSubdomain() != null || o.getAppName() != null || o.getApiUrl() != null;
  }

  @Override
  public String toString() {
    return "ConfiguredGrants" + grants.keySet();
  }
}
