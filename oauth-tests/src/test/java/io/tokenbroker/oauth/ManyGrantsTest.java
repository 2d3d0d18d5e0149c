package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.internal.Tink;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.HeldRequests;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.LogCapture;
import io.tokenbroker.testkit.RecordingBrokerListener;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many grants in one broker (issue 17): client templates, grants loaded lazily from the store, the
 * bounded Caffeine cache, and consents completed on another broker instance; against the fake
 * authorization server on loopback, with a FakeClock.
 */
class ManyGrantsTest {
  private static final String CLIENT_ID = "many-client";
  private static final String SECRET = "many-secret-0123456789";
  private static final String APP = "fake-app";
  private static final String SERVICE = "fake-service";
  private static final GrantKey USER = GrantKey.of("fake/customer-42");
  private static final URI REDIRECT = URI.create("https://app.example/oauth/callback");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final RecordingBrokerListener events = new RecordingBrokerListener();
  private final List<TokenBroker> brokers = new ArrayList<>();
  private final ExecutorService callers = Executors.newFixedThreadPool(8);
  private FakeAuthorizationServer server;
  private PendingConsentStore store;
  private LogCapture logs;
  private Provider provider;

  @BeforeEach
  void start() {
    logs = LogCapture.start();
    server = BrokerFixture.strictServer(clock, CLIENT_ID, SECRET);
    store = new PendingConsentStore(InMemoryTokenStore.create(clock));
    provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
  }

  @AfterEach
  void stop() {
    brokers.forEach(TokenBroker::close);
    callers.shutdownNow();
    server.close();
    logs.close();
    logs.assertNoSecrets(); // the server's tokens and the client secret, in logs and output
    assertEquals(List.of(), IssuedSecrets.foundIn(String.join("\n", events.events())), "events");
  }

  private TokenBroker.Builder builder() {
    return BrokerFixture.brokerBuilder(store, keyset, clock, events);
  }

  /** A broker with both templates, as every instance of the application registers them. */
  private TokenBroker broker(TokenBroker.Builder builder) {
    TokenBroker broker = builder.build();
    brokers.add(broker);
    ClientRegistration registration =
        ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
    broker.registerTemplate(APP, registration, GrantType.AUTHORIZATION_CODE);
    broker.registerTemplate(SERVICE, registration, GrantType.CLIENT_CREDENTIALS);
    return broker;
  }

  private TokenBroker broker() {
    return broker(builder());
  }

  /** What the user's browser does: follows the consent URL, returns where it is sent back. */
  private static URI approve(AuthorizationRequest request) throws Exception {
    return FakeAuthorizationServer.approve(request.uri());
  }

  private Aead aead() throws Exception {
    return keyset.getPrimitive(Tink.configuration(), Aead.class);
  }

  @Test
  void aConsentStartedOnOneBrokerCompletesOnAnotherAndAThirdServesTheGrant() throws Exception {
    TokenBroker a = broker();
    TokenBroker b = broker();
    AuthorizationRequest request = a.authorizationRequest(USER, APP, REDIRECT);
    assertEquals(1, store.pendingConsents(), "the pending consent is in the store");

    URI callback = approve(request);
    assertEquals(USER, b.completeAuthorization(callback));
    assertEquals(0, store.pendingConsents(), "completing removes the pending consent");
    assertEquals(1, server.tokenRequestCount("authorization_code"));

    StoredTokens stored = StoredTokens.read(store, aead(), USER).orElseThrow();
    assertTrue(stored.refreshTokenPresent());

    // A third instance that never saw this grant: loaded from the store with its template.
    TokenBroker c = broker();
    int loadsBefore = store.loads.get();
    assertEquals(stored.accessToken(), c.accessToken(USER));
    assertEquals(1, store.loads.get() - loadsBefore, "a cold grant costs one store read");
    assertEquals(stored.accessToken(), c.accessToken(USER));
    assertEquals(1, store.loads.get() - loadsBefore, "a cached grant costs none");

    // Expired on the third instance: renewed with the template's client (refresh token).
    clock.advance(Duration.ofHours(2));
    AccessToken renewed = c.accessToken(USER);
    assertNotEquals(stored.accessToken(), renewed);
    assertEquals(1, server.tokenRequestCount("refresh_token"));
    assertEquals(renewed, StoredTokens.read(store, aead(), USER).orElseThrow().accessToken());
  }

  @Test
  void aWebAppsConsentFlowStartsOnOneInstanceAndCompletesOnAnother() throws Exception {
    ConsentFlow onA = ConsentFlow.of(broker(), APP, REDIRECT);
    TokenBroker b = broker();
    ConsentFlow onB = ConsentFlow.of(b, APP, REDIRECT);
    URI location = onA.start(USER);
    assertTrue(location.toString().startsWith(server.authorizationEndpoint().toString()));
    URI callback = FakeAuthorizationServer.approve(location);
    assertEquals(USER, onB.completeQuery(callback.getRawQuery()));
    assertEquals(
        StoredTokens.read(store, aead(), USER).orElseThrow().accessToken(), b.accessToken(USER));
    assertEquals(
        ConsentException.Kind.UNKNOWN_STATE,
        assertThrows(ConsentException.class, () -> onA.complete(callback)).kind());
    assertEquals(
        ConsentException.Kind.INVALID_CALLBACK,
        assertThrows(ConsentException.class, () -> onB.completeQuery(null)).kind());
    assertEquals(
        ConsentException.Kind.INVALID_CALLBACK,
        assertThrows(ConsentException.class, () -> onB.completeQuery("a b|c")).kind());
  }

  @Test
  void theRequestReturnedByAStartedConsentCompletesItOnce() throws Exception {
    TokenBroker a = broker();
    AuthorizationRequest request = a.authorizationRequest(USER, APP, REDIRECT);
    URI callback = approve(request);
    TokenSet tokens = request.complete(callback);
    assertEquals(tokens.accessToken(), a.accessToken(USER));
    assertEquals(0, store.pendingConsents());
    assertEquals(
        ConsentException.Kind.UNKNOWN_STATE,
        assertThrows(ConsentException.class, () -> request.complete(callback)).kind());
    assertEquals(1, server.tokenRequestCount("authorization_code"));
  }

  @Test
  void aReplayedOrExpiredStateIsRefusedWithoutATokenRequest() throws Exception {
    TokenBroker a = broker();
    TokenBroker b = broker();
    URI callback = approve(a.authorizationRequest(USER, APP, REDIRECT));
    b.completeAuthorization(callback);

    ConsentException replayed =
        assertThrows(ConsentException.class, () -> a.completeAuthorization(callback));
    assertEquals(ConsentException.Kind.UNKNOWN_STATE, replayed.kind());
    assertEquals(1, server.tokenRequestCount("authorization_code"), "the code is exchanged once");

    URI late = approve(a.authorizationRequest(GrantKey.of("fake/customer-7"), APP, REDIRECT));
    clock.advance(Duration.ofMinutes(11)); // default lifetime: 10 minutes
    ConsentException expired =
        assertThrows(ConsentException.class, () -> b.completeAuthorization(late));
    assertEquals(ConsentException.Kind.UNKNOWN_STATE, expired.kind());
    assertEquals(1, server.tokenRequestCount("authorization_code"));
    assertFalse(store.load(GrantKey.of("fake/customer-7")).isPresent());

    ConsentException forged =
        assertThrows(
            ConsentException.class,
            () -> b.completeAuthorization(URI.create(REDIRECT + "?code=abc&state=forged")));
    assertEquals(ConsentException.Kind.UNKNOWN_STATE, forged.kind());
    ConsentException noState =
        assertThrows(
            ConsentException.class,
            () -> b.completeAuthorization(URI.create(REDIRECT + "?code=x")));
    assertEquals(ConsentException.Kind.STATE_MISMATCH, noState.kind());
  }

  @Test
  void expiredPendingConsentsArePurgedWhenConsentsStart() throws Exception {
    TokenBroker a = broker(builder().pendingConsentLifetime(Duration.ofMinutes(2)));
    a.authorizationRequest(GrantKey.of("fake/c-1"), APP, REDIRECT);
    a.authorizationRequest(GrantKey.of("fake/c-2"), APP, REDIRECT);
    assertEquals(2, store.pendingConsents());
    clock.advance(Duration.ofMinutes(3));
    a.authorizationRequest(GrantKey.of("fake/c-3"), APP, REDIRECT);
    assertEquals(1, store.pendingConsents(), "the two expired ones were purged");
  }

  @Test
  void expiredPendingConsentsArePurgedWhenAConsentCompletes() throws Exception {
    TokenBroker a = broker(builder().pendingConsentLifetime(Duration.ofMinutes(2)));
    a.authorizationRequest(GrantKey.of("fake/c-1"), APP, REDIRECT);
    a.authorizationRequest(GrantKey.of("fake/c-2"), APP, REDIRECT);
    clock.advance(Duration.ofSeconds(90));
    URI callback = approve(broker().authorizationRequest(USER, APP, REDIRECT)); // 10 minutes
    clock.advance(Duration.ofSeconds(60)); // c-1 and c-2 expired; a last purged 150 s ago
    assertEquals(3, store.pendingConsents(), "nothing purges in the background");
    assertEquals(USER, a.completeAuthorization(callback));
    assertEquals(0, store.pendingConsents(), "completed, and the two expired ones purged");
  }

  @Test
  void anErrorCallbackUsesUpThePendingConsent() throws Exception {
    TokenBroker a = broker();
    AuthorizationRequest request = a.authorizationRequest(USER, APP, REDIRECT);
    URI denied = URI.create(REDIRECT + "?error=access_denied&state=" + request.state());
    ConsentException e =
        assertThrows(ConsentException.class, () -> a.completeAuthorization(denied));
    assertEquals(ConsentException.Kind.ACCESS_DENIED, e.kind());
    assertEquals(0, store.pendingConsents());
    assertEquals(0, server.tokenRequestCount());
  }

  @Test
  void clientCredentialsAgainstATemplateAreCreatedOnFirstUseAndServedEverywhere() {
    TokenBroker a = broker();
    GrantKey tenant = GrantKey.of("fake/tenant-7");
    assertThrows(UnknownGrantException.class, () -> a.accessToken(tenant));
    AccessToken token = a.accessToken(tenant, SERVICE);
    assertEquals(1, server.tokenRequestCount("client_credentials"));
    assertEquals(token, a.accessToken(tenant));

    TokenBroker b = broker();
    assertEquals(token, b.accessToken(tenant), "the entry names its template");
    assertEquals(1, server.tokenRequestCount("client_credentials"));
    assertThrows(IllegalArgumentException.class, () -> b.accessToken(tenant, "no-such-template"));
    assertThrows(
        IllegalStateException.class, () -> b.authorizationRequest(tenant, SERVICE, REDIRECT));

    // A consent template cannot create a grant without a consent.
    UnknownGrantException noConsent =
        assertThrows(
            UnknownGrantException.class, () -> b.accessToken(GrantKey.of("fake/new"), APP));
    assertTrue(noConsent.getMessage().contains("consent"), noConsent.getMessage());
  }

  @Test
  void anEntryWithoutTemplateStillOpensAndIsServedWithAGivenTemplate() {
    TokenBroker a = builder().build();
    brokers.add(a);
    GrantKey old = GrantKey.of("fake/registered");
    a.register(
        old,
        ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)),
        GrantType.CLIENT_CREDENTIALS);
    AccessToken token = a.accessToken(old);

    TokenBroker b = broker();
    UnknownGrantException e = assertThrows(UnknownGrantException.class, () -> b.accessToken(old));
    assertTrue(e.getMessage().contains("without a template"), e.getMessage());
    assertEquals(token, b.accessToken(old, SERVICE));
    assertEquals(1, server.tokenRequestCount("client_credentials"));
  }

  @Test
  void anIdleGrantExpiresFromTheCacheByTheBrokersClock() {
    TokenBroker a = broker(builder().expireIdleGrantsAfter(Duration.ofMinutes(5)));
    GrantKey tenant = GrantKey.of("fake/tenant-idle");
    AccessToken token = a.accessToken(tenant, SERVICE);
    int loads = store.loads.get();
    clock.advance(Duration.ofMinutes(4));
    assertEquals(token, a.accessToken(tenant));
    clock.advance(Duration.ofMinutes(4)); // 4 minutes since the last use: still cached
    assertEquals(token, a.accessToken(tenant));
    assertEquals(loads, store.loads.get(), "used within 5 minutes: not read again");
    clock.advance(Duration.ofMinutes(5).plusMillis(1));
    assertEquals(token, a.accessToken(tenant));
    assertEquals(loads + 1, store.loads.get(), "idle for 5 minutes: read again, once");
    assertEquals(1, server.tokenRequestCount("client_credentials"));
  }

  @Test
  void evictionUnderLoadNeverLosesAHeldWriteNorStartsASecondRefresh() throws Exception {
    int grants = 48;
    TokenBroker a = broker(builder().maxCachedGrants(4));
    List<GrantKey> keys = new ArrayList<>();
    for (int i = 0; i < grants; i++) {
      keys.add(GrantKey.of("fake/tenant-" + i));
    }
    Map<GrantKey, AccessToken> first = hammer(a, keys, true);
    assertEquals(grants, server.tokenRequestCount("client_credentials"));
    assertEquals(grants, first.size());

    // The tokens expire and the store refuses writes: every renewal is held in memory.
    store.writesDown = true;
    clock.advance(Duration.ofHours(1).plusMinutes(1));
    Map<GrantKey, AccessToken> second = hammer(a, keys, false);
    assertEquals(
        2 * grants,
        server.tokenRequestCount("client_credentials"),
        "one renewal per grant, whatever the evictions");
    for (GrantKey key : keys) {
      assertNotEquals(first.get(key), second.get(key));
      assertTrue(a.hasPendingWrite(key), "held tokens of " + key + " kept through evictions");
    }
    assertTrue(a.keptAsideForTest() >= grants - 4, "busy grants beyond the cache are kept aside");

    store.writesDown = false;
    assertEquals(java.util.Set.of(), a.flush(Duration.ofSeconds(10)));
    Aead aead = aead();
    for (GrantKey key : keys) {
      assertEquals(
          second.get(key), StoredTokens.read(store, aead, key).orElseThrow().accessToken());
    }
    clock.advance(Duration.ofSeconds(2)); // past the touch interval: uses reach the cache again
    hammer(a, keys, false);
    assertEquals(2 * grants, server.tokenRequestCount("client_credentials"));
    assertEquals(0, a.keptAsideForTest(), "idle grants are let go");
  }

  /**
   * A busy grant beyond the cache's bound, deterministically: grant {@code fake/busy} expired while
   * three others are fresh, so every token request is the busy grant's.
   */
  private List<GrantKey> busyGrantAndFreshOthers(TokenBroker broker, GrantKey busy) {
    broker.accessToken(busy, SERVICE);
    clock.advance(Duration.ofMinutes(30));
    List<GrantKey> others = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      GrantKey other = GrantKey.of("fake/idle-" + i);
      broker.accessToken(other, SERVICE);
      others.add(other);
    }
    clock.advance(Duration.ofMinutes(31)); // the busy grant's token expired, the others' have not
    return others;
  }

  /**
   * Uses the idle grants in turn (a use of one not in memory inserts it into the cache of one,
   * which evicts) until the cache has evicted the busy grant, then {@code more} times more; checks
   * after each use that the busy grant is still the one in memory.
   */
  private static void evictTheBusyGrant(
      TokenBroker broker, GrantKey busy, List<GrantKey> idle, int more) {
    Object grant = broker.grantForTest(busy);
    // TinyLFU may refuse a newcomer a few times before it evicts the busy grant: bounded.
    int evicted = -1;
    for (int use = 0; evicted < 0 || use <= evicted + more; use++) {
      assertTrue(use < 1000, "the cache never evicted the busy grant");
      broker.accessToken(idle.get(use % idle.size()));
      assertSame(grant, inMemory(broker, busy), "the busy grant was dropped after " + use);
      if (evicted < 0 && broker.keptAsideForTest() > 0) {
        evicted = use;
      }
    }
  }

  private static @Nullable Object inMemory(TokenBroker broker, GrantKey key) {
    try {
      return broker.grantForTest(key);
    } catch (UnknownGrantException notInMemory) {
      return null;
    }
  }

  /**
   * Lets go of grants kept aside that are idle now: uses two idle grants, of which at most one is
   * in the cache of one, so at least one use goes through the cache's maintenance.
   */
  private static void touchTwoIdleGrants(TokenBroker broker, List<GrantKey> idle) {
    broker.accessToken(idle.get(0));
    broker.accessToken(idle.get(1));
  }

  /** A call of {@code accessToken(key)} on a thread of its own, whose stack says when it waits. */
  private record Caller(Thread thread, FutureTask<AccessToken> token) {
    static Caller start(TokenBroker broker, GrantKey key) {
      FutureTask<AccessToken> token = new FutureTask<>(() -> broker.accessToken(key));
      Thread thread = new Thread(token, "caller-" + key);
      thread.setDaemon(true);
      thread.start();
      return new Caller(thread, token);
    }

    AccessToken get() throws Exception {
      return token.get(10, TimeUnit.SECONDS);
    }

    /** Waits until this caller is parked in the broker, waiting for a refresh in flight. */
    void awaitWaitingForTheRefresh() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      // Its stack is the only signal a caller waiting on the flight gives: poll it.
      while (!waitingForTheRefresh()) {
        assertFalse(token.isDone(), "the caller returned without waiting for the refresh");
        assertTrue(System.nanoTime() < deadline, "the caller never waited for the refresh");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }

    private boolean waitingForTheRefresh() {
      if (thread.getState() != Thread.State.TIMED_WAITING) {
        return false;
      }
      for (StackTraceElement frame : thread.getStackTrace()) {
        if (frame.getClassName().equals(Grant.class.getName())
            && frame.getMethodName().equals("await")) {
          return true;
        }
      }
      return false;
    }
  }

  @Test
  void aGrantWhoseRefreshIsInFlightIsKeptAsideThroughEvictionsAndLetGoOnceIdle() throws Exception {
    TokenBroker a = broker(builder().maxCachedGrants(1));
    GrantKey busy = GrantKey.of("fake/busy");
    List<GrantKey> idle = busyGrantAndFreshOthers(a, busy);
    AccessToken expired = StoredTokens.read(store, aead(), busy).orElseThrow().accessToken();
    int requestsBefore = server.tokenRequestCount("client_credentials");

    // The busy grant's refresh is held at the server until the test releases it.
    HeldRequests held = HeldRequests.matching(request -> request.path().equals("/token"));
    server.setDispatcher(held);
    try {
      Caller first = Caller.start(a, busy);
      assertTrue(held.awaitArrived(1, Duration.ofSeconds(10)), "the refresh reached the server");

      evictTheBusyGrant(a, busy, idle, 20);
      assertEquals(1, a.keptAsideForTest(), "the busy grant is kept aside, not dropped");
      // A caller arriving now joins the refresh in flight instead of reading a copy of the grant.
      Caller late = Caller.start(a, busy);
      late.awaitWaitingForTheRefresh();
      assertEquals(1, a.keptAsideForTest());
      assertEquals(
          expired,
          StoredTokens.read(store, aead(), busy).orElseThrow().accessToken(),
          "still in flight");
      held.release();

      AccessToken renewed = first.get();
      assertEquals(renewed, late.get(), "both callers got the one new token");
      assertNotEquals(expired, renewed);
      assertEquals(server.lastAccessToken(), renewed.revealValue());
    } finally {
      held.release();
    }
    assertEquals(1, held.arrived(), "one token request for the busy grant");
    assertEquals(requestsBefore + 1, server.tokenRequestCount("client_credentials"));
    AccessToken renewed = StoredTokens.read(store, aead(), busy).orElseThrow().accessToken();
    assertEquals(server.lastAccessToken(), renewed.revealValue(), "the new token was written");

    // Idle now: the next cache maintenance lets it go; its next use reads it from the store.
    touchTwoIdleGrants(a, idle);
    assertEquals(0, a.keptAsideForTest(), "an idle grant is not kept aside");
    int loads = store.loads.get();
    assertEquals(renewed, a.accessToken(busy));
    assertEquals(loads + 1, store.loads.get(), "let go, so read again from the store");
    assertEquals(requestsBefore + 1, server.tokenRequestCount("client_credentials"));
  }

  @Test
  void aGrantHoldingUnwrittenTokensIsKeptAsideThroughEvictionsUntilTheStoreTakesThem()
      throws Exception {
    TokenBroker a = broker(builder().maxCachedGrants(1));
    GrantKey busy = GrantKey.of("fake/busy");
    List<GrantKey> idle = busyGrantAndFreshOthers(a, busy);
    AccessToken expired = StoredTokens.read(store, aead(), busy).orElseThrow().accessToken();
    int requestsBefore = server.tokenRequestCount("client_credentials");

    // The store refuses writes: the renewed tokens are held in memory.
    store.writesDown = true;
    AccessToken held = a.accessToken(busy);
    assertNotEquals(expired, held);
    assertTrue(a.hasPendingWrite(busy));

    evictTheBusyGrant(a, busy, idle, 20);
    assertEquals(1, a.keptAsideForTest(), "the grant holding tokens is kept aside, not dropped");
    assertTrue(a.hasPendingWrite(busy), "its tokens are still held");
    assertEquals(held, a.accessToken(busy), "and served; not the stored, expired ones");
    assertEquals(
        expired,
        StoredTokens.read(store, aead(), busy).orElseThrow().accessToken(),
        "not written yet");
    assertEquals(requestsBefore + 1, server.tokenRequestCount("client_credentials"));

    // The store recovers: the kept-aside grant's own retry writes the held tokens.
    store.writesDown = false;
    events.await("storeWriteRecovered", 1, Duration.ofSeconds(10));
    assertFalse(a.hasPendingWrite(busy));
    assertEquals(
        held,
        StoredTokens.read(store, aead(), busy).orElseThrow().accessToken(),
        "the held tokens were written, nothing lost");

    touchTwoIdleGrants(a, idle);
    assertEquals(0, a.keptAsideForTest(), "an idle grant is not kept aside");
    int loads = store.loads.get();
    assertEquals(held, a.accessToken(busy));
    assertEquals(loads + 1, store.loads.get(), "let go, so read again from the store");
    assertEquals(
        requestsBefore + 1, server.tokenRequestCount("client_credentials"), "no second refresh");
  }

  /**
   * Eight callers each use random grants 400 times (every grant at least once); returns the token
   * each grant served last, checking that all callers saw the same token per grant.
   */
  private Map<GrantKey, AccessToken> hammer(TokenBroker broker, List<GrantKey> keys, boolean create)
      throws Exception {
    Map<GrantKey, AccessToken> seen = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int c = 0; c < 8; c++) {
      int caller = c;
      futures.add(
          callers.submit(
              () -> {
                go.await();
                for (int i = 0; i < 400; i++) {
                  GrantKey key =
                      i < keys.size() && caller == 0
                          ? keys.get(i)
                          : keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
                  AccessToken token =
                      create ? broker.accessToken(key, SERVICE) : broker.accessToken(key);
                  AccessToken before = seen.putIfAbsent(key, token);
                  if (before != null && !before.equals(token)) {
                    throw new AssertionError("two tokens served for " + key);
                  }
                }
                return null;
              }));
    }
    go.countDown();
    for (Future<?> future : futures) {
      future.get();
    }
    return seen;
  }

  @Test
  void grantsPagesThroughTheStoreWithoutAReadPerGrant() {
    TokenBroker a = broker();
    for (int i = 0; i < 25; i++) {
      a.accessToken(GrantKey.of("fake/tenant-" + i), SERVICE);
    }
    int loads = store.loads.get();
    List<GrantStatus> all = a.grants();
    assertEquals(25, all.size());
    assertEquals(1, store.pages.get());
    assertEquals(loads, store.loads.get(), "no per-grant read");
    assertTrue(all.stream().allMatch(GrantStatus::stored));
    assertTrue(all.stream().allMatch(GrantStatus::registered), "through their template");
  }

  @Test
  void aTemplateNeedsWhatItsProviderAuthenticatesWith() {
    TokenBroker a = broker();
    assertThrows(
        ClientConfigurationException.class,
        () ->
            a.registerTemplate(
                "no-secret",
                ClientRegistration.publicClient(provider, CLIENT_ID),
                GrantType.CLIENT_CREDENTIALS));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            a.registerTemplate(
                " ",
                ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)),
                GrantType.CLIENT_CREDENTIALS));
  }
}
