package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An OAuth client as registered with one provider. {@code toString()} is safe to log: the secret
 * redacts itself.
 *
 * @param provider the authorization server and its quirks
 * @param clientId the client id (COR: the API key)
 * @param clientSecret the client secret, or {@code null} for a public client
 * @param scopes scopes to request; empty to request none
 */
public record ClientRegistration(
    Provider provider, String clientId, @Nullable ClientSecret clientSecret, Set<String> scopes) {

  public ClientRegistration {
    requireNonNull(provider, "provider == null");
    requireNonNull(clientId, "clientId == null");
    if (clientId.isEmpty()) {
      throw new IllegalArgumentException("clientId is empty");
    }
    scopes = Set.copyOf(requireNonNull(scopes, "scopes == null"));
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

  /** Returns a copy requesting {@code scopes}. */
  public ClientRegistration withScopes(Set<String> scopes) {
    return new ClientRegistration(provider, clientId, clientSecret, scopes);
  }
}
