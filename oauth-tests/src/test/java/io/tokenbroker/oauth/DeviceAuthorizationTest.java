package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device authorization grant (RFC 8628) through the broker, against the fake server, with a
 * sleeper that advances the fake clock: every wait is instant and counted.
 */
class DeviceAuthorizationTest {
  private static final String CLIENT_ID = "tv-app";
  private static final GrantKey KEY = GrantKey.of("tv/living-room");

  private final FakeClock clock = FakeClock.create();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private volatile Consumer<Integer> onSleep = n -> {};
  private FakeAuthorizationServer server;
  private TokenBroker broker;

  @BeforeEach
  void start() {
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .devicePollingInterval(Duration.ofSeconds(5))
            .deviceCodeLifetime(Duration.ofMinutes(10))
            .start();
    server.registerPublicClient(CLIENT_ID);
    broker =
        TokenBroker.builder()
            .clock(clock)
            .scheduler(
                new SleepHook(
                    clock,
                    d -> {
                      sleeps.add(d);
                      clock.advance(d);
                      onSleep.accept(sleeps.size());
                    }))
            .build();
    broker.register(
        KEY,
        ClientRegistration.builder(publicProvider(), CLIENT_ID)
            .scope("tv")
            .resource(URI.create("https://api.example.com/"))
            .audience("tv-api")
            .build(),
        GrantType.DEVICE_CODE);
  }

  private Provider publicProvider() {
    return Provider.discover(server.issuer()).toBuilder()
        .clientAuthentication(ClientAuthentication.CLIENT_ID_ONLY)
        .build();
  }

  @AfterEach
  void stop() {
    broker.close();
    server.close();
  }

  private List<RecordedRequest> deviceTokenRequests() {
    return server.requests().stream()
        .filter(r -> r.path().equals("/token"))
        .filter(
            r -> "urn:ietf:params:oauth:grant-type:device_code".equals(r.parameter("grant_type")))
        .toList();
  }

  @Test
  void theUserApprovesAndTheTokensAreStoredAndRefreshed() throws Exception {
    DeviceAuthorization device = broker.deviceAuthorization(KEY);

    assertEquals(server.deviceVerificationEndpoint(), device.verificationUri());
    URI complete = device.verificationUriComplete().orElseThrow();
    assertTrue(complete.toString().endsWith("user_code=" + device.userCode()), complete.toString());
    assertTrue(device.userCode().matches("[A-Z]{4}-[A-Z]{4}"), device.userCode());
    assertEquals(Duration.ofSeconds(5), device.interval());
    assertEquals(clock.instant().plus(Duration.ofMinutes(10)), device.expiresAt());
    assertTrue(IssuedSecrets.foundIn(device.toString()).isEmpty(), "no device code in toString");
    // The user approves on another device after two polls.
    onSleep =
        n -> {
          if (n == 3) {
            try {
              HttpResponse<String> page = Browser.get(complete);
              assertEquals(200, page.statusCode());
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          }
        };

    TokenSet tokens = device.await(Duration.ofMinutes(5));

    assertEquals(
        List.of(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)), sleeps);
    assertEquals(3, deviceTokenRequests().size());
    assertEquals(tokens.accessToken(), broker.accessToken(KEY));
    assertEquals(GrantType.DEVICE_CODE, broker.status(KEY).grantType());
    // Resource and audience on the device request and on every poll.
    RecordedRequest start =
        server.requests().stream()
            .filter(r -> r.path().equals("/device_authorization"))
            .findFirst()
            .orElseThrow();
    assertEquals(List.of("https://api.example.com/"), start.bodyParameterValues("resource"));
    assertEquals("tv-api", start.parameter("audience"));
    assertEquals(CLIENT_ID, start.parameter("client_id"));
    for (RecordedRequest poll : deviceTokenRequests()) {
      assertEquals(List.of("https://api.example.com/"), poll.bodyParameterValues("resource"));
      assertEquals("tv-api", poll.parameter("audience"));
    }
    // Renewed with the refresh token, like any consent.
    clock.advance(Duration.ofHours(2));
    TokenSet renewed = broker.tokens(KEY);
    assertEquals(server.lastAccessToken(), renewed.accessToken().revealValue());
    assertEquals(1, server.tokenRequestCount("refresh_token"));
  }

  @Test
  void slowDownAddsFiveSecondsToEveryLaterWait() {
    DeviceAuthorization device = broker.deviceAuthorization(KEY);
    server.enqueue(Fault.json(400, "{\"error\":\"slow_down\"}"));
    server.enqueue(Fault.json(400, "{\"error\":\"slow_down\"}"));
    onSleep =
        n -> {
          if (n == 4) {
            server.approveDevice(device.userCode());
          }
        };

    device.await(Duration.ofMinutes(5));

    assertEquals(
        List.of(
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(15),
            Duration.ofSeconds(15)),
        sleeps);
  }

  @Test
  void expiredTokenStopsPolling() {
    DeviceAuthorization device = broker.deviceAuthorization(KEY);
    server.enqueue(Fault.json(400, "{\"error\":\"expired_token\"}"));

    ConsentException e =
        assertThrows(ConsentException.class, () -> device.await(Duration.ofMinutes(5)));

    assertEquals(ConsentException.Kind.EXPIRED, e.kind());
    assertEquals(1, deviceTokenRequests().size());
    assertThrows(UnknownGrantException.class, () -> broker.accessToken(KEY));
  }

  @Test
  void theCodesExpiringLocallyStopsPollingToo() {
    server.close();
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .deviceCodeLifetime(Duration.ofSeconds(12))
            .start();
    server.registerPublicClient(CLIENT_ID);
    broker.register(
        KEY, ClientRegistration.publicClient(publicProvider(), CLIENT_ID), GrantType.DEVICE_CODE);
    DeviceAuthorization device = broker.deviceAuthorization(KEY);

    ConsentException e =
        assertThrows(ConsentException.class, () -> device.await(Duration.ofMinutes(5)));

    assertEquals(ConsentException.Kind.EXPIRED, e.kind());
    assertEquals(2, deviceTokenRequests().size(), "polled at 5 s and 10 s, then expired at 15 s");
  }

  @Test
  void accessDeniedIsTyped() {
    DeviceAuthorization device = broker.deviceAuthorization(KEY);
    onSleep = n -> server.denyDevice(device.userCode());

    ConsentException e =
        assertThrows(ConsentException.class, () -> device.await(Duration.ofMinutes(5)));

    assertEquals(ConsentException.Kind.ACCESS_DENIED, e.kind());
    assertEquals("access_denied", e.oauthError().orElseThrow());
  }

  @Test
  void theCallersTimeoutEndsTheWait() {
    DeviceAuthorization device = broker.deviceAuthorization(KEY);

    ConsentException e =
        assertThrows(ConsentException.class, () -> device.await(Duration.ofSeconds(12)));

    assertEquals(ConsentException.Kind.TIMEOUT, e.kind());
    assertEquals(2, deviceTokenRequests().size());
  }

  @Test
  void aGrantThatRenewsByItselfNeedsNoDevice() {
    GrantKey service = GrantKey.of("tv/service");
    server.registerClient("service", "service-secret-0123456789");
    broker.register(
        service,
        ClientRegistration.of(
            Provider.discover(server.issuer()),
            "service",
            ClientSecret.of("service-secret-0123456789")),
        GrantType.CLIENT_CREDENTIALS);

    assertThrows(IllegalStateException.class, () -> broker.deviceAuthorization(service));
  }

  @Test
  void aProviderWithoutDeviceEndpointSaysSo() {
    broker.register(
        KEY,
        ClientRegistration.publicClient(
            Provider.builder("plain")
                .tokenEndpoint(server.tokenEndpoint())
                .clientAuthentication(ClientAuthentication.CLIENT_ID_ONLY)
                .build(),
            CLIENT_ID),
        GrantType.DEVICE_CODE);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> broker.deviceAuthorization(KEY));
    assertTrue(e.getMessage().contains("device authorization endpoint"), e.getMessage());
  }
}
