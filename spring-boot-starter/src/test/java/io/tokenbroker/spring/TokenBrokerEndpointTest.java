package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.ConfiguredGrants;
import io.tokenbroker.spring.internal.GrantStates;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.ForwardingTokenStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The actuator endpoint's one-grant read asks the broker for that grant, not for all of them. */
class TokenBrokerEndpointTest {
  @Test
  void oneGrantIsReadWithoutListingTheStoreAndUnknownNamesAreNotFound() {
    AtomicInteger listings = new AtomicInteger();
    ForwardingTokenStore store =
        new ForwardingTokenStore(InMemoryTokenStore.create()) {
          @Override
          public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
            listings.incrementAndGet();
            return super.loadPage(keyPrefix, after, limit);
          }

          @Override
          public List<GrantKey> list() {
            listings.incrementAndGet();
            return super.list();
          }
        };
    try (FakeAuthorizationServer server = FakeAuthorizationServer.start();
        TokenBroker broker =
            TokenBroker.builder().store(store).keyset(Keysets.generate()).build()) {
      server.registerClient("app", Secrets.CLIENT_SECRET);
      Provider provider = Provider.builder("fake").tokenEndpoint(server.tokenEndpoint()).build();
      ClientRegistration app =
          ClientRegistration.of(provider, "app", ClientSecret.of(Secrets.CLIENT_SECRET));
      broker.register(GrantKey.of("reporting"), app, GrantType.CLIENT_CREDENTIALS);
      broker.accessToken(GrantKey.of("reporting"));
      TokenBrokerEndpoint endpoint =
          new TokenBrokerEndpoint(
              new GrantStates(
                  broker,
                  ConfiguredGrants.from(new TokenBrokerProperties(), null),
                  Clock.systemUTC()));

      Map<String, Object> one = endpoint.grant("reporting");
      assertNotNull(one);
      assertEquals("valid", one.get("state"), one::toString);
      assertEquals("client-credentials", one.get("grantType"));
      assertEquals(true, one.get("stored"));
      assertNull(endpoint.grant("nope"), "unknown: 404");
      assertNull(endpoint.grant("bad\u0001name"), "not a grant key: 404");
      assertEquals(0, listings.get(), "the store was listed to find one grant");

      assertTrue(endpoint.grants().toString().contains("reporting"));
      assertTrue(listings.get() > 0, "the listing is counted");
    }
  }
}
