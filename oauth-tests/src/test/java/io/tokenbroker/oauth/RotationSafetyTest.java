package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.ForwardingTokenStore;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.LogCapture;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RecordingBrokerListener;
import io.tokenbroker.testkit.StoreWrites;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the paths on which a rotated refresh token used to be lost, and the smaller broker
 * defects found beside them. Each test failed before the fix it names.
 */
class RotationSafetyTest {
  private static final String CLIENT_ID = "rotation-client";
  private static final String SECRET = "rotation-secret-0123456789";
  private static final GrantKey USER = GrantKey.of("fake/user-7");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final RecordingBrokerListener events = new RecordingBrokerListener();
  private final List<TokenBroker> brokers = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
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
    threads.shutdownNow();
    server.close();
    logs.close();
    logs.assertNoSecrets(); // the server's tokens and the client secret, in logs and output
    assertEquals(List.of(), IssuedSecrets.foundIn(String.join("\n", events.events())), "events");
  }

  private TokenBroker.Builder builder(TokenStore store) {
    return BrokerFixture.brokerBuilder(store, keyset, clock, events);
  }

  private TokenBroker broker(TokenStore store) {
    return track(builder(store).build());
  }

  private TokenBroker track(TokenBroker broker) {
    brokers.add(broker);
    return broker;
  }

  private ClientRegistration registration() {
    return ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
  }

  private TokenSet consent(TokenBroker broker) throws Exception {
    broker.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(USER, URI.create("https://app.example/cb"));
    return request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  /** A second broker on the same store that reads what the store holds now. */
  private TokenBroker reader(TokenStore store) {
    TokenBroker other = broker(store);
    other.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    return other;
  }

  private void awaitEvent(String event) throws InterruptedException {
    events.await(event, 1, Duration.ofSeconds(10));
  }

  /**
   * A store whose writes fail with {@code reason} while {@code failing} is set; it records the
   * thread of every write it refused.
   */
  private static final class FailingWrites extends FlakyStore {
    volatile TokenStoreException.Kind failing;
    private final List<Thread> refusedOn = new ArrayList<>(); // guarded by this

    FailingWrites(TokenStore delegate) {
      super(delegate);
    }

    @Override
    public OptionalLong compareAndSet(
        Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
      TokenStoreException.Kind reason = failing;
      if (reason != null) {
        synchronized (this) {
          refusedOn.add(Thread.currentThread());
          notifyAll();
        }
        throw new TokenStoreException("write refused (test): " + reason, reason, lease.key(), null);
      }
      return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    }

    /** The threads of the writes refused so far, in order. */
    synchronized List<Thread> refusedOn() {
      return List.copyOf(refusedOn);
    }

    /**
     * Waits (at most 10 seconds) until {@code count} writes were refused; returns the threads of
     * the writes refused by then.
     */
    synchronized List<Thread> awaitRefusals(int count) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (refusedOn.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return List.copyOf(refusedOn);
    }
  }

  // ------------------------------------------------------------------ 1. non-transient failures

  @Test
  void aNonTransientWriteFailureAfterARotationKeepsTheNewTokens() throws Exception {
    FailingWrites failing = new FailingWrites(store);
    TokenBroker broker = broker(failing);
    consent(broker);
    clock.advance(Duration.ofHours(2));
    failing.failing = TokenStoreException.Kind.MISCONFIGURED; // as SQLSTATE 25006 used to be

    AccessToken rotated = broker.accessToken(USER);

    assertTrue(broker.hasPendingWrite(USER), "the rotated tokens are held, not dropped");
    failing.failing = null;
    awaitEvent("storeWriteRecovered");
    TokenBroker other = reader(store);
    assertEquals(rotated, other.accessToken(USER), "the rotated tokens reached the store");
    clock.advance(Duration.ofHours(2));
    assertNotNull(other.accessToken(USER));
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }

  @Test
  void aConflictWhoseReReadCannotBeOpenedKeepsTheNewTokens() throws Exception {
    // Issue 12, point 1: CANNOT_DECRYPT on the re-read after a compare-and-set conflict.
    AtomicInteger phase = new AtomicInteger();
    TokenStore odd =
        new ForwardingTokenStore(store) {
          @Override
          public OptionalLong compareAndSet(
              Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
            if (phase.compareAndSet(1, 2)) {
              return OptionalLong.empty(); // a conflict
            }
            return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
          }

          @Override
          public Optional<StoredGrant> load(GrantKey key) {
            if (phase.compareAndSet(2, 3)) {
              throw new TokenStoreException(
                  "cannot open the entry (test)",
                  TokenStoreException.Kind.CANNOT_DECRYPT,
                  key,
                  null);
            }
            return super.load(key);
          }
        };
    TokenBroker broker = broker(odd);
    consent(broker);
    clock.advance(Duration.ofHours(2));
    phase.set(1);

    AccessToken rotated = broker.accessToken(USER);

    assertEquals(3, phase.get(), "the write met a conflict and its re-read failed");
    awaitEvent("storeWriteRecovered");
    TokenBroker other = reader(store);
    assertEquals(rotated, other.accessToken(USER), "the rotated tokens reached the store");
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }

  // ------------------------------------------------------------------ 2. refresh from held tokens

  @Test
  void aRefreshFromHeldTokensSurvivesAResealOfTheStoredEntry() throws Exception {
    FailingWrites failing = new FailingWrites(store);
    // The broker's time is the test's: the lease it keeps for the held tokens runs out with it.
    TokenBroker broker =
        track(
            builder(failing)
                .scheduler(FakeScheduler.on(clock))
                .leaseTtl(Duration.ofSeconds(60))
                .build());
    consent(broker);
    failing.failing = TokenStoreException.Kind.UNAVAILABLE;
    broker.forceRefresh(USER); // rotation 1, held (with the lease)
    AccessToken newest = broker.forceRefresh(USER); // rotation 2 from the held tokens, held
    assertTrue(broker.hasPendingWrite(USER));
    assertThrows(
        IllegalStateException.class,
        () -> StoreWrites.lease(store, USER),
        "nobody else may refresh with the stored, spent refresh token meanwhile");
    clock.advance(Duration.ofSeconds(61)); // the kept lease runs out
    StoredGrant stored = store.load(USER).orElseThrow(); // a key rotation elsewhere re-seals it
    StoreWrites.put(store, USER, stored.sealed(), stored.expiresAt());

    failing.failing = null;
    assertEquals(Set.of(), broker.flush(Duration.ofSeconds(10)));

    TokenBroker other = reader(store);
    assertEquals(newest, other.accessToken(USER), "the newest tokens reached the store");
    assertNotNull(other.forceRefresh(USER));
    assertEquals(0, server.invalidGrantCount());
  }

  // ------------------------------------------------------------------ 3. fencing, versions

  @Test
  void aWriterWhoseLeaseExpiredCannotOverwriteANewConsent() throws Exception {
    TokenBroker slow = track(builder(store).leaseTtl(Duration.ofSeconds(30)).build());
    consent(slow);
    TokenBroker operator = broker(store);
    operator.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    TokenSet newConsent =
        TokenClient.builder(registration()).clock(clock).build().clientCredentials();
    AtomicReference<Throwable> operatorFailure = new AtomicReference<>();
    server.setDispatcher(
        request -> {
          if (request.path().equals("/token")
              && "refresh_token".equals(request.parameters().get("grant_type"))) {
            server.setDispatcher(null);
            clock.advance(Duration.ofMinutes(5)); // the slow broker's lease runs out meanwhile
            try {
              operator.remove(USER);
              operator.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
              operator.saveTokens(USER, newConsent);
            } catch (Throwable t) {
              operatorFailure.set(t);
            }
          }
          return null;
        });

    try {
      slow.forceRefresh(USER);
    } catch (TokenBrokerException expected) {
      // the slow broker may report its lost lease; what matters is the store
    }

    assertEquals(null, operatorFailure.get());
    TokenBroker other = reader(store);
    assertEquals(newConsent.accessToken(), other.accessToken(USER), "the new consent is kept");
  }

  @Test
  void theTokenCallIsNotSentWithoutTimeLeftOnTheLeaseForTheWrite() throws Exception {
    // Before the fix the refresh token was spent however little of the lease was left, so the new
    // tokens could only be written by a writer whose lease had run out.
    StallingReads stalling = new StallingReads(store, clock, Duration.ofSeconds(30));
    TokenBroker broker =
        track(
            builder(stalling)
                .leaseTtl(Duration.ofSeconds(30))
                .scheduler(FakeScheduler.realTimeWith(clock))
                .build());
    consent(broker);
    String refreshToken = server.lastRefreshToken();
    stalling.stall = true; // the re-read under the lease takes the whole lease

    TransientTokenException e =
        assertThrows(TransientTokenException.class, () -> broker.forceRefresh(USER));

    assertTrue(e.getMessage().contains("was not sent"), e.getMessage());
    assertEquals(0, server.tokenRequestCount("refresh_token"), "the refresh token was spent");
    assertTrue(server.isGrantAlive(refreshToken));
    stalling.stall = false;
    assertNotNull(broker.forceRefresh(USER), "the stored refresh token still works");
    assertEquals(0, server.invalidGrantCount());
  }

  /** A store whose reads, once {@code stall} is set, take {@code delay} on the clock. */
  private static final class StallingReads extends ForwardingTokenStore {
    private final FakeClock clock;
    private final Duration delay;
    volatile boolean stall;

    StallingReads(TokenStore delegate, FakeClock clock, Duration delay) {
      super(delegate);
      this.clock = clock;
      this.delay = delay;
    }

    @Override
    public Optional<StoredGrant> load(GrantKey key) {
      if (stall) {
        clock.advance(delay);
      }
      return super.load(key);
    }
  }

  // ------------------------------------------------------------------ 6. Retry-After

  @Test
  void theFailureBackOffHonoursRetryAfter() throws Exception {
    TokenBroker broker = broker(store);
    consent(broker);
    server.enqueue(Fault.status(429).withRetryAfter("600"));
    clock.advance(Duration.ofHours(2));
    assertThrows(RateLimitedException.class, () -> broker.accessToken(USER));
    int calls = server.tokenRequestCount();

    clock.advance(Duration.ofSeconds(30)); // past the ordinary back-off, not past Retry-After
    assertThrows(RateLimitedException.class, () -> broker.accessToken(USER));
    assertThrows(RateLimitedException.class, () -> broker.forceRefresh(USER));
    assertEquals(calls, server.tokenRequestCount(), "no request before Retry-After passed");

    clock.advance(Duration.ofSeconds(571));
    assertNotNull(broker.accessToken(USER));
    assertEquals(calls + 1, server.tokenRequestCount());
  }

  // ------------------------------------------------------------------ 7. lifetimes

  @Test
  void anOldCreatedAtDoesNotStartARefreshOnEveryCall() throws Exception {
    TokenBroker broker = broker(store);
    long dayOld = clock.instant().minus(Duration.ofDays(1)).getEpochSecond();
    server.setDispatcher(
        request -> {
          if (!request.path().equals("/token")) {
            return null;
          }
          server.setDispatcher(null);
          return Fault.successWith("created_at", dayOld);
        });
    consent(broker);
    int calls = server.tokenRequestCount();

    for (int i = 0; i < 100; i++) {
      broker.accessToken(USER);
    }
    clock.advance(Duration.ofMinutes(10));
    for (int i = 0; i < 100; i++) {
      broker.accessToken(USER);
    }

    assertEquals(calls, server.tokenRequestCount(), "a one-hour token needs no refresh yet");
    assertEquals(clock.instant().minus(Duration.ofMinutes(10)), broker.tokens(USER).issuedAt());
  }

  @Test
  void expiresInZeroIsRefreshedAtMostOncePerMinimumInterval() throws Exception {
    TokenBroker broker = broker(store);
    consent(broker);
    server.setDispatcher(
        request -> request.path().equals("/token") ? Fault.successWith("expires_in", 0) : null);
    broker.forceRefresh(USER);
    int calls = server.tokenRequestCount();

    for (int i = 0; i < 100; i++) {
      broker.accessToken(USER);
    }

    assertEquals(calls, server.tokenRequestCount(), "no refresh storm");
    clock.advance(Duration.ofMinutes(1));
    broker.accessToken(USER);
    assertEquals(calls + 1, server.tokenRequestCount());
  }

  @Test
  void aRefreshAheadRunInlineThatFindsTheGrantRevokedDoesNotServeItsToken() throws Exception {
    // Found by the simulation (seed 505741): the hot path returned the token it read before the
    // refresh it started, although that refresh, run on the caller's thread, had ended the grant.
    TokenBroker broker = track(builder(store).executor(FakeScheduler.inlineExecutor()).build());
    consent(broker);
    AccessToken before = broker.accessToken(USER);
    server.revoke(server.lastRefreshToken());
    clock.advance(Duration.ofMinutes(58)); // in the refresh-ahead window, still usable

    assertThrows(InvalidGrantException.class, () -> broker.accessToken(USER));
    assertTrue(broker.status(USER).reauthorizationRequired());
    assertThrows(InvalidGrantException.class, () -> broker.accessToken(USER));
    assertNotNull(before);
  }

  @Test
  void heldTokensTheProviderRefusedAreNotServedEvenIfTheStoreCannotBeRead() throws Exception {
    FailingWrites failing = new FailingWrites(store);
    TokenBroker broker = broker(failing);
    AccessToken held = holdRotatedTokens(broker, failing);
    server.revoke(server.lastRefreshToken()); // the provider ends the grant
    failing.down = true; // and the store cannot be read either

    assertThrows(TokenBrokerException.class, () -> broker.forceRefresh(USER));

    assertFalse(broker.hasPendingWrite(USER), "refused tokens are not written later");
    assertNotServed(held, broker); // the held token is still within its lifetime
  }

  @Test
  void revokeStopsServingHeldTokensItRevokedEvenIfTheStoreThenFails() throws Exception {
    // Found by the simulation (seed 505741): held tokens revoked at the provider stayed served
    // (and were written later) when revoke's store read failed after the revocation.
    FailingWrites failing = new FailingWrites(store);
    TokenBroker broker = broker(failing);
    AccessToken held = holdRotatedTokens(broker, failing);
    failing.down = true; // the store read after the revocation fails

    assertThrows(TokenStoreException.class, () -> broker.revoke(USER));

    assertFalse(server.isGrantAlive(server.lastRefreshToken()), "the held tokens were revoked");
    assertFalse(broker.hasPendingWrite(USER), "revoked tokens are not written later");
    failing.down = false;
    failing.failing = null;
    assertNotServed(held, broker); // the stored tokens are older: the provider refuses them too
  }

  /** Consents, then lets a refresh rotate the tokens while the store refuses their write. */
  private AccessToken holdRotatedTokens(TokenBroker broker, FailingWrites failing)
      throws Exception {
    consent(broker);
    clock.advance(Duration.ofHours(2));
    failing.failing = TokenStoreException.Kind.MISCONFIGURED;
    AccessToken held = broker.accessToken(USER);
    assertTrue(broker.hasPendingWrite(USER));
    return held;
  }

  /** {@code broker} serves anything but {@code refused}, or nothing at all. */
  private static void assertNotServed(AccessToken refused, TokenBroker broker) {
    AccessToken served = null;
    try {
      served = broker.accessToken(USER);
    } catch (TokenBrokerException nothingUsable) {
      // fine: no token rather than a refused one
    }
    assertFalse(refused.equals(served), "a token the provider refused is served");
  }

  // ------------------------------------------------------------------ 8. close

  @Test
  void afterCloseAccessTokenFailsAndNothingRefreshesEvenWithTheCallersExecutor() throws Exception {
    TokenBroker broker = track(builder(store).executor(threads).build());
    consent(broker);
    broker.close();
    int calls = server.tokenRequestCount();

    assertThrows(IllegalStateException.class, () -> broker.accessToken(USER));
    clock.advance(Duration.ofHours(2));
    assertThrows(IllegalStateException.class, () -> broker.accessToken(USER));
    assertThrows(IllegalStateException.class, () -> broker.forceRefresh(USER));
    assertEquals(calls, server.tokenRequestCount());
  }

  @Test
  void closeKeepsTryingToWriteHeldTokensUntilTheStoreComesBack() throws Exception {
    FailingWrites failing = new FailingWrites(store);
    // Close's pause between write attempts ends early once the store is back (else it would last
    // all of closeWait); the background retry is an hour away, so only close() retries here.
    CountDownLatch healed = new CountDownLatch(1);
    Scheduler system = Scheduler.system();
    Scheduler wakesWhenHealed =
        new Scheduler() {
          @Override
          public long nanoTime() {
            return system.nanoTime();
          }

          @Override
          public void sleep(Duration duration) throws InterruptedException {
            healed.await(duration.toNanos(), TimeUnit.NANOSECONDS);
          }

          @Override
          public Future<?> schedule(Runnable task, Duration delay) {
            return system.schedule(task, delay);
          }
        };
    TokenBroker broker =
        track(
            builder(failing).writeRetryMin(Duration.ofHours(1)).scheduler(wakesWhenHealed).build());
    consent(broker);
    failing.failing = TokenStoreException.Kind.UNAVAILABLE;
    AccessToken rotated = broker.forceRefresh(USER);
    assertEquals(1, failing.refusedOn().size(), "the refresh's write was refused");
    Thread closing = Thread.currentThread();
    Future<List<Thread>> recovery =
        threads.submit(
            () -> {
              // The race: the store comes back only after close() tried and failed once itself.
              List<Thread> refused = failing.awaitRefusals(2);
              failing.failing = null;
              healed.countDown();
              return refused;
            });

    broker.close();

    List<Thread> refused = recovery.get(10, TimeUnit.SECONDS);
    assertTrue(refused.size() >= 2, "writes refused before the store came back: " + refused);
    assertTrue(failing.refusedOn().size() >= 2);
    assertEquals(closing, refused.get(1), "close() retried while the store was still down");
    assertEquals(rotated, reader(store).accessToken(USER), "close persisted the held tokens");
  }

  @Test
  void aWriteStillHeldAfterCloseIsReportedNotDroppedSilently() throws Exception {
    // Before the fix close() tried held writes once and dropped what the store refused, silently.
    FailingWrites failing = new FailingWrites(store);
    TokenBroker broker = track(builder(failing).closeWait(Duration.ofMillis(200)).build());
    consent(broker);
    failing.failing = TokenStoreException.Kind.UNAVAILABLE; // and it stays down
    broker.forceRefresh(USER);
    assertTrue(broker.hasPendingWrite(USER));

    broker.close();

    assertEquals(1, events.count("storeWriteAbandoned"), events::toString);
    assertTrue(events.events().contains("storeWriteAbandoned " + USER + " UNAVAILABLE"));
    assertTrue(logs.logs().contains(USER.value()), "the log names the grant");
  }

  // ------------------------------------------------------------------ 9. hot path

  @Test
  void theRefreshAheadWindowTakesNoMonitor() throws Exception {
    TokenBroker broker = broker(store);
    consent(broker);
    AccessToken current = broker.accessToken(USER);
    Object grant = broker.grantForTest(USER);
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<?> holder =
        threads.submit(
            () -> {
              synchronized (grant) {
                locked.countDown();
                release.await(10, TimeUnit.SECONDS);
              }
              return null;
            });
    assertTrue(locked.await(5, TimeUnit.SECONDS));
    clock.advance(Duration.ofMinutes(57)); // inside the refresh-ahead window

    try {
      Future<AccessToken> call = threads.submit(() -> broker.accessToken(USER));
      assertEquals(current, call.get(5, TimeUnit.SECONDS), "the hot path never blocks");
    } finally {
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ 10. rotateKeys, revoke

  @Test
  void rotateKeysDoesNotReplaceHeldTokensWithOlderStoredOnes() throws Exception {
    FailingWrites failing = new FailingWrites(store);
    TokenBroker broker = track(builder(failing).writeRetryMin(Duration.ofHours(1)).build());
    consent(broker);
    failing.failing = TokenStoreException.Kind.UNAVAILABLE;
    AccessToken rotated = broker.forceRefresh(USER);
    failing.failing = null;
    KeysetHandle newKeys = Keysets.rotate(keyset);

    broker.rotateKeys(newKeys);

    assertEquals(rotated, broker.accessToken(USER), "the newest tokens are still served");
    assertFalse(broker.hasPendingWrite(USER), "re-sealing under the lease wrote them");
    TokenBroker reader = track(builder(store).keyset(newKeys).build());
    reader.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    assertEquals(rotated, reader.accessToken(USER));
  }

  @Test
  void revokeReadsAndRevokesUnderTheLease() throws Exception {
    TokenBroker other = broker(store);
    AtomicReference<Future<AccessToken>> concurrentRefresh = new AtomicReference<>();
    TokenStore hooked =
        new ForwardingTokenStore(store) {
          @Override
          public Optional<StoredGrant> load(GrantKey key) {
            Optional<StoredGrant> loaded = super.load(key);
            if (Thread.currentThread().getName().equals("revoker")
                && concurrentRefresh.get() == null) {
              // Another instance refreshes right after revoke read the store.
              concurrentRefresh.set(threads.submit(() -> other.forceRefresh(USER)));
              try {
                concurrentRefresh.get().get(1, TimeUnit.SECONDS);
              } catch (Exception stillWaitingForTheLease) {
                // expected once revoke holds the lease
              }
            }
            return loaded;
          }
        };
    TokenBroker broker = broker(hooked);
    consent(broker);
    other.register(USER, registration(), GrantType.AUTHORIZATION_CODE);
    other.accessToken(
        USER); // it has seen the stored tokens, so its forced refresh really refreshes
    String stored = broker.tokens(USER).refreshToken().revealValue();

    Thread revoker = new Thread(() -> broker.revoke(USER), "revoker");
    revoker.start();
    revoker.join(20_000);

    RecordedRequest revocation =
        server.requests().stream()
            .filter(r -> r.path().equals("/revoke"))
            .findFirst()
            .orElseThrow();
    assertEquals(stored, revocation.parameters().get("token"), "revoked what the store held");
    assertEquals(stored, server.lastRefreshToken(), "no refresh slipped in between");
    assertTrue(store.load(USER).isEmpty());
    assertThrows(Exception.class, () -> concurrentRefresh.get().get(10, TimeUnit.SECONDS));
  }
}
