package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.ForwardingTokenStore;
import io.tokenbroker.testkit.HeldRequests;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.LogCapture;
import io.tokenbroker.testkit.RecordingBrokerListener;
import io.tokenbroker.testkit.StoreWrites;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The broker's refresh protocol (DESIGN.md §4) against the fake server, with a FakeClock. */
class TokenBrokerTest {
  private static final String CLIENT_ID = "broker-client";
  private static final String SECRET = "broker-secret-0123456789";
  private static final GrantKey CC = GrantKey.of("fake/service");
  private static final GrantKey USER = GrantKey.of("fake/user-42");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final RecordingBrokerListener events = new RecordingBrokerListener();
  private final List<TokenBroker> brokers = new ArrayList<>();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private FakeAuthorizationServer server;
  private InMemoryTokenStore store;
  private LogCapture logs;
  private Provider provider;

  @BeforeEach
  void start() {
    logs = LogCapture.start();
    server = BrokerFixture.strictServer(clock, CLIENT_ID, SECRET);
    store = InMemoryTokenStore.create(clock);
    provider = BrokerFixture.provider(server);
  }

  @AfterEach
  void stop() {
    brokers.forEach(TokenBroker::close);
    callers.shutdownNow();
    server.close();
    logs.close();
    logs.assertNoSecrets(); // the server's tokens and the client secret, in logs and output
    assertNoSecretsIn(String.join("\n", events.events()));
  }

  /**
   * No secret the fake issued or was configured with ({@link IssuedSecrets}) is in {@code text}.
   */
  private static void assertNoSecretsIn(String text) {
    assertEquals(List.of(), IssuedSecrets.foundIn(text));
  }

  private TokenBroker.Builder brokerBuilder(TokenStore store) {
    return BrokerFixture.brokerBuilder(store, keyset, clock, events);
  }

  private TokenBroker broker() {
    return broker(store);
  }

  private TokenBroker broker(TokenStore store) {
    TokenBroker broker = brokerBuilder(store).build();
    brokers.add(broker);
    return broker;
  }

  private ClientRegistration registration() {
    return ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
  }

  /** Registers {@link #USER} and completes a consent for it through the broker. */
  private TokenSet consent(TokenBroker broker) throws Exception {
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    return request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  private List<AccessToken> concurrently(int count, Callable<AccessToken> call) throws Exception {
    return concurrently(count, call, new CountDownLatch(count), new CopyOnWriteArrayList<>());
  }

  /**
   * Runs {@code call} on {@code count} platform threads of its own, all parked at one start line
   * until every one of them has arrived there, so the {@code count} calls are in flight together (a
   * pool smaller than {@code count} would run them in waves). Each caller counts {@code calling}
   * down just before it calls; {@code threads} receives the callers before they are released.
   */
  private List<AccessToken> concurrently(
      int count, Callable<AccessToken> call, CountDownLatch calling, List<Thread> threads)
      throws Exception {
    CountDownLatch arrived = new CountDownLatch(count);
    CountDownLatch go = new CountDownLatch(1);
    List<FutureTask<AccessToken>> tasks = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        FutureTask<AccessToken> task =
            new FutureTask<>(
                () -> {
                  arrived.countDown();
                  go.await();
                  calling.countDown();
                  return call.call();
                });
        Thread thread = new Thread(task, "caller-" + i);
        thread.setDaemon(true);
        tasks.add(task);
        threads.add(thread);
        thread.start();
      }
      assertTrue(arrived.await(30, TimeUnit.SECONDS), "not every caller reached the start line");
      go.countDown();
      List<AccessToken> tokens = new ArrayList<>();
      for (FutureTask<AccessToken> task : tasks) {
        tokens.add(task.get(30, TimeUnit.SECONDS));
      }
      return tokens;
    } finally {
      go.countDown();
      tasks.forEach(task -> task.cancel(true));
    }
  }

  /**
   * Waits until every one of {@code threads} has passed the start line ({@code calling}) and is
   * parked (waiting or blocked, i.e. inside the broker waiting for the refresh); returns how many
   * were parked when it stopped waiting, early if a caller already returned.
   */
  private static int awaitAllParked(CountDownLatch calling, List<Thread> threads) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try {
      if (!calling.await(30, TimeUnit.SECONDS)) {
        return (int) (threads.size() - calling.getCount());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
    while (true) {
      // Thread states are the only signal a caller parked inside the broker gives; poll them.
      int parked = 0;
      boolean oneReturned = false;
      for (Thread thread : threads) {
        Thread.State state = thread.getState();
        oneReturned |= state == Thread.State.TERMINATED;
        if (state == Thread.State.WAITING
            || state == Thread.State.TIMED_WAITING
            || state == Thread.State.BLOCKED) {
          parked++;
        }
      }
      if (parked == threads.size() || oneReturned || System.nanoTime() > deadline) {
        return parked;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  // ---------------------------------------------------------------- single flight

  @Test
  void thousandCallersOnAnExpiredGrantCauseOneTokenRequest() throws Exception {
    int count = 1000;
    TokenBroker broker = broker();
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);
    AccessToken first = broker.accessToken(CC);
    clock.advance(Duration.ofHours(2));
    // The refresh is held at the server until all 1,000 callers are inside the broker, waiting.
    CountDownLatch calling = new CountDownLatch(count);
    List<Thread> threads = new CopyOnWriteArrayList<>();
    AtomicInteger parkedWhenAnswered = new AtomicInteger(-1);
    AtomicBoolean holdNext = new AtomicBoolean(true);
    server.setDispatcher(
        request -> {
          if (request.path().equals("/token") && holdNext.getAndSet(false)) {
            parkedWhenAnswered.set(awaitAllParked(calling, threads)); // only the first is held
          }
          return null;
        });

    List<AccessToken> tokens = concurrently(count, () -> broker.accessToken(CC), calling, threads);

    assertEquals(count, parkedWhenAnswered.get(), "callers waiting when the refresh was answered");
    assertEquals(2, server.tokenRequestCount());
    assertEquals(count, tokens.size());
    assertEquals(1, new HashSet<>(tokens).size());
    assertNotEquals(first, tokens.get(0));
    assertEquals(server.lastAccessToken(), tokens.get(0).revealValue());
  }

  @Test
  void strictRotationSurvivesTwoHundredExpiriesWithoutInvalidGrant() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    int before = server.tokenRequestCount();

    for (int i = 0; i < 200; i++) {
      clock.advance(Duration.ofMinutes(61));
      List<AccessToken> tokens = concurrently(8, () -> broker.accessToken(USER));
      assertEquals(1, new HashSet<>(tokens).size(), "one token per expiry");
    }

    assertEquals(0, server.invalidGrantCount());
    assertEquals(before + 200, server.tokenRequestCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }

  @Test
  void twoBrokersOnOneStoreRefreshOncePerExpiry() throws Exception {
    TokenBroker a = broker();
    consent(a);
    TokenBroker b = broker();
    b.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    int before = server.tokenRequestCount();

    for (int i = 0; i < 50; i++) {
      clock.advance(Duration.ofMinutes(61));
      List<AccessToken> tokens =
          concurrently(
              8, () -> (Thread.currentThread().getId() % 2 == 0 ? a : b).accessToken(USER));
      assertEquals(1, new HashSet<>(tokens).size(), "both brokers hand out the same token");
      assertEquals(a.accessToken(USER), b.accessToken(USER));
    }

    assertEquals(before + 50, server.tokenRequestCount());
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
    assertTrue(
        events.count("tokensAdopted") > 0, "the second broker adopted the first one's tokens");
  }

  @Test
  void forceRefreshObtainsANewToken() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    AccessToken before = broker.accessToken(USER);

    AccessToken after = broker.forceRefresh(USER);

    assertNotEquals(before, after);
    assertEquals(after, broker.accessToken(USER));
  }

  @Test
  void refreshIfCurrentRefreshesOnlyForTheCurrentToken() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    AccessToken old = broker.accessToken(USER);
    AccessToken fresh = broker.refreshIfCurrent(USER, old);
    int count = server.tokenRequestCount();

    assertEquals(fresh, broker.refreshIfCurrent(USER, old)); // stale 401: no second refresh
    assertEquals(count, server.tokenRequestCount());
    assertNotEquals(old, fresh);
  }

  // ---------------------------------------------------------------- refresh ahead

  @Test
  void refreshAheadServesTheCurrentTokenWhileOneBackgroundRefreshRuns() throws Exception {
    CountDownLatch refreshed =
        new CountDownLatch(2); // the first fetch, then the background refresh
    TokenBroker broker =
        brokerBuilder(store)
            .listener(
                new BrokerListener() {
                  @Override
                  public void refreshSucceeded(GrantKey key, java.time.Instant expiresAt) {
                    refreshed.countDown();
                  }
                })
            .build();
    brokers.add(broker);
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);
    AccessToken current = broker.accessToken(CC);
    HeldRequests held = HeldRequests.matching(request -> request.path().equals("/token"));
    server.setDispatcher(held);

    clock.advance(Duration.ofMinutes(57)); // inside the 5-minute refresh-ahead window
    try {
      for (int i = 0; i < 100; i++) {
        assertSame(current, broker.accessToken(CC)); // answered while the refresh is blocked
      }
      assertTrue(held.awaitArrived(1, Duration.ofSeconds(10)));
    } finally {
      held.release();
    }
    assertTrue(refreshed.await(10, TimeUnit.SECONDS));

    assertEquals(2, server.tokenRequestCount(), "exactly one background refresh");
    assertNotEquals(current, broker.accessToken(CC));
  }

  @Test
  void shortLivedTokensAreNotRefreshedOnEveryCall() {
    server.close();
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .accessTokenLifetime(Duration.ofSeconds(20))
            .start();
    server.registerClient(CLIENT_ID, SECRET);
    provider = provider.toBuilder().tokenEndpoint(server.tokenEndpoint()).build();
    TokenBroker broker = broker();
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);

    for (int i = 0; i < 100; i++) {
      broker.accessToken(CC);
    }
    clock.advance(Duration.ofSeconds(5));
    for (int i = 0; i < 100; i++) {
      broker.accessToken(CC);
    }

    assertEquals(1, server.tokenRequestCount());
  }

  // ---------------------------------------------------------------- failure classes

  @Test
  void serverErrorsLeaveTheGrantIntactAndTheValidTokenServed() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    AccessToken current = broker.accessToken(USER);
    StoredGrant stored = store.load(USER).orElseThrow();
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.status(503));
    }

    clock.advance(Duration.ofMinutes(57));
    assertEquals(current, broker.accessToken(USER)); // background refresh fails
    awaitEvent("refreshFailed");

    assertEquals(stored, store.load(USER).orElseThrow());
    assertEquals(current, broker.accessToken(USER));
    clock.advance(Duration.ofMinutes(3));
    assertNotEquals(current, broker.accessToken(USER)); // recovers once the server does
    assertEquals(0, server.invalidGrantCount());
  }

  @Test
  void htmlAndTimeoutsPastExpiryAreTransientAndTheGrantIsKept() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    StoredGrant stored = store.load(USER).orElseThrow();
    server.enqueue(Fault.html(502));
    server.enqueue(Fault.html(200));
    server.enqueue(Fault.malformedJson());
    clock.advance(Duration.ofHours(2));

    TransientTokenException e =
        assertThrows(TransientTokenException.class, () -> broker.accessToken(USER));

    assertEquals(USER, e.grantKey().orElseThrow());
    assertEquals(stored, store.load(USER).orElseThrow());
    clock.advance(Duration.ofMinutes(1)); // past the failure back-off
    assertNotNull(broker.accessToken(USER));
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }

  @Test
  void afterAFailureCallersWithoutATokenBackOffInsteadOfHammeringTheServer() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.status(500));
    }
    clock.advance(Duration.ofHours(2));
    assertThrows(TransientTokenException.class, () -> broker.accessToken(USER));
    int calls = server.tokenRequestCount();

    for (int i = 0; i < 50; i++) {
      assertThrows(TransientTokenException.class, () -> broker.accessToken(USER));
    }

    assertEquals(calls, server.tokenRequestCount(), "no request during the back-off");
    clock.advance(Duration.ofSeconds(2));
    assertNotNull(broker.accessToken(USER));
    assertEquals(calls + 1, server.tokenRequestCount());
  }

  @Test
  void invalidGrantMarksTheGrantReauthorizationRequiredWithoutDeletingIt() throws Exception {
    TokenBroker broker = broker();
    TokenSet tokens = consent(broker);
    server.revoke(tokens.refreshToken().revealValue()); // the user withdrew consent
    clock.advance(Duration.ofHours(2));

    InvalidGrantException e =
        assertThrows(InvalidGrantException.class, () -> broker.accessToken(USER));
    int calls = server.tokenRequestCount();
    InvalidGrantException again =
        assertThrows(InvalidGrantException.class, () -> broker.accessToken(USER));

    assertTrue(e.getMessage().contains("fake/user-42"), e.getMessage());
    assertTrue(e.getMessage().contains("re-authorization"), e.getMessage());
    assertEquals(calls, server.tokenRequestCount(), "a dead grant is not retried");
    assertTrue(again.getMessage().contains("tokenbroker login"));
    assertTrue(store.load(USER).isPresent(), "the grant is kept");
    GrantStatus status = broker.status(USER);
    assertTrue(status.reauthorizationRequired());
    assertTrue(status.refreshTokenPresent());
    assertEquals(1, events.count("reauthorizationRequired"));
    // A new consent revives it.
    consent(broker);
    assertFalse(broker.status(USER).reauthorizationRequired());
    assertNotNull(broker.accessToken(USER));
  }

  @Test
  void invalidGrantAfterAnotherBrokerRotatedIsAdoptedNotFatal() throws Exception {
    TokenBroker a = broker();
    consent(a);
    TokenBroker b = broker();
    b.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    b.accessToken(USER); // b caches version 1
    a.forceRefresh(USER); // a rotates: b's refresh token is now spent
    clock.advance(Duration.ofHours(2));

    AccessToken fromB = b.accessToken(USER);

    assertEquals(a.accessToken(USER), fromB);
    assertEquals(0, server.invalidGrantCount());
  }

  @Test
  void configurationErrorsAreNotRetriedAndKeepTheGrant() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    StoredGrant stored = store.load(USER).orElseThrow();
    server.registerClient(CLIENT_ID, "rotated-secret-on-the-server");
    clock.advance(Duration.ofHours(2));
    int before = server.tokenRequestCount();

    ClientConfigurationException e =
        assertThrows(ClientConfigurationException.class, () -> broker.accessToken(USER));

    assertEquals("invalid_client", e.oauthError().orElseThrow());
    assertEquals(before + 1, server.tokenRequestCount());
    assertEquals(stored, store.load(USER).orElseThrow());
    assertFalse(broker.status(USER).reauthorizationRequired());
  }

  @Test
  void rateLimitBeyondTheCapFailsFastAndKeepsTheGrant() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    StoredGrant stored = store.load(USER).orElseThrow();
    server.enqueue(Fault.status(429).withRetryAfter("600"));
    clock.advance(Duration.ofHours(2));

    RateLimitedException e =
        assertThrows(RateLimitedException.class, () -> broker.accessToken(USER));

    assertEquals(Duration.ofMinutes(10), e.retryAfter().orElseThrow());
    assertEquals(stored, store.load(USER).orElseThrow());
  }

  @Test
  void storeDownAfterRotationKeepsTheNewTokensAndPersistsThemLater() throws Exception {
    FlakyStore flaky = new FlakyStore(store);
    TokenBroker broker = broker(flaky);
    consent(broker);
    StoredGrant before = store.load(USER).orElseThrow();
    clock.advance(Duration.ofHours(2));
    flaky.writesDown = true;

    AccessToken rotated = broker.accessToken(USER); // refresh succeeds, the write fails

    assertEquals(server.lastAccessToken(), rotated.revealValue());
    assertEquals(before, store.load(USER).orElseThrow(), "nothing written while down");
    assertTrue(broker.hasPendingWrite(USER));
    assertEquals(rotated, broker.accessToken(USER), "the new token is served from memory");
    assertEquals(1, events.count("storeWriteFailed"));
    assertTrue(logs.text().contains("holding them in memory"), "the log says so");

    flaky.writesDown = false;
    awaitEvent("storeWriteRecovered");

    assertFalse(broker.hasPendingWrite(USER));
    TokenBroker other = broker();
    other.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    assertEquals(rotated, other.accessToken(USER), "the rotated tokens reached the store");
    clock.advance(Duration.ofHours(2));
    assertNotNull(other.accessToken(USER)); // and its refresh token works: nothing was lost
    assertEquals(0, server.invalidGrantCount());
  }

  @Test
  void storeCompletelyDownStillServesAValidCachedToken() throws Exception {
    FlakyStore flaky = new FlakyStore(store);
    TokenBroker broker = broker(flaky);
    consent(broker);
    AccessToken current = broker.accessToken(USER);
    flaky.down = true;

    assertEquals(current, broker.accessToken(USER));
    clock.advance(
        Duration.ofMinutes(57)); // refresh-ahead: the background refresh cannot take the lease
    assertEquals(current, broker.accessToken(USER));
    awaitEvent("refreshFailed");
    flaky.down = false;
    clock.advance(Duration.ofMinutes(1));
    assertEquals(current, broker.accessToken(USER)); // still valid, back-off not yet over
  }

  @Test
  void clientCredentialsRenewWhileTheStoreIsDownAndPersistLater() throws Exception {
    FlakyStore flaky = new FlakyStore(store);
    TokenBroker broker = broker(flaky);
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);
    AccessToken first = broker.accessToken(CC);
    flaky.down = true;
    clock.advance(Duration.ofHours(2));

    AccessToken renewed = broker.accessToken(CC);

    assertNotEquals(first, renewed);
    assertTrue(broker.hasPendingWrite(CC));
    flaky.down = false;
    awaitEvent("storeWriteRecovered");
    TokenBroker other = broker();
    other.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);
    assertEquals(renewed, other.accessToken(CC));
    assertEquals(2, server.tokenRequestCount());
  }

  @Test
  void aDelayedWriteRetryNeverOverwritesANewerRotation() throws Exception {
    // The retry of a failed write and the next refresh's write race; the newest tokens must win.
    CountDownLatch retryEntered = new CountDownLatch(1);
    CountDownLatch releaseRetry = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean failNextWrite =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger writesAfterFailure =
        new java.util.concurrent.atomic.AtomicInteger(-1);
    TokenStore hooked =
        new ForwardingTokenStore(store) {
          @Override
          public java.util.OptionalLong compareAndSet(
              Lease lease, long expectedVersion, byte[] sealed, java.time.Instant expiresAt) {
            if (failNextWrite.getAndSet(false)) {
              writesAfterFailure.set(0);
              throw new TokenStoreException(
                  "down (test)", TokenStoreException.Kind.UNAVAILABLE, lease.key(), null);
            }
            if (writesAfterFailure.get() >= 0 && writesAfterFailure.incrementAndGet() == 1) {
              retryEntered
                  .countDown(); // the background retry of the failed write, holding the lease
              try {
                releaseRetry.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
          }
        };
    TokenBroker broker = broker(hooked);
    consent(broker);
    failNextWrite.set(true);
    broker.forceRefresh(USER); // rotates; the write fails and is held for a retry
    assertTrue(broker.hasPendingWrite(USER));
    assertTrue(retryEntered.await(10, TimeUnit.SECONDS));

    Future<AccessToken> second = callers.submit(() -> broker.forceRefresh(USER)); // rotates again
    awaitARefreshWaitingForTheLease(); // the race: the retry holds the lease the refresh needs
    releaseRetry.countDown();
    AccessToken newest = second.get(10, TimeUnit.SECONDS);

    assertFalse(broker.hasPendingWrite(USER));
    TokenBroker other = broker();
    other.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    assertEquals(newest, other.accessToken(USER), "the store holds the newest tokens");
    assertEquals(server.lastRefreshToken(), other.tokens(USER).refreshToken().revealValue());
    assertNotNull(other.forceRefresh(USER));
    assertEquals(0, server.invalidGrantCount());
  }

  @Test
  void removingAGrantWhileItsWriteIsHeldDoesNotResurrectIt() throws Exception {
    FlakyStore flaky = new FlakyStore(store);
    // Virtual time: the write retry runs (inline) only when the test moves time past it.
    FakeScheduler time = FakeScheduler.on(clock);
    TokenBroker broker =
        brokerBuilder(flaky).scheduler(time).executor(FakeScheduler.inlineExecutor()).build();
    brokers.add(broker);
    consent(broker);
    flaky.writesDown = true;
    broker.forceRefresh(USER);
    assertTrue(broker.hasPendingWrite(USER));
    assertTrue(time.pending() > 0, "a write retry is scheduled");
    flaky.writesDown = false;

    assertTrue(broker.remove(USER));
    time.advance(Duration.ofMinutes(5)); // far past every write retry (20 ms, doubling to 30 s)

    assertEquals(0, time.pending(), "nothing left to run");
    assertTrue(store.load(USER).isEmpty(), "the removed grant stays removed");
    assertEquals(0, events.count("storeWriteRecovered"), "no held write was written back");
  }

  @Test
  void aForcedRefreshDoesNotAdoptTheRejectedTokenAfterAReseal() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    AccessToken rejected = broker.accessToken(USER);
    StoredGrant stored =
        store.load(USER).orElseThrow(); // a re-seal elsewhere: new version, same tokens
    StoreWrites.put(store, USER, stored.sealed(), stored.expiresAt());

    AccessToken fresh = broker.refreshIfCurrent(USER, rejected);

    assertNotEquals(rejected, fresh);
  }

  @Test
  void aPublicRegistrationForAProviderThatNeedsASecretIsRefusedAtOnce() {
    TokenBroker broker = broker();
    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () ->
                broker.register(
                    CC,
                    ClientRegistration.publicClient(provider, CLIENT_ID),
                    GrantType.CLIENT_CREDENTIALS));
    assertTrue(e.getMessage().contains("client secret"));
  }

  @Test
  void aThrowingListenerNeverBreaksACall() {
    TokenBroker broker =
        brokerBuilder(store)
            .listener(
                new BrokerListener() {
                  @Override
                  public void refreshStarted(GrantKey key) {
                    throw new IllegalStateException("listener bug");
                  }

                  @Override
                  public void refreshSucceeded(GrantKey key, java.time.Instant expiresAt) {
                    throw new AssertionError("listener bug");
                  }
                })
            .build();
    brokers.add(broker);
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);

    assertNotNull(broker.accessToken(CC));
    assertTrue(logs.text().contains("refreshStarted threw"));
  }

  // ---------------------------------------------------------------- sealing

  @Test
  void tamperedEntryIsAClearErrorAndIsNotOverwritten() throws Exception {
    consent(broker());
    StoredGrant stored = store.load(USER).orElseThrow();
    byte[] bytes = stored.sealed();
    bytes[bytes.length / 2] ^= 1;
    StoreWrites.put(store, USER, bytes, stored.expiresAt());
    TokenBroker fresh = broker();
    fresh.register(USER, registration(), GrantType.AUTHORIZATION_CODE);

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> fresh.accessToken(USER));

    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, e.kind());
    assertTrue(e.getMessage().contains("fake/user-42"), e.getMessage());
    assertArrayEquals(
        bytes, store.load(USER).orElseThrow().sealed(), "the damaged entry is kept as it was");
    assertEquals(1, events.count("storeEntryUnreadable"));
  }

  @Test
  void entryCopiedToAnotherKeyDoesNotOpen() throws Exception {
    consent(broker());
    StoredGrant stored = store.load(USER).orElseThrow();
    GrantKey other = GrantKey.of("fake/user-43");
    StoreWrites.put(store, other, stored.sealed(), stored.expiresAt());
    TokenBroker fresh = broker();
    fresh.register(other, registration(), GrantType.AUTHORIZATION_CODE);

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> fresh.accessToken(other));

    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, e.kind());
  }

  @Test
  void wrongKeysetIsAClearErrorAndTheRightOneStillWorks() throws Exception {
    consent(broker());
    TokenBroker wrong =
        TokenBroker.builder().store(store).keyset(Keysets.generate()).clock(clock).build();
    brokers.add(wrong);
    wrong.register(USER, registration(), GrantType.AUTHORIZATION_CODE);

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> wrong.accessToken(USER));

    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, e.kind());
    TokenBroker right = broker();
    right.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    assertNotNull(right.accessToken(USER));
  }

  @Test
  void keyRotationResealsEveryGrant() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);
    broker.accessToken(CC);
    KeysetHandle rotated = Keysets.rotate(keyset);

    assertEquals(2, broker.rotateKeys(rotated));

    TokenBroker newKeyOnly =
        TokenBroker.builder()
            .store(store)
            .keyset(Keysets.retireOldKeys(rotated))
            .clock(clock)
            .build();
    brokers.add(newKeyOnly);
    newKeyOnly.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    assertEquals(broker.accessToken(USER), newKeyOnly.accessToken(USER));
    assertEquals(1, events.count("keysRotated"));
  }

  @Test
  void aLeaseShorterThanTheLongestRefreshIsWarnedAbout() {
    TokenBroker.builder().leaseTtl(Duration.ofSeconds(5)).build().close();

    assertTrue(
        logs.text().contains("shorter than the longest possible refresh (PT50S)"), logs.text());
  }

  @Test
  void aPersistentStoreNeedsAKeyset() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> TokenBroker.builder().store(new FlakyStore(store)).build());
    assertTrue(e.getMessage().contains("keyset"));
  }

  // ---------------------------------------------------------------- grant management

  @Test
  void statusListsRegisteredAndStoredGrantsWithoutSecrets() throws Exception {
    TokenBroker broker = broker();
    consent(broker);
    broker.register(CC, registration(), GrantType.CLIENT_CREDENTIALS);

    List<GrantStatus> grants = broker.grants();

    assertEquals(List.of(CC, USER), grants.stream().map(GrantStatus::key).toList());
    GrantStatus cc = grants.get(0);
    assertFalse(cc.stored());
    assertTrue(cc.registered());
    assertEquals(null, cc.expiresAt());
    GrantStatus user = grants.get(1);
    assertEquals("fake", user.provider());
    assertEquals(GrantType.AUTHORIZATION_CODE, user.grantType());
    assertEquals(clock.instant().plusSeconds(3600), user.expiresAt());
    assertTrue(user.refreshTokenPresent());
    assertNoSecretsIn(grants.toString());
    TokenBroker elsewhere = broker();
    GrantStatus storedOnly = elsewhere.status(USER);
    assertFalse(storedOnly.registered());
    assertEquals("fake", storedOnly.provider());
    assertThrows(UnknownGrantException.class, () -> elsewhere.status(GrantKey.of("nope")));
  }

  @Test
  void unknownAndUnconsentedGrantsAreClearErrors() {
    TokenBroker broker = broker();
    assertThrows(UnknownGrantException.class, () -> broker.accessToken(GrantKey.of("nope")));
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    UnknownGrantException e =
        assertThrows(UnknownGrantException.class, () -> broker.accessToken(USER));
    assertEquals(USER, e.grantKey().orElseThrow());
  }

  @Test
  void revokeTellsTheProviderAndRemovesTheGrant() throws Exception {
    TokenBroker broker = broker();
    TokenSet tokens = consent(broker);

    assertTrue(broker.revoke(USER));

    assertFalse(server.isGrantAlive(tokens.refreshToken().revealValue()));
    assertTrue(store.load(USER).isEmpty());
    assertThrows(UnknownGrantException.class, () -> broker.accessToken(USER));
  }

  @Test
  void removeForgetsTheGrant() throws Exception {
    TokenBroker broker = broker();
    consent(broker);

    assertTrue(broker.remove(USER));

    assertTrue(store.load(USER).isEmpty());
    assertFalse(broker.remove(USER));
  }

  @Test
  void saveTokensStoresAConsentDoneElsewhere() {
    TokenBroker broker = broker();
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    TokenSet tokens = TokenClient.builder(registration()).clock(clock).build().clientCredentials();

    broker.saveTokens(USER, tokens);

    assertEquals(tokens.accessToken(), broker.accessToken(USER));
    assertEquals(1, store.load(USER).orElseThrow().version());
  }

  // ---------------------------------------------------------------- back-off after a re-consent

  /** Broker {@code a}, which made the consent, and broker {@code b} on the same store. */
  private record TwoBrokers(TokenBroker a, TokenBroker b) {}

  /**
   * Two brokers on one store after a consent through the first; {@code fault} (given the consent's
   * tokens) then makes the second one's refresh past expiry fail with {@code failure}, which it now
   * holds off. The clock does not move after: the back-off still lasts.
   */
  private TwoBrokers secondBrokerFailing(
      Class<? extends RuntimeException> failure, java.util.function.Consumer<TokenSet> fault)
      throws Exception {
    TokenBroker a = broker();
    TokenSet tokens = consent(a);
    TokenBroker b = broker();
    b.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    b.accessToken(USER);
    fault.accept(tokens);
    clock.advance(Duration.ofHours(2));
    assertThrows(failure, () -> b.accessToken(USER));
    return new TwoBrokers(a, b);
  }

  private void revoke(TokenSet tokens) {
    server.revoke(tokens.refreshToken().revealValue()); // the user withdrew consent
  }

  private void serverErrors(TokenSet tokens) {
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.status(503)); // every retry of one refresh
    }
  }

  private void rateLimit(TokenSet tokens) {
    server.enqueue(Fault.status(429).withRetryAfter("600"));
  }

  @Test
  void aReconsentOnTheSameBrokerIsServedAtOnceAfterATransientFailure() throws Exception {
    TokenBroker broker = broker();
    serverErrors(consent(broker));
    clock.advance(Duration.ofHours(2));
    assertThrows(TransientTokenException.class, () -> broker.accessToken(USER));

    TokenSet fresh = consent(broker); // the clock does not move: the back-off still lasts

    assertEquals(fresh.accessToken(), broker.accessToken(USER));
  }

  @Test
  void aReconsentOnTheSameBrokerIsServedAtOnceAfterInvalidGrant() throws Exception {
    TokenBroker broker = broker();
    revoke(consent(broker));
    clock.advance(Duration.ofHours(2));
    assertThrows(InvalidGrantException.class, () -> broker.accessToken(USER));

    TokenSet fresh = TokenClient.builder(registration()).clock(clock).build().clientCredentials();
    broker.saveTokens(USER, fresh);

    assertEquals(fresh.accessToken(), broker.accessToken(USER));
  }

  @Test
  void aReconsentOnAnotherBrokerEndsTheHoldOffAfterInvalidGrant() throws Exception {
    TwoBrokers brokers = secondBrokerFailing(InvalidGrantException.class, this::revoke);
    TokenBroker a = brokers.a();
    TokenBroker b = brokers.b();
    assertThrows(InvalidGrantException.class, () -> b.accessToken(USER)); // held off
    int calls = server.tokenRequestCount();

    TokenSet fresh = consent(a); // the clock does not move: b's back-off still lasts
    int afterConsent = server.tokenRequestCount();

    assertEquals(fresh.accessToken(), b.accessToken(USER));
    assertEquals(fresh.accessToken(), b.accessToken(USER));
    assertEquals(afterConsent, server.tokenRequestCount(), "b adopts, it does not refresh");
    assertTrue(afterConsent > calls);
    assertFalse(b.status(USER).reauthorizationRequired());
  }

  @Test
  void aReconsentOnAnotherBrokerEndsTheHoldOffAfterATransientFailure() throws Exception {
    TwoBrokers brokers = secondBrokerFailing(TransientTokenException.class, this::serverErrors);
    TokenBroker a = brokers.a();
    TokenBroker b = brokers.b();
    int calls = server.tokenRequestCount();
    for (int i = 0; i < 20; i++) {
      assertThrows(TransientTokenException.class, () -> b.accessToken(USER));
    }
    assertEquals(calls, server.tokenRequestCount(), "the old failure is held off");

    TokenSet fresh = consent(a);
    int afterConsent = server.tokenRequestCount();

    assertEquals(fresh.accessToken(), b.accessToken(USER));
    assertEquals(afterConsent, server.tokenRequestCount(), "b adopts, it does not refresh");
  }

  @Test
  void aRetryAfterStillHoldsOffRefreshesButFreshStoredTokensAreServed() throws Exception {
    TwoBrokers brokers = secondBrokerFailing(RateLimitedException.class, this::rateLimit);
    TokenBroker a = brokers.a();
    TokenBroker b = brokers.b();
    int calls = server.tokenRequestCount();
    assertThrows(RateLimitedException.class, () -> b.forceRefresh(USER));
    assertEquals(calls, server.tokenRequestCount(), "no refresh of the old tokens");

    TokenSet fresh = consent(a);
    int afterConsent = server.tokenRequestCount();

    assertEquals(fresh.accessToken(), b.accessToken(USER));
    assertThrows(RateLimitedException.class, () -> b.forceRefresh(USER));
    assertEquals(afterConsent, server.tokenRequestCount(), "the Retry-After still holds");
    assertEquals(fresh.accessToken(), b.accessToken(USER));
  }

  /** {@code consent}'s tokens as stored with an access token that expired an hour ago. */
  private TokenSet agedBy(TokenSet consent) {
    java.time.Instant now = clock.instant();
    return new TokenSet(
        consent.accessToken(),
        consent.tokenType(),
        now.minus(Duration.ofHours(2)),
        now.minus(Duration.ofHours(1)),
        consent.refreshToken(),
        consent.refreshTokenExpiresAt(),
        consent.scopes());
  }

  @Test
  void aNewerStoredEntryThatNeedsARefreshIsRefreshedDespiteTheOldFailure() throws Exception {
    TwoBrokers brokers = secondBrokerFailing(InvalidGrantException.class, this::revoke);
    TokenBroker a = brokers.a();
    TokenBroker b = brokers.b();
    TokenSet fresh = consent(a);
    a.saveTokens(USER, agedBy(fresh)); // its access token needs a refresh now
    int calls = server.tokenRequestCount();

    AccessToken refreshed = b.accessToken(USER);

    assertNotEquals(fresh.accessToken(), refreshed);
    assertEquals(calls + 1, server.tokenRequestCount());
    assertEquals(1, server.invalidGrantCount());
    assertEquals(refreshed, a.accessToken(USER));
  }

  @Test
  void aRetryAfterStillHoldsOffTheRefreshOfANewerStoredEntry() throws Exception {
    TwoBrokers brokers = secondBrokerFailing(RateLimitedException.class, this::rateLimit);
    TokenBroker a = brokers.a();
    TokenBroker b = brokers.b();
    TokenSet fresh = consent(a);
    a.saveTokens(USER, agedBy(fresh));
    int calls = server.tokenRequestCount();

    assertThrows(RateLimitedException.class, () -> b.accessToken(USER));

    assertEquals(calls, server.tokenRequestCount());
    clock.advance(Duration.ofMinutes(11));
    assertNotNull(b.accessToken(USER));
    assertEquals(calls + 1, server.tokenRequestCount());
  }

  @Test
  void aHealthyGrantNeverReadsTheStoreOnTheHotPath() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    TokenStore counting =
        new ForwardingTokenStore(store) {
          @Override
          public java.util.Optional<StoredGrant> load(GrantKey key) {
            loads.incrementAndGet();
            return super.load(key);
          }
        };
    TokenBroker broker = broker(counting);
    consent(broker);
    broker.accessToken(USER);
    int before = loads.get();

    for (int i = 0; i < 100; i++) {
      broker.accessToken(USER);
    }

    assertEquals(before, loads.get());
  }

  /**
   * Waits until a thread is parked in {@code Grant.lease()}: a refresh queued behind whoever holds
   * the grant's lease. No listener event marks that point, so the threads' stacks are polled.
   */
  private static void awaitARefreshWaitingForTheLease() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
        Thread.State state = thread.getKey().getState();
        boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        if (parked
            && Arrays.stream(thread.getValue())
                .anyMatch(
                    frame ->
                        frame.getClassName().equals(Grant.class.getName())
                            && frame.getMethodName().equals("lease"))) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no refresh ever waited for the lease");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  private void awaitEvent(String event) throws InterruptedException {
    events.await(event, 1, Duration.ofSeconds(10));
  }
}
