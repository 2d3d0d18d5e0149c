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
import java.nio.charset.StandardCharsets;
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
  private static final String GRANT_TYPES =
      "client-credentials, authorization-code, device-code, jwt-bearer";

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
    ProviderKind kind = provider(grant.getProvider(), prefix + ".provider");
    if (kind != ProviderKind.PROCORE && isSet(grant.getProcore())) {
      throw new TokenBrokerConfigurationException(
          prefix + ".procore", "is only used with provider procore");
    }
    if (kind != ProviderKind.COR && isSet(grant.getCor())) {
      throw new TokenBrokerConfigurationException(
          prefix + ".cor", "is only used with provider cor");
    }
    if (kind != ProviderKind.GENERIC) {
      genericOnlyUnset(prefix, grant, type);
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
    URI issuer = grant.getIssuerUri();
    if (grant.getTokenUri() == null && issuer == null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".token-uri", "is required (or set issuer-uri to discover it)");
    }
    String clientId = grant.getClientId();
    if (clientId == null || clientId.isBlank()) {
      throw new TokenBrokerConfigurationException(prefix + ".client-id", "is required");
    }
    ClientAuthentication authentication =
        grant.getClientAuthentication() == null
            // RFC 7523 makes client authentication optional with the JWT-bearer grant (as the CLI).
            ? type == GrantType.JWT_BEARER
                ? ClientAuthentication.CLIENT_ID_ONLY
                : ClientAuthentication.CLIENT_SECRET_BASIC
            : ClientAuthentications.parse(
                grant.getClientAuthentication(), prefix + ".client-authentication");
    Provider.Builder provider = Provider.builder("generic").clientAuthentication(authentication);
    if (issuer != null) {
      endpoint(prefix + ".issuer-uri", issuer, uri -> provider.issuer(uri).discovery(true));
    }
    if (grant.getTokenUri() != null) {
      endpoint(prefix + ".token-uri", grant.getTokenUri(), provider::tokenEndpoint);
    }
    if (grant.getAuthorizationUri() != null) {
      endpoint(
          prefix + ".authorization-uri",
          grant.getAuthorizationUri(),
          provider::authorizationEndpoint);
    }
    if (grant.getRevocationUri() != null) {
      endpoint(prefix + ".revocation-uri", grant.getRevocationUri(), provider::revocationEndpoint);
    }
    if (grant.getAssertionAudience() != null) {
      provider.assertionAudience(
          assertionAudience(grant.getAssertionAudience(), prefix + ".assertion-audience"));
    }
    ClientRegistration.Builder registration =
        ClientRegistration.builder(provider.build(), clientId).dpop(grant.isDpop());
    ClientSecret secret = credentials(prefix, grant, type, authentication, registration);
    if (secret != null) {
      registration.clientSecret(secret);
    }
    if (type == GrantType.JWT_BEARER) {
      registration.assertionSubject(required(grant.getSubject(), prefix + ".subject"));
    } else if (grant.getSubject() != null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".subject", "is used only with grant-type jwt-bearer");
    }
    parameters(prefix, grant, registration);
    return registration.build();
  }

  /**
   * Checks the client secret and private key against the authentication method and grant type, puts
   * the key into {@code registration}, and returns the secret to use (or null).
   */
  private static @Nullable ClientSecret credentials(
      String prefix,
      TokenBrokerProperties.Grant grant,
      GrantType type,
      ClientAuthentication authentication,
      ClientRegistration.Builder registration) {
    String method = ClientAuthentications.name(authentication);
    boolean keyUsed = authentication.needsClientKey() || type == GrantType.JWT_BEARER;
    ClientSecret secret = secret(grant.getClientSecret());
    if (grant.getPrivateKeyLocation() == null) {
      if (keyUsed) {
        throw new TokenBrokerConfigurationException(
            prefix + ".private-key-location",
            "is required with "
                + (type == GrantType.JWT_BEARER
                    ? "grant-type jwt-bearer"
                    : "client-authentication " + method)
                + " (a PEM PKCS#8 or JWK file, e.g. file:/etc/app/client-key.pem)");
      }
      ClientKeys.requireUnset(prefix, grant);
    } else if (!keyUsed) {
      throw new TokenBrokerConfigurationException(
          prefix + ".private-key-location",
          "is used only with client-authentication private-key-jwt or grant-type jwt-bearer"
              + " (client-authentication is "
              + method
              + ")");
    } else {
      if (secret != null && !authentication.needsClientSecret()) {
        throw new TokenBrokerConfigurationException(
            prefix + ".client-secret",
            "set either client-secret or private-key-location, not both (client-authentication "
                + method
                + " uses no secret)");
      }
      registration.clientKey(ClientKeys.load(prefix, grant));
    }
    if (secret == null && authentication.needsClientSecret()) {
      throw new TokenBrokerConfigurationException(
          prefix + ".client-secret",
          "is required with client-authentication "
              + method
              + (authentication == ClientAuthentication.CLIENT_SECRET_JWT
                  ? ""
                  : " (or set client-authentication: none for a public client)"));
    }
    if (secret != null
        && authentication == ClientAuthentication.CLIENT_SECRET_JWT
        && secret.revealValue().getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new TokenBrokerConfigurationException(
          prefix + ".client-secret",
          "client-authentication client-secret-jwt signs with HS256, which needs a secret of at"
              + " least 32 bytes");
    }
    return secret;
  }

  /** {@code resource}, {@code audience} and {@code parameters}, onto {@code registration}. */
  private static void parameters(
      String prefix, TokenBrokerProperties.Grant grant, ClientRegistration.Builder registration) {
    for (URI resource : grant.getResource()) {
      try {
        registration.resource(resource);
      } catch (IllegalArgumentException e) {
        throw new TokenBrokerConfigurationException(prefix + ".resource", problem(e));
      }
    }
    String audience = grant.getAudience();
    if (audience != null) {
      if (audience.isBlank()) {
        throw new TokenBrokerConfigurationException(prefix + ".audience", "is empty");
      }
      registration.audience(audience.strip());
    }
    grant
        .getParameters()
        .forEach(
            (name, value) -> {
              String property =
                  prefix
                      + ".parameters"
                      + (name.matches("[a-z0-9-]+") ? "." + name : "[" + name + "]");
              if ((name.equals("resource") && !grant.getResource().isEmpty())
                  || (name.equals("audience") && audience != null)) {
                throw new TokenBrokerConfigurationException(
                    property, "set either " + name + " or parameters." + name + ", not both");
              }
              if (value == null || value.isEmpty()) {
                throw new TokenBrokerConfigurationException(property, "is empty");
              }
              try {
                registration.parameter(name, value);
              } catch (IllegalArgumentException e) {
                throw new TokenBrokerConfigurationException(property, problem(e));
              }
            });
  }

  private static Provider.AssertionAudience assertionAudience(String value, String property) {
    return switch (normalize(value)) {
      case "issuer" -> Provider.AssertionAudience.ISSUER;
      case "token-endpoint" -> Provider.AssertionAudience.TOKEN_ENDPOINT;
      default ->
          throw new TokenBrokerConfigurationException(
              property, notOneOf(value, "issuer, token-endpoint"));
    };
  }

  /**
   * Sets an endpoint, turning the provider's check (https or loopback http) into a property error.
   */
  static void endpoint(String property, URI uri, Consumer<URI> setter) {
    try {
      setter.accept(uri);
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(property, problem(e));
    }
  }

  static @Nullable ClientSecret secret(@Nullable String value) {
    return value == null || value.isEmpty() ? null : ClientSecret.of(value);
  }

  /** What went wrong, for a configuration message: the exception's message, else its type. */
  public static String problem(RuntimeException e) {
    String message = e.getMessage();
    return message != null ? message : e.getClass().getName();
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

  /** Refuses, for a vendor provider, what only the generic provider takes. */
  private static void genericOnlyUnset(
      String prefix, TokenBrokerProperties.Grant grant, GrantType type) {
    Map<String, Boolean> set = new LinkedHashMap<>();
    set.put("grant-type", type == GrantType.DEVICE_CODE || type == GrantType.JWT_BEARER);
    set.put("private-key-location", grant.getPrivateKeyLocation() != null);
    set.put("key-id", grant.getKeyId() != null);
    set.put("signing-algorithm", grant.getSigningAlgorithm() != null);
    set.put("assertion-audience", grant.getAssertionAudience() != null);
    set.put("subject", grant.getSubject() != null);
    set.put("resource", !grant.getResource().isEmpty());
    set.put("audience", grant.getAudience() != null);
    set.put("parameters", !grant.getParameters().isEmpty());
    set.put("dpop", grant.isDpop());
    set.forEach(
        (property, isSet) -> {
          if (isSet) {
            throw new TokenBrokerConfigurationException(
                prefix + "." + property,
                property.equals("grant-type")
                    ? "device-code and jwt-bearer are used only with provider generic"
                    : "is used only with provider generic");
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
    if (value == null) {
      throw new TokenBrokerConfigurationException(property, "is required (" + GRANT_TYPES + ")");
    }
    return switch (normalize(value)) {
      case "client-credentials" -> GrantType.CLIENT_CREDENTIALS;
      case "authorization-code" -> GrantType.AUTHORIZATION_CODE;
      case "device-code" -> GrantType.DEVICE_CODE;
      case "jwt-bearer" -> GrantType.JWT_BEARER;
      default ->
          throw new TokenBrokerConfigurationException(property, notOneOf(value, GRANT_TYPES));
    };
  }

  private static ProviderKind provider(@Nullable String value, String property) {
    return switch (value == null ? "generic" : normalize(value)) {
      case "generic" -> ProviderKind.GENERIC;
      case "cor" -> ProviderKind.COR;
      case "procore" -> ProviderKind.PROCORE;
      default ->
          throw new TokenBrokerConfigurationException(
              property, notOneOf(value, "generic, cor, procore"));
    };
  }

  /**
   * The problem of {@code value}, which is not one of {@code values}: it is empty (e.g. a {@code
   * ${VARIABLE:}} placeholder whose variable is unset) or another value, never quoted.
   */
  static String notOneOf(@Nullable String value, String values) {
    return (value != null && value.isBlank() ? "is empty, but must be one of " : "is not one of ")
        + values;
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
