package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An OAuth client as registered with one provider: who it is, its credential, and what it asks for.
 * {@code toString()} is safe to log: the secret and the key redact themselves.
 *
 * <p>The {@link Provider} says how the client authenticates ({@link ClientAuthentication}); the
 * registration holds the credential that method needs: a {@link ClientSecret}, or a {@link
 * ClientKey} for {@code private_key_jwt} and the JWT-bearer grant.
 *
 * <p>{@link #parameters()} are sent on the authorization request and on every token request (code
 * exchange, client credentials, refresh, device, JWT bearer): {@code resource} (RFC 8707,
 * repeatable), {@code audience} (Auth0, Kinde and others) and any other named parameter the server
 * wants. Build them with {@link #builder}:
 *
 * <pre>{@code
 * ClientRegistration reporting = ClientRegistration.builder(provider, "reporting")
 *     .clientKey(ClientKey.fromFile(Path.of("reporting-key.pem")).withKeyId("2026-01"))
 *     .resource(URI.create("https://api.example.com/"))
 *     .scope("reports:read")
 *     .build();
 * }</pre>
 *
 * @param provider the authorization server and its quirks
 * @param clientId the client id (COR: the API key)
 * @param clientSecret the client secret, or {@code null} for a public client or one that
 *     authenticates with a key
 * @param scopes scopes to request; empty to request none
 * @param clientKey the private key for {@code private_key_jwt} and the JWT-bearer assertion, or
 *     {@code null}
 * @param parameters extra request parameters by name, each with one or more values, in order
 * @param assertionSubject the {@code sub} of the JWT-bearer grant's assertion (RFC 7523 §2.1), or
 *     {@code null}; required for {@link GrantType#JWT_BEARER}
 * @param dpop whether tokens are bound to a per-grant key with DPoP (RFC 9449)
 */
public record ClientRegistration(
    Provider provider,
    String clientId,
    @Nullable ClientSecret clientSecret,
    Set<String> scopes,
    @Nullable ClientKey clientKey,
    Map<String, List<String>> parameters,
    @Nullable String assertionSubject,
    boolean dpop) {

  /** Parameters the protocol itself sets; a registration cannot add them. */
  private static final Set<String> RESERVED =
      Set.of(
          "grant_type",
          "client_id",
          "client_secret",
          "client_assertion",
          "client_assertion_type",
          "code",
          "code_verifier",
          "code_challenge",
          "code_challenge_method",
          "redirect_uri",
          "refresh_token",
          "state",
          "response_type",
          "scope",
          "device_code",
          "assertion",
          "request_uri",
          "dpop_jkt",
          "token",
          "token_type_hint");

  public ClientRegistration {
    requireNonNull(provider, "provider == null");
    requireNonNull(clientId, "clientId == null");
    if (clientId.isEmpty()) {
      throw new IllegalArgumentException("clientId is empty");
    }
    scopes = Set.copyOf(requireNonNull(scopes, "scopes == null"));
    parameters = copyParameters(requireNonNull(parameters, "parameters == null"));
    if (assertionSubject != null && assertionSubject.isBlank()) {
      throw new IllegalArgumentException("assertionSubject is blank");
    }
  }

  /** A registration without key, extra parameters, assertion subject or DPoP. */
  public ClientRegistration(
      Provider provider, String clientId, @Nullable ClientSecret clientSecret, Set<String> scopes) {
    this(provider, clientId, clientSecret, scopes, null, Map.of(), null, false);
  }

  /** A confidential client without scopes. */
  public static ClientRegistration of(Provider provider, String clientId, ClientSecret secret) {
    return new ClientRegistration(
        provider, clientId, requireNonNull(secret, "secret == null"), Set.of());
  }

  /** A public client (no secret) without scopes. */
  public static ClientRegistration publicClient(Provider provider, String clientId) {
    return new ClientRegistration(provider, clientId, null, Set.of());
  }

  /** Starts a registration of {@code clientId} at {@code provider}. */
  public static Builder builder(Provider provider, String clientId) {
    return new Builder(provider, clientId);
  }

  /** Returns a builder holding this registration, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder(provider, clientId);
    b.clientSecret = clientSecret;
    b.scopes.addAll(scopes);
    b.clientKey = clientKey;
    parameters.forEach((name, values) -> b.parameters.put(name, new ArrayList<>(values)));
    b.assertionSubject = assertionSubject;
    b.dpop = dpop;
    return b;
  }

  /** Returns a copy requesting {@code scopes}. */
  public ClientRegistration withScopes(Set<String> scopes) {
    return new ClientRegistration(
        provider, clientId, clientSecret, scopes, clientKey, parameters, assertionSubject, dpop);
  }

  /** The RFC 8707 {@code resource} values, in order; empty if none. */
  public List<String> resources() {
    return parameters.getOrDefault("resource", List.of());
  }

  /** The {@code audience} values, in order; empty if none. */
  public List<String> audience() {
    return parameters.getOrDefault("audience", List.of());
  }

  private static Map<String, List<String>> copyParameters(Map<String, List<String>> parameters) {
    Map<String, List<String>> copy = new LinkedHashMap<>();
    parameters.forEach(
        (name, values) -> {
          checkName(name);
          requireNonNull(values, "values of " + name + " == null");
          if (values.isEmpty()) {
            return;
          }
          for (String value : values) {
            requireNonNull(value, "a value of " + name + " is null");
          }
          if (name.equals("resource")) {
            values.forEach(ClientRegistration::checkResource);
          }
          copy.put(name, List.copyOf(values));
        });
    return Collections.unmodifiableMap(copy);
  }

  private static void checkName(String name) {
    requireNonNull(name, "parameter name == null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a parameter name is blank");
    }
    if (RESERVED.contains(name)) {
      throw new IllegalArgumentException(
          "parameter '" + name + "' is set by the protocol itself and cannot be added");
    }
  }

  /** RFC 8707 §2: an absolute URI without a fragment. */
  private static void checkResource(String value) {
    try {
      URI uri = new URI(value);
      if (!uri.isAbsolute() || uri.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "resource must be an absolute URI without a fragment (RFC 8707): " + value);
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("resource is not a URI: " + value);
    }
  }

  /** Builds a {@link ClientRegistration}. Not thread-safe. */
  public static final class Builder {
    private final Provider provider;
    private final String clientId;
    private @Nullable ClientSecret clientSecret;
    private final Set<String> scopes = new LinkedHashSet<>();
    private @Nullable ClientKey clientKey;
    private final Map<String, List<String>> parameters = new LinkedHashMap<>();
    private @Nullable String assertionSubject;
    private boolean dpop;

    private Builder(Provider provider, String clientId) {
      this.provider = requireNonNull(provider, "provider == null");
      this.clientId = requireNonNull(clientId, "clientId == null");
    }

    /** The client secret (secret methods, {@code client_secret_jwt}). */
    public Builder clientSecret(ClientSecret secret) {
      this.clientSecret = requireNonNull(secret, "secret == null");
      return this;
    }

    /** The private key ({@code private_key_jwt}, the JWT-bearer assertion). */
    public Builder clientKey(ClientKey key) {
      this.clientKey = requireNonNull(key, "key == null");
      return this;
    }

    /** Adds a scope to request. */
    public Builder scope(String scope) {
      requireNonNull(scope, "scope == null");
      if (scope.isBlank() || scope.contains(" ")) {
        throw new IllegalArgumentException("a scope is one non-blank token: '" + scope + "'");
      }
      scopes.add(scope);
      return this;
    }

    /** Replaces the scopes to request. */
    public Builder scopes(Set<String> scopes) {
      requireNonNull(scopes, "scopes == null");
      this.scopes.clear();
      scopes.forEach(this::scope);
      return this;
    }

    /** Adds an RFC 8707 {@code resource} (an absolute URI without fragment); repeatable. */
    public Builder resource(URI resource) {
      requireNonNull(resource, "resource == null");
      return parameter("resource", resource.toString());
    }

    /** Adds an {@code audience} value (Auth0, Kinde and similar servers). */
    public Builder audience(String audience) {
      requireNonNull(audience, "audience == null");
      return parameter("audience", audience);
    }

    /**
     * Adds a value of the request parameter {@code name}, sent on the authorization request and
     * every token request. Parameters the protocol sets itself ({@code grant_type}, {@code
     * client_id}, {@code scope}, {@code code}, ...) are refused.
     */
    public Builder parameter(String name, String value) {
      checkName(name);
      requireNonNull(value, "value == null");
      if (name.equals("resource")) {
        checkResource(value);
      }
      parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      return this;
    }

    /** The {@code sub} of the JWT-bearer assertion; required for {@link GrantType#JWT_BEARER}. */
    public Builder assertionSubject(String subject) {
      this.assertionSubject = requireNonNull(subject, "subject == null");
      return this;
    }

    /** Whether tokens are DPoP-bound (RFC 9449) to a key pair kept with each grant. */
    public Builder dpop(boolean enabled) {
      this.dpop = enabled;
      return this;
    }

    /** Returns the registration. */
    public ClientRegistration build() {
      return new ClientRegistration(
          provider, clientId, clientSecret, scopes, clientKey, parameters, assertionSubject, dpop);
    }
  }
}
