package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.HeldRequests;
import io.tokenbroker.testkit.RefreshRotation;
import io.tokenbroker.testkit.Threads;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An application instance shuts down (a rolling deploy) while its broker's refresh request is on
 * the wire. The authorization server rotates the refresh token regardless; the next instance must
 * still find a usable grant in the database.
 */
class BrokerShutdownTest {
  private static final String CLIENT_ID = "shutdown-client";
  private static final String SECRET = "shutdown-secret-41c7a0";
  private static final GrantKey USER = GrantKey.of("fake/shutdown-user");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final String table = "broker_shutdown_" + System.nanoTime();
  private FakeAuthorizationServer server;
  private Provider provider;

  @BeforeEach
  void start() {
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .refreshRotation(RefreshRotation.STRICT)
            .start();
    server.registerClient(CLIENT_ID, SECRET);
    provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private TokenBroker broker(boolean autoCreate) {
    TokenBroker broker =
        TokenBroker.builder()
            .store(
                JdbcTokenStore.builder(EmbeddedPostgresSupport.dataSource())
                    .table(table)
                    .autoCreate(autoCreate)
                    .clock(clock)
                    .build())
            .keyset(keyset)
            .clock(clock)
            .build();
    broker.register(
        USER,
        ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)),
        GrantType.AUTHORIZATION_CODE);
    return broker;
  }

  @Test
  void closingTheBrokerDuringARefreshDoesNotLoseTheRotatedRefreshToken() throws Exception {
    TokenBroker first = broker(true);
    AuthorizationRequest request =
        first.authorizationRequest(USER, URI.create("https://app.example/cb"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));

    // The refresh is held at the server (received, not yet answered) until released; then it is
    // processed for real: the refresh token rotates.
    HeldRequests refreshes =
        HeldRequests.matching(r -> "refresh_token".equals(r.parameter("grant_type")));
    server.setDispatcher(refreshes);
    clock.advance(Duration.ofMinutes(61));
    CompletableFuture<AccessToken> call =
        CompletableFuture.supplyAsync(() -> first.accessToken(USER));
    assertTrue(refreshes.awaitArrived(1, Duration.ofSeconds(30)), "no refresh request");

    // The instance shuts down while its refresh is on the wire: close() waits for the refresh, so
    // the server answers (from another thread) only once close() has been called and waits.
    Thread closer = new Thread(first::close, "closer");
    closer.start();
    Threads.awaitParkedIn(closer, TokenBroker.class.getName(), "close", Duration.ofSeconds(30));
    refreshes.release();
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertEquals(Thread.State.TERMINATED, closer.getState(), "close() did not return");
    // The caller returns once the refresh's answer arrived, so the server has processed it.
    call.handle((token, failure) -> null).get(30, TimeUnit.SECONDS);
    assertEquals(2, server.issuedRefreshTokens().size(), "the server rotated the refresh token");

    try (TokenBroker next = broker(false)) {
      String token = next.accessToken(USER).revealValue();
      assertTrue(server.introspect(token).active());
    } finally {
      assertEquals(
          0, server.invalidGrantCount(), "the next instance presented a burned refresh token");
      assertTrue(server.isGrantAlive(server.lastRefreshToken()), "grant alive");
    }
  }
}
