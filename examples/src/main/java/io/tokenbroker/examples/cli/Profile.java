package io.tokenbroker.examples.cli;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.ClientKey;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code login} remembers about a named grant so that any later process can renew it: the
 * provider kind and its settings, the client and its credential (secret or private key), the
 * scopes, the extra request parameters, the grant type and the redirect mode. Kept encrypted beside
 * the store (see {@link ProfileStore}); {@code toString()} redacts the secret and the key.
 *
 * @param name the grant's name (also its grant key)
 * @param provider {@code generic}, {@code cor} or {@code procore}
 * @param settings the provider's settings (URLs, subdomain, environment, ...); none secret
 * @param clientId the client id
 * @param clientSecret the client secret, or null for a public client
 * @param scopes requested scopes
 * @param grantType how the grant renews
 * @param redirect {@code loopback}, {@code loopback:PORT} or {@code oob}
 * @param privateKey the private key for {@code private_key_jwt} and the JWT-bearer grant, or null
 * @param parameters extra request parameters ({@code resource}, {@code audience}, {@code --param})
 */
record Profile(
    String name,
    String provider,
    Map<String, String> settings,
    String clientId,
    @Nullable ClientSecret clientSecret,
    List<String> scopes,
    GrantType grantType,
    String redirect,
    @Nullable ClientKey privateKey,
    Map<String, List<String>> parameters) {

  Profile {
    requireNonNull(name, "name == null");
    requireNonNull(provider, "provider == null");
    settings = Map.copyOf(settings);
    requireNonNull(clientId, "clientId == null");
    scopes = List.copyOf(scopes);
    requireNonNull(grantType, "grantType == null");
    requireNonNull(redirect, "redirect == null");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    parameters.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    parameters = Collections.unmodifiableMap(copy);
  }
}
