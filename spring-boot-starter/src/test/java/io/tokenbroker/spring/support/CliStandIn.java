package io.tokenbroker.spring.support;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.net.URI;
import java.nio.file.Path;

/**
 * Does what {@code tokenbroker login NAME --store file:DIR --keyset FILE} does: a consent through a
 * broker of its own on the application's store and keyset, in another "process".
 */
public final class CliStandIn {
  private CliStandIn() {}

  public static TokenSet login(
      FakeAuthorizationServer server, String grant, Path store, Path keyset) throws Exception {
    Provider provider =
        Provider.builder("generic")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    try (TokenBroker cli =
        TokenBroker.builder()
            .store(FileTokenStore.create(store))
            .keyset(Keysets.loadOrCreate(keyset))
            .build()) {
      GrantKey key = GrantKey.of(grant);
      cli.register(
          key,
          ClientRegistration.of(provider, "app", ClientSecret.of(Secrets.CLIENT_SECRET)),
          GrantType.AUTHORIZATION_CODE);
      AuthorizationRequest request =
          cli.authorizationRequest(key, URI.create("https://app.example/callback"));
      return request.complete(FakeAuthorizationServer.approve(request.uri()));
    }
  }
}
