package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.internal.Tink;
import io.tokenbroker.oauth.internal.TokenSealer;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The end of a template grant's life and its second consent (issue 17): {@code remove} and {@code
 * revoke} of a grant created by consent against a template, on the broker that holds it cached and
 * on one that never loaded it; and the same key consented again against another template (another
 * client), after which the grant is stored with, served and renewed by the new template, also by a
 * broker that held it cached under the first template (once it reads the new entry; its held tokens
 * are settled first). Against the fake authorization server on loopback (which refuses a refresh
 * token presented by another client), with a FakeClock.
 */
class TemplateGrantLifecycleTest {
  private static final String APP = "app";
  private static final String OTHER = "other-app";
  private static final String APP_CLIENT = "app-client";
  private static final String OTHER_CLIENT = "other-client";
  private static final String SECRET = "lifecycle-secret-0123456789";
  private static final GrantKey USER = GrantKey.of("fake/customer-42");
  private static final Duration LEASE_TTL = Duration.ofSeconds(30);
  private static final URI REDIRECT = URI.create("https://app.example/oauth/callback");

  private final FakeClock clock = FakeClock.create();
  private final KeysetHandle keyset = Keysets.generate();
  private final List<TokenBroker> brokers = new ArrayList<>();
  private FakeAuthorizationServer server;
  private PendingConsentStore store;
  private Provider provider;

  /** When set, brokers run on this virtual time, refreshing inline (no background retry). */
  private FakeScheduler time;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.builder().clock(clock).start();
    server.registerClient(APP_CLIENT, SECRET);
    server.registerClient(OTHER_CLIENT, SECRET);
    store = new PendingConsentStore(InMemoryTokenStore.create(clock));
    provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .revocationEndpoint(server.revocationEndpoint())
            .build();
  }

  @AfterEach
  void stop() {
    brokers.forEach(TokenBroker::close);
    server.close();
  }

  /** A broker over the shared store with the given templates: APP, OTHER or both. */
  private TokenBroker broker(String... templates) {
    TokenBroker.Builder builder = TokenBroker.builder();
    if (time != null) {
      builder.scheduler(time).executor(FakeScheduler.inlineExecutor()).leaseTtl(LEASE_TTL);
    }
    TokenBroker broker =
        builder
            .store(store)
            .keyset(keyset)
            .clock(clock)
            .retryPolicy(
                new RetryPolicy(
                    3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(60)))
            .build();
    brokers.add(broker);
    for (String template : templates) {
      String client = template.equals(APP) ? APP_CLIENT : OTHER_CLIENT;
      broker.registerTemplate(
          template,
          ClientRegistration.of(provider, client, ClientSecret.of(SECRET)),
          GrantType.AUTHORIZATION_CODE);
    }
    return broker;
  }

  /**
   * Starts a consent for {@code key} on {@code starting}, approves it, completes it on {@code
   * completing}.
   */
  private void consent(TokenBroker starting, TokenBroker completing, GrantKey key, String template)
      throws Exception {
    URI callback =
        FakeAuthorizationServer.approve(
            starting.authorizationRequest(key, template, REDIRECT).uri());
    assertEquals(key, completing.completeAuthorization(callback));
  }

  private StoredTokens stored(GrantKey key) throws Exception {
    return StoredTokens.read(store, keyset.getPrimitive(Tink.configuration(), Aead.class), key)
        .orElseThrow();
  }

  /** The template named in the stored entry of {@code key}. */
  private String storedTemplate(GrantKey key) {
    StoredGrant entry = store.load(key).orElseThrow();
    return GrantRecord.decode(key, new TokenSealer(keyset).open(key, entry.sealed())).template();
  }

  @Test
  void removingACachedTemplateGrantDeletesItAndNoBrokerServesItAfterwards() throws Exception {
    TokenBroker a = broker(APP);
    consent(a, a, USER, APP);
    AccessToken token = a.accessToken(USER);
    assertEquals(stored(USER).accessToken(), token);

    assertTrue(a.remove(USER));
    assertFalse(store.load(USER).isPresent(), "the entry is deleted");
    assertThrows(UnknownGrantException.class, () -> a.accessToken(USER), "not served from cache");
    assertThrows(UnknownGrantException.class, () -> a.status(USER));
    assertEquals(List.of(), a.grants());
    assertThrows(UnknownGrantException.class, () -> broker(APP).accessToken(USER));
    assertFalse(a.remove(USER), "nothing left to remove");
    assertEquals(0, server.tokenRequestCount("refresh_token"));
  }

  @Test
  void aBrokerThatNeverLoadedATemplateGrantRemovesIt() throws Exception {
    TokenBroker a = broker(APP);
    consent(a, a, USER, APP);
    TokenBroker b = broker(); // no template at all: removing needs none
    assertTrue(b.remove(USER));
    assertFalse(store.load(USER).isPresent());
    assertThrows(UnknownGrantException.class, () -> broker(APP).accessToken(USER));
  }

  @Test
  void revokingATemplateGrantLoadedFromTheStoreTellsTheProviderAndDeletesIt() throws Exception {
    TokenBroker a = broker(APP);
    consent(a, a, USER, APP);
    StoredTokens tokens = stored(USER);
    assertTrue(tokens.refreshTokenPresent());
    String access = tokens.accessToken().revealValue();
    assertTrue(server.isGrantAlive(access));

    TokenBroker b = broker(APP); // never loaded it: revoke loads it with its template
    assertTrue(b.revoke(USER), "the provider was told");
    assertFalse(server.isGrantAlive(access), "the consent is withdrawn at the provider");
    assertFalse(store.load(USER).isPresent());
    assertThrows(UnknownGrantException.class, () -> b.accessToken(USER));
    assertThrows(UnknownGrantException.class, () -> broker(APP).accessToken(USER));
    assertEquals(0, server.tokenRequestCount("refresh_token"));
  }

  @Test
  void revokingACachedTemplateGrantForgetsItOnThatBroker() throws Exception {
    TokenBroker a = broker(APP);
    consent(a, a, USER, APP);
    String access = a.accessToken(USER).revealValue();
    assertTrue(a.revoke(USER));
    assertFalse(server.isGrantAlive(access));
    assertFalse(store.load(USER).isPresent());
    assertThrows(UnknownGrantException.class, () -> a.accessToken(USER));
  }

  @Test
  void aConsentAgainstAnotherTemplateOnTheBrokerThatCachesTheGrantReplacesItsTemplate()
      throws Exception {
    consentAgainAgainstOther(true);
  }

  @Test
  void aConsentAgainstAnotherTemplateOnABrokerThatNeverLoadedTheGrantReplacesItsTemplate()
      throws Exception {
    consentAgainAgainstOther(false); // that broker reads only the old entry, which names APP
  }

  /**
   * Consents to USER against APP and serves it on a broker; then consents again against OTHER, on
   * that broker (which holds the grant cached, bound to APP) or on another one.
   */
  private void consentAgainAgainstOther(boolean onTheBrokerThatCachesIt) throws Exception {
    TokenBroker a = broker(APP, OTHER);
    consent(a, a, USER, APP);
    AccessToken first = a.accessToken(USER);
    TokenBroker completing = onTheBrokerThatCachesIt ? a : broker(APP, OTHER);
    consent(completing, completing, USER, OTHER);
    assertSecondConsentServedByOther(completing, first);
  }

  /**
   * After the second consent (against OTHER) completed on {@code completing}: the entry names
   * OTHER, holds the new tokens, is served by brokers that know OTHER and not by one that knows
   * only APP, and renews with OTHER's client.
   */
  private void assertSecondConsentServedByOther(TokenBroker completing, AccessToken first)
      throws Exception {
    assertEquals(2, server.tokenRequestCount("authorization_code"));
    assertEquals(OTHER, storedTemplate(USER));
    AccessToken second = stored(USER).accessToken();
    assertNotEquals(first, second);
    assertEquals(second, completing.accessToken(USER));
    assertEquals(second, broker(OTHER).accessToken(USER));
    UnknownGrantException e =
        assertThrows(UnknownGrantException.class, () -> broker(APP).accessToken(USER));
    assertTrue(e.getMessage().contains(OTHER), e.getMessage());

    clock.advance(Duration.ofHours(2)); // expired: renewed with OTHER's client
    AccessToken renewed = completing.accessToken(USER);
    assertNotEquals(second, renewed);
    assertEquals(1, server.tokenRequestCount("refresh_token"));
    assertEquals(0, server.invalidGrantCount(), "the refresh token went to its own client");
    assertEquals(OTHER_CLIENT, server.introspect(renewed.revealValue()).clientId());
    assertEquals(OTHER, storedTemplate(USER));
  }

  @Test
  void aBrokerHoldingTheGrantUnderTheFirstTemplateRenewsItWithTheSecond() throws Exception {
    TokenBroker a = broker(APP, OTHER);
    consent(a, a, USER, APP);
    a.accessToken(USER); // cached on a, bound to APP
    TokenBroker b = broker(APP, OTHER);
    consent(b, b, USER, OTHER);
    clock.advance(Duration.ofHours(2)); // both consents' access tokens expired
    AccessToken renewed = a.accessToken(USER);
    assertEquals(0, server.invalidGrantCount());
    assertEquals(OTHER_CLIENT, server.introspect(renewed.revealValue()).clientId());
    assertEquals(renewed, b.accessToken(USER));
  }

  @Test
  void aCachedGrantWhoseFreshTokenWasReconsentedElsewhereIsServedUntilItsRefreshThenSwitches()
      throws Exception {
    TokenBroker a = broker(APP, OTHER);
    consent(a, a, USER, APP);
    AccessToken first = a.accessToken(USER); // cached on a, bound to APP
    TokenBroker b = broker(APP, OTHER);
    consent(b, b, USER, OTHER);
    AccessToken second = stored(USER).accessToken();

    clock.advance(Duration.ofMinutes(10));
    assertEquals(first, a.accessToken(USER), "still fresh: served from memory, no store read");
    assertEquals(0, server.tokenRequestCount("refresh_token"));

    clock.advance(Duration.ofHours(2)); // both expired: the refresh reads the entry naming OTHER
    AccessToken renewed = a.accessToken(USER);
    assertNotEquals(second, renewed);
    assertEquals(1, server.tokenRequestCount("refresh_token"), "one request, by OTHER's client");
    assertEquals(0, server.invalidGrantCount());
    assertEquals(OTHER_CLIENT, server.introspect(renewed.revealValue()).clientId());
    assertEquals(OTHER, storedTemplate(USER));
    assertEquals(renewed, a.accessToken(USER));
    assertEquals(renewed, b.accessToken(USER));
  }

  @Test
  void aBrokerWithoutTheSecondTemplateRefusesTheReconsentedGrantAndLeavesItStored()
      throws Exception {
    TokenBroker a = broker(APP); // knows only APP
    consent(a, a, USER, APP);
    a.accessToken(USER); // cached on a, bound to APP
    TokenBroker b = broker(APP, OTHER);
    consent(b, b, USER, OTHER);
    StoredGrant before = store.load(USER).orElseThrow();

    clock.advance(Duration.ofHours(2));
    UnknownGrantException e = assertThrows(UnknownGrantException.class, () -> a.accessToken(USER));
    assertTrue(e.getMessage().contains(OTHER), e.getMessage());
    assertThrows(UnknownGrantException.class, () -> a.accessToken(USER), "and again");
    assertFalse(a.status(USER).registered(), "a no longer holds it under APP");
    assertEquals(0, server.tokenRequestCount("refresh_token"), "APP's client never used them");
    assertEquals(0, server.invalidGrantCount());
    StoredGrant after = store.load(USER).orElseThrow();
    assertEquals(before.version(), after.version(), "the stored grant is untouched");
    assertEquals(OTHER, storedTemplate(USER));

    AccessToken renewed = b.accessToken(USER); // still alive for a broker that knows OTHER
    assertEquals(OTHER_CLIENT, server.introspect(renewed.revealValue()).clientId());
  }

  @Test
  void heldTokensOfTheFirstTemplateAreSettledUnderItsRulesBeforeTheGrantSwitches()
      throws Exception {
    time = FakeScheduler.on(clock); // the held write's retry runs only when the test says so
    TokenBroker a = broker(APP, OTHER);
    consent(a, a, USER, APP);
    a.accessToken(USER); // cached on a, bound to APP
    clock.advance(Duration.ofHours(2));
    store.writesDown = true;
    AccessToken held = a.accessToken(USER); // renewed by APP's client, not written
    assertTrue(a.hasPendingWrite(USER));
    assertEquals(APP_CLIENT, server.introspect(held.revealValue()).clientId());
    store.writesDown = false;

    clock.advance(LEASE_TTL.plusSeconds(1)); // the lease a keeps for its held tokens ran out
    TokenBroker b = broker(APP, OTHER);
    consent(b, b, USER, OTHER); // replaces the entry the held tokens were to be written over
    assertEquals(held, a.accessToken(USER), "fresh held tokens: served from memory");
    assertTrue(a.hasPendingWrite(USER), "still held: nothing retried the write");

    clock.advance(Duration.ofHours(2));
    AccessToken renewed = a.accessToken(USER);
    assertFalse(a.hasPendingWrite(USER), "the held tokens were dropped: a new consent won");
    assertEquals(2, server.tokenRequestCount("refresh_token"), "one by APP, one by OTHER");
    assertEquals(0, server.invalidGrantCount());
    assertEquals(OTHER_CLIENT, server.introspect(renewed.revealValue()).clientId());
    assertEquals(OTHER, storedTemplate(USER));
    assertEquals(renewed, stored(USER).accessToken());
    assertEquals(renewed, b.accessToken(USER));
  }
}
