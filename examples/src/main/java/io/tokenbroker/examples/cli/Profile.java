package io.tokenbroker.examples.cli;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantType;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code login} remembers about a named grant so that any later process can renew it: the
 * provider kind and its settings, the client, the scopes, the grant type and the redirect mode.
 * Kept encrypted beside the store (see {@link ProfileStore}); {@code toString()} redacts the
 * secret.
 *
 * @param name the grant's name (also its grant key)
 * @param provider {@code generic}, {@code cor} or {@code procore}
 * @param settings the provider's settings (URLs, subdomain, environment, ...); none secret
 * @param clientId the client id
 * @param clientSecret the client secret, or null for a public client
 * @param scopes requested scopes
 * @param grantType how the grant renews
 * @param redirect {@code loopback}, {@code loopback:PORT} or {@code oob}
 */
record Profile(
    String name,
    String provider,
    Map<String, String> settings,
    String clientId,
    @Nullable ClientSecret clientSecret,
    List<String> scopes,
    GrantType grantType,
    String redirect) {

  Profile {
    requireNonNull(name, "name == null");
    requireNonNull(provider, "provider == null");
    settings = Map.copyOf(settings);
    requireNonNull(clientId, "clientId == null");
    scopes = List.copyOf(scopes);
    requireNonNull(grantType, "grantType == null");
    requireNonNull(redirect, "redirect == null");
  }
}
