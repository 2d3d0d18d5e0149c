package io.tokenbroker.oauth;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RefreshRotation;
import java.time.Duration;

/**
 * What the broker tests against the fake server (TokenBrokerTest, RotationSafetyTest,
 * ManyGrantsTest) set up alike: a fake with strict rotation and one confidential client, the
 * provider that points at it, and a broker builder whose retries are milliseconds apart.
 */
final class BrokerFixture {
  private BrokerFixture() {}

  /** A fake server on {@code clock} that rotates refresh tokens strictly, with one client. */
  static FakeAuthorizationServer strictServer(FakeClock clock, String clientId, String secret) {
    FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .refreshRotation(RefreshRotation.STRICT)
            .start();
    server.registerClient(clientId, secret);
    return server;
  }

  /** Provider {@code fake}: the server's authorization, token and revocation endpoints. */
  static Provider provider(FakeAuthorizationServer server) {
    return Provider.builder("fake")
        .authorizationEndpoint(server.authorizationEndpoint())
        .tokenEndpoint(server.tokenEndpoint())
        .revocationEndpoint(server.revocationEndpoint())
        .build();
  }

  /**
   * A broker on {@code store}, {@code keyset} and {@code clock} reporting to {@code listener}, that
   * retries a failed token request three times and a failed store write after 20 ms, so the failure
   * paths run in milliseconds.
   */
  static TokenBroker.Builder brokerBuilder(
      TokenStore store, KeysetHandle keyset, FakeClock clock, BrokerListener listener) {
    return TokenBroker.builder()
        .store(store)
        .keyset(keyset)
        .clock(clock)
        .listener(listener)
        .retryPolicy(
            new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(60)))
        .writeRetryMin(Duration.ofMillis(20));
  }
}
