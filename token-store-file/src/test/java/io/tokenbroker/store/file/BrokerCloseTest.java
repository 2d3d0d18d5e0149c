package io.tokenbroker.store.file;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process shutting down ({@code TokenBroker.close()}) while a refresh of a strict single-use
 * rotation grant is in flight, then a new process over the same directory: {@code close()} lets the
 * refresh finish and persist, so the rotated refresh token is not lost. Found while writing {@link
 * MultiProcessRefreshTest}.
 */
class BrokerCloseTest {
  private static final String CLIENT_ID = "close-client";
  private static final String SECRET = "close-secret-0123456789";
  private static final GrantKey KEY = GrantKey.of("fake/closing-user");

  @TempDir Path dir;

  @Test
  @DisplayName("closing a broker mid-refresh does not lose the rotated refresh token")
  void closeDuringRefreshKeepsTheRotatedRefreshToken() throws Exception {
    FakeClock clock = FakeClock.create();
    // Holds the refresh request at the server (received, not yet answered) until released.
    HeldRequests refreshes =
        HeldRequests.matching(request -> "refresh_token".equals(request.parameter("grant_type")));
    ExecutorService threads = Executors.newCachedThreadPool();
    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .refreshRotation(RefreshRotation.STRICT)
            .start()) {
      server.registerClient(CLIENT_ID, SECRET);
      server.setDispatcher(refreshes);
      KeysetHandle keyset = Keysets.generate();
      ClientRegistration registration =
          ClientRegistration.of(
              Provider.builder("fake")
                  .authorizationEndpoint(server.authorizationEndpoint())
                  .tokenEndpoint(server.tokenEndpoint())
                  .build(),
              CLIENT_ID,
              ClientSecret.of(SECRET));

      TokenBroker closing = broker(keyset, clock);
      closing.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
      consent(closing);
      clock.advance(Duration.ofHours(1)); // expired: the next call waits for a refresh
      Future<AccessToken> caller = threads.submit(() -> closing.accessToken(KEY));
      assertTrue(
          refreshes.awaitArrived(1, Duration.ofSeconds(30)), "no refresh reached the server");

      // close() waits for the refresh in flight; only once it waits does the server answer.
      Thread closer = new Thread(closing::close, "closer");
      closer.start();
      Threads.awaitParkedIn(closer, TokenBroker.class.getName(), "close", Duration.ofSeconds(30));
      refreshes.release();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertEquals(Thread.State.TERMINATED, closer.getState(), "close() did not return");
      try {
        caller.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        // The caller of a closed broker may fail; what matters is the grant.
      }
      // The caller returned once the refresh's answer arrived: the server has rotated.
      assertEquals(2, server.issuedRefreshTokens().size(), "the server did not rotate");

      // The next process over the same directory.
      try (TokenBroker next = broker(keyset, clock)) {
        next.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        AccessToken token = next.accessToken(KEY);
        assertEquals(server.lastAccessToken(), token.revealValue());
      }
      assertEquals(0, server.invalidGrantCount());
      assertTrue(server.isGrantAlive(server.lastRefreshToken()));
    } finally {
      refreshes.release();
      threads.shutdownNow();
    }
  }

  private TokenBroker broker(KeysetHandle keyset, FakeClock clock) {
    return TokenBroker.builder()
        .store(FileTokenStore.create(dir))
        .keyset(keyset)
        .clock(clock)
        .build();
  }

  private static void consent(TokenBroker broker) throws Exception {
    AuthorizationRequest request =
        broker.authorizationRequest(KEY, URI.create("https://app.example/cb"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));
  }
}
