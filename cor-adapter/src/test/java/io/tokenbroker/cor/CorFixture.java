package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.RetryPolicy;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordingSleeper;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.cor.CorSeed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A sandbox, a broker and a {@link Cor} pointed at the sandbox, sharing one FakeClock. */
final class CorFixture implements AutoCloseable {
  static final String API_KEY = "cor-api-key-123";

  /** Holds characters that form-encoding would change, to prove raw Basic. */
  static final String SECRET = "Zx9+q/Wm=secret%42";

  static final String EMAIL = "lucia.fernandez@company.com";
  static final String PASSWORD = "correct horse battery";
  static final String APP = "My COR App";
  static final GrantKey SERVICE = GrantKey.of("cor/service");
  static final GrantKey USER = GrantKey.of("cor/user");

  final FakeClock clock = FakeClock.create();
  final RecordingSleeper sleeper = RecordingSleeper.advancing(clock);
  final CorSandbox sandbox;
  final TokenBroker broker;
  final Cor cor;
  private final List<String> texts = new ArrayList<>();

  CorFixture() {
    this(CorSandbox.builder());
  }

  CorFixture(CorSandbox.Builder sandboxBuilder) {
    this(sandboxBuilder, Cor.builder());
  }

  CorFixture(CorSandbox.Builder sandboxBuilder, Cor.Builder corBuilder) {
    sandbox = sandboxBuilder.clock(clock).start();
    sandbox.registerApiKey(API_KEY, SECRET).registerUser(EMAIL, PASSWORD).registerApp(APP);
    broker =
        TokenBroker.builder()
            .clock(clock)
            .retryPolicy(
                new RetryPolicy(
                    2, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(1)))
            .build();
    cor =
        corBuilder
            .apiBaseUri(sandbox.apiBaseUri())
            .consentBaseUri(sandbox.consentBaseUri())
            .clock(clock)
            .build();
  }

  static CorFixture withSeed(CorSeed seed) {
    return new CorFixture(CorSandbox.builder().seed(seed));
  }

  /** Registers {@link #SERVICE} as a client-credentials grant. */
  CorFixture service() {
    broker.register(
        SERVICE,
        cor.clientCredentials(API_KEY, ClientSecret.of(SECRET)),
        GrantType.CLIENT_CREDENTIALS);
    return this;
  }

  CorClient client(GrantKey key) {
    return CorClient.builder(broker, key)
        .apiBaseUri(sandbox.apiBaseUri())
        .clock(clock)
        .sleeper(sleeper)
        .maxRetryAfter(Duration.ofSeconds(60))
        .build();
  }

  /** Remembers text (an exception message, say) to check for secrets on close. */
  <T extends Throwable> T remember(T t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      texts.add(String.valueOf(c.getMessage()));
      texts.add(c.toString());
    }
    return t;
  }

  void assertNoSecretsIn(String text) {
    assertFalse(text.contains(SECRET), "client secret in: " + text);
    assertFalse(text.contains(PASSWORD), "password in: " + text);
    for (String token : sandbox.issuedAccessTokens()) {
      assertFalse(text.contains(token), "access token in: " + text);
    }
    for (String token : sandbox.issuedRefreshTokens()) {
      assertFalse(text.contains(token), "refresh token in: " + text);
    }
    for (String code : sandbox.issuedAuthorizationCodes()) {
      assertFalse(text.contains(code), "authorization code in: " + text);
    }
  }

  @Override
  public void close() {
    try {
      texts.forEach(this::assertNoSecretsIn);
      assertNoSecretsIn(broker.toString() + cor + sandbox);
    } finally {
      broker.close();
      sandbox.close();
    }
  }
}
