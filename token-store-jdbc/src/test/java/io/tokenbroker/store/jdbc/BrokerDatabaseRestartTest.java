package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.tokenbroker.oauth.RetryPolicy;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import io.tokenbroker.testkit.HeldRequests;
import io.tokenbroker.testkit.LogCapture;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RecordingBrokerListener;
import io.tokenbroker.testkit.RefreshRotation;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A broker over PostgreSQL while the database stops and comes back on the same data directory and
 * port: it keeps serving the valid token it holds, does not refresh an authorization-code grant
 * without the lease (so no refresh token is burned unrecorded), keeps tokens that it obtained but
 * could not write in memory, and writes them once the database is back. Broker and fake server
 * share a {@link FakeClock}; only the database restart takes real time.
 */
class BrokerDatabaseRestartTest {
  private static final String CLIENT_ID = "restart-client";
  private static final String SECRET = "restart-secret-5b9e21";
  private static final GrantKey USER = GrantKey.of("fake/restart-user");
  private static final GrantKey SERVICE = GrantKey.of("fake/restart-service");
  private static final Duration LIFETIME = Duration.ofHours(1);
  private static final Duration EVENT_WAIT = Duration.ofSeconds(60);

  @TempDir Path dataDirectory;
  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final RecordingBrokerListener events = new RecordingBrokerListener();
  private final List<TokenBroker> brokers = new ArrayList<>();
  private final LogCapture logs = LogCapture.start();
  private EmbeddedPostgres database;
  private int port;
  private PGSimpleDataSource dataSource;
  private FakeAuthorizationServer server;
  private Provider provider;

  @BeforeEach
  void start() throws IOException {
    startDatabase(); // on a port the embedded server picks; a restart reuses it
    port = database.getPort();
    dataSource = new PGSimpleDataSource();
    dataSource.setServerNames(new String[] {"127.0.0.1"});
    dataSource.setPortNumbers(new int[] {port});
    dataSource.setDatabaseName("postgres");
    dataSource.setUser("postgres");
    dataSource.setConnectTimeout(5);
    store(true); // creates the table
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .accessTokenLifetime(LIFETIME)
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
  void stop() throws IOException {
    brokers.forEach(TokenBroker::close);
    server.close();
    logs.close();
    stopDatabase();
    logs.assertNoSecrets();
    String text = logs.text();
    assertFalse(text.contains(SECRET), "client secret in the log");
    for (String token : server.issuedAccessTokens()) {
      assertFalse(text.contains(token), "access token in the log");
    }
    for (String token : server.issuedRefreshTokens()) {
      assertFalse(text.contains(token), "refresh token in the log");
    }
  }

  // ---------------------------------------------------------------- authorization code

  @Test
  void aRotatedTokenThatCannotBeWrittenIsServedFromMemoryAndPersistedWhenTheDatabaseReturns()
      throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    HeldRequests held = hold("refresh_token");

    clock.advance(LIFETIME.plusMinutes(1));
    CompletableFuture<AccessToken> call =
        CompletableFuture.supplyAsync(() -> broker.accessToken(USER));
    awaitHeld(held);
    stopDatabase(); // the refresh is on the wire, the lease taken, the store now unreachable
    held.release(); // the server rotates the refresh token and answers
    AccessToken rotated = call.get(30, TimeUnit.SECONDS);

    assertTrue(server.lastAccessToken().equals(rotated.revealValue()), "the new token is served");
    events.await("storeWriteFailed", 1, EVENT_WAIT);
    assertTrue(logs.text().contains("holding them in memory"), logs.text());
    for (int i = 0; i < 3; i++) {
      assertEquals(
          rotated, broker.accessToken(USER), "served from memory while the database is down");
    }

    // Into the refresh window, still down: without the lease there is no refresh.
    clock.advance(LIFETIME.minusMinutes(4));
    int requests = server.tokenRequestCount();
    assertEquals(rotated, broker.accessToken(USER));
    events.await("refreshFailed", 1, EVENT_WAIT);
    assertEquals(rotated, broker.accessToken(USER));
    assertEquals(requests, server.tokenRequestCount(), "no refresh without the lease");

    startDatabase();
    events.await("storeWriteRecovered", 1, EVENT_WAIT);

    // A broker that only knows the database refreshes with the rotated refresh token: it was
    // persisted. Had the old one been kept, strict rotation would now revoke the grant.
    String persistedRefreshToken = server.lastRefreshToken();
    TokenBroker fresh = broker();
    fresh.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    TokenSet next = fresh.tokens(USER);
    RecordedRequest refresh = lastRefreshRequest();
    assertTrue(
        persistedRefreshToken.equals(refresh.parameter("refresh_token")),
        "refreshed with the persisted token");
    assertTrue(server.lastAccessToken().equals(next.accessToken().revealValue()));
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
    assertEquals(0, events.count("storeConflict"));
  }

  @Test
  void anAuthorizationCodeGrantIsNotRefreshedWhileTheDatabaseIsDown() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    AccessToken first = broker.accessToken(USER);
    int requests = server.tokenRequestCount();
    stopDatabase();

    assertEquals(first, broker.accessToken(USER));
    clock.advance(LIFETIME.minusMinutes(4)); // refresh window
    assertEquals(first, broker.accessToken(USER)); // starts a background refresh, which fails
    events.await("refreshFailed", 1, EVENT_WAIT);
    assertEquals(first, broker.accessToken(USER), "the valid token keeps being served");
    assertEquals(requests, server.tokenRequestCount());

    clock.advance(Duration.ofMinutes(4)); // past expiry minus skew: no token to serve
    TokenStoreException e = assertThrows(TokenStoreException.class, () -> broker.accessToken(USER));
    assertEquals(TokenStoreException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
    assertTrue(e.isTransient());
    assertEquals(requests, server.tokenRequestCount(), "the refresh token was not used");

    startDatabase();
    clock.advance(Duration.ofMinutes(1)); // past the broker's back-off after the failed attempts
    AccessToken second = broker.accessToken(USER);
    assertNotEquals(first, second);
    assertTrue(server.lastAccessToken().equals(second.revealValue()));
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
    TokenBroker fresh = broker();
    fresh.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    TokenSet stored = fresh.tokens(USER);
    assertEquals(second, stored.accessToken(), "persisted after the database returned");
    assertTrue(server.lastRefreshToken().equals(stored.refreshToken().revealValue()));
  }

  // ---------------------------------------------------------------- client credentials

  @Test
  void aClientCredentialsGrantWithAnUnwrittenTokenRenewsWithoutTheLeaseAndPersistsLater()
      throws Exception {
    TokenBroker broker = broker();
    broker.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);
    broker.accessToken(SERVICE);
    HeldRequests held = hold("client_credentials");

    clock.advance(LIFETIME.plusMinutes(1));
    CompletableFuture<AccessToken> call =
        CompletableFuture.supplyAsync(() -> broker.accessToken(SERVICE));
    awaitHeld(held);
    stopDatabase();
    held.release();
    AccessToken second = call.get(30, TimeUnit.SECONDS);
    assertTrue(server.lastAccessToken().equals(second.revealValue()));
    events.await("storeWriteFailed", 1, EVENT_WAIT);

    // Expired again while the database is still down: renewed without the lease.
    clock.advance(LIFETIME.plusMinutes(1));
    AccessToken third = broker.accessToken(SERVICE);
    assertNotEquals(second, third);
    assertTrue(server.lastAccessToken().equals(third.revealValue()));
    assertEquals(3, server.tokenRequestCount("client_credentials"));
    assertTrue(logs.text().contains("without a lease"), logs.text());

    startDatabase();
    events.await("storeWriteRecovered", 1, EVENT_WAIT);
    TokenBroker fresh = broker();
    fresh.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);
    assertEquals(third, fresh.accessToken(SERVICE), "the newest token was persisted");
    assertEquals(3, server.tokenRequestCount("client_credentials"));
  }

  @Test
  void aClientCredentialsGrantRenewsWhileTheDatabaseIsDownAndPersistsWhenItReturns()
      throws Exception {
    TokenBroker broker = broker();
    broker.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);
    AccessToken first = broker.accessToken(SERVICE);
    stopDatabase();

    clock.advance(LIFETIME.plusMinutes(1));
    AccessToken second = broker.accessToken(SERVICE);
    assertNotEquals(first, second);
    assertTrue(server.lastAccessToken().equals(second.revealValue()));
    events.await("storeWriteFailed", 1, EVENT_WAIT);

    startDatabase();
    events.await("storeWriteRecovered", 1, EVENT_WAIT);
    TokenBroker fresh = broker();
    fresh.register(SERVICE, registration(), GrantType.CLIENT_CREDENTIALS);
    assertEquals(second, fresh.accessToken(SERVICE), "persisted after the database returned");
  }

  // ---------------------------------------------------------------- helpers

  private void startDatabase() throws IOException {
    database =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setPort(port) // 0 the first time: the embedded server picks a free one
            .start();
  }

  private void stopDatabase() throws IOException {
    if (database != null) {
      database.close();
      database = null;
    }
  }

  private JdbcTokenStore store(boolean autoCreate) {
    return JdbcTokenStore.builder(dataSource)
        .autoCreate(autoCreate)
        .clock(clock)
        .retries(2, Duration.ofMillis(10))
        .build();
  }

  private TokenBroker broker() {
    TokenBroker broker =
        TokenBroker.builder()
            .store(store(false))
            .keyset(keyset)
            .clock(clock)
            .scheduler(FakeScheduler.realTimeWith(clock)) // leases run out as the clock moves
            .listener(events)
            .retryPolicy(
                new RetryPolicy(
                    2, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(1)))
            .build();
    brokers.add(broker);
    return broker;
  }

  private ClientRegistration registration() {
    return ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
  }

  private void consent(TokenBroker broker) throws Exception {
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  /** Holds the token requests of {@code grantType} at the server until released. */
  private HeldRequests hold(String grantType) {
    HeldRequests held =
        HeldRequests.matching(request -> grantType.equals(request.parameter("grant_type")));
    server.setDispatcher(held);
    return held;
  }

  private static void awaitHeld(HeldRequests held) throws InterruptedException {
    assertTrue(held.awaitArrived(1, Duration.ofSeconds(30)), "no token request to hold");
  }

  private RecordedRequest lastRefreshRequest() {
    List<RecordedRequest> requests = server.requests();
    for (int i = requests.size() - 1; i >= 0; i--) {
      if ("refresh_token".equals(requests.get(i).parameter("grant_type"))) {
        return requests.get(i);
      }
    }
    throw new AssertionError("no refresh request");
  }
}
