package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's "consent on any instance" over one PostgreSQL database: instance A starts a consent,
 * the callback lands on instance B, which completes it; replaying the callback on A is refused; a
 * third instance, which never registered the grant, serves it from the store with its template.
 */
class PostgresConsentAcrossInstancesTest {
  private static final String CLIENT_ID = "consent-client";
  private static final String SECRET = "consent-secret-6f1d2e";
  private static final String TEMPLATE = "fake-app";
  private static final GrantKey CUSTOMER = GrantKey.of("fake/customer-42");
  private static final URI REDIRECT = URI.create("https://app.example/oauth/callback");

  private final KeysetHandle keyset = Keysets.generate();
  private final String suffix = Long.toString(System.nanoTime());
  private final Deque<AutoCloseable> open = new ArrayDeque<>();
  private FakeAuthorizationServer server;
  private ClientRegistration app;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.start();
    server.registerClient(CLIENT_ID, SECRET, REDIRECT.toString());
    Provider provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    app = ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
  }

  @AfterEach
  void stop() throws Exception {
    while (!open.isEmpty()) {
      open.pop().close();
    }
    server.close();
  }

  /** One application instance: its own store (own lease owner) over the shared database. */
  private TokenBroker instance(String name, boolean registerTemplate) {
    JdbcTokenStore store =
        JdbcTokenStore.builder(EmbeddedPostgresSupport.dataSource())
            .table("consent_grants_" + suffix)
            .pendingConsentTable("consent_pending_" + suffix)
            .autoCreate(true)
            .leaseOwner(name)
            .build();
    open.push(store);
    TokenBroker broker = TokenBroker.builder().store(store).keyset(keyset).build();
    open.push(broker);
    if (registerTemplate) {
      broker.registerTemplate(TEMPLATE, app, GrantType.AUTHORIZATION_CODE);
    }
    return broker;
  }

  @Test
  void aConsentStartedOnOneInstanceCompletesOnAnotherAndAThirdServesTheGrant() throws Exception {
    TokenBroker a = instance("instance-a", true);
    TokenBroker b = instance("instance-b", true);

    AuthorizationRequest started = a.authorizationRequest(CUSTOMER, TEMPLATE, REDIRECT);
    URI callback = FakeAuthorizationServer.approve(started.uri());
    assertTrue(callback.toString().startsWith(REDIRECT + "?"), callback.toString());

    assertEquals(CUSTOMER, b.completeAuthorization(callback));
    assertEquals(1, server.tokenRequestCount("authorization_code"));

    ConsentException replayed =
        assertThrows(ConsentException.class, () -> a.completeAuthorization(callback));
    assertEquals(ConsentException.Kind.UNKNOWN_STATE, replayed.kind());
    assertEquals(1, server.tokenRequestCount("authorization_code"), "the code is exchanged once");

    TokenBroker c = instance("instance-c", true);
    AccessToken onC = c.accessToken(CUSTOMER);
    assertTrue(server.introspect(onC.revealValue()).active());
    assertEquals(onC, b.accessToken(CUSTOMER), "the token B stored, not a new one");
    assertEquals(1, server.tokenRequestCount(), "no token request beyond the code exchange");
  }
}
