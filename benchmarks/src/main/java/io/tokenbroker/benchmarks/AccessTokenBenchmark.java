package io.tokenbroker.benchmarks;

import com.google.api.client.auth.oauth2.Credential;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path: hand out the access token of a grant whose token is fresh, as every API request
 * does. Four contenders in one class, so they always run in the same JVM build and the same run:
 *
 * <ul>
 *   <li>{@link #floor}: a bare {@code ConcurrentHashMap} lookup plus an expiry check, the least any
 *       cache can do;
 *   <li>{@link #tokenbroker}: {@code TokenBroker.accessToken(key).revealValue()} for a grant
 *       registered on its own ({@code register});
 *   <li>{@link #tokenbrokerTemplate}: the same for a grant created against a client template, which
 *       lives in the broker's bounded Caffeine cache (with expire-after-access on, the costlier
 *       setting);
 *   <li>{@link #googleCredential}: google-oauth-client's {@code Credential}: the freshness check
 *       its {@code intercept} does before each request ({@code getExpiresInSeconds() <= 60} means
 *       refresh) and {@code getAccessToken()}; both take the credential's lock;
 *   <li>{@link #springManager}: Spring Security's {@code
 *       AuthorizedClientServiceOAuth2AuthorizedClientManager.authorize(request)} over an {@code
 *       InMemoryOAuth2AuthorizedClientService}, for a client that is already authorized and
 *       unexpired (the {@code OAuth2AuthorizeRequest} is built once and reused, which favours
 *       Spring).
 * </ul>
 *
 * All return the token string. The initial tokens come from a {@link FakeAuthorizationServer} on
 * 127.0.0.1 (1-hour tokens), so nothing is refreshed during a run. Run with {@code -t 1} and {@code
 * -t 2}, and {@code -prof gc} for B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AccessTokenBenchmark {
  private static final GrantKey KEY = GrantKey.of("fake/service");
  private static final GrantKey TEMPLATE_KEY = GrantKey.of("fake/tenant-7");

  /** What the floor caches: a token and when it stops being usable. */
  private record Entry(String token, long usableUntilMillis) {}

  private final ConcurrentHashMap<GrantKey, Entry> floorCache = new ConcurrentHashMap<>();
  private FakeAuthorizationServer server;
  private TokenBroker broker;
  private Credential credential;
  private Contenders.Spring spring;

  @Setup(Level.Trial)
  public void setUp() {
    server = Contenders.server();
    broker =
        TokenBroker.builder()
            .maxCachedGrants(50_000)
            .expireIdleGrantsAfter(Duration.ofMinutes(30))
            .build();
    broker.register(KEY, Contenders.registration(server), GrantType.CLIENT_CREDENTIALS);
    broker.registerTemplate(
        "service", Contenders.registration(server), GrantType.CLIENT_CREDENTIALS);
    broker.accessToken(TEMPLATE_KEY, "service");
    String token = broker.accessToken(KEY).revealValue();
    floorCache.put(KEY, new Entry(token, System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1)));
    credential = Contenders.googleCredential(server);
    spring = Contenders.spring(server);
    spring.authorize();
    int calls = server.tokenRequestCount();
    // Sanity: every contender answers and none of them refreshes during the run.
    if (floor() == null
        || tokenbroker() == null
        || tokenbrokerTemplate() == null
        || googleCredential() == null
        || springManager() == null
        || server.tokenRequestCount() != calls) {
      throw new IllegalStateException("a contender did not answer from its cache");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    int calls = server.tokenRequestCount();
    broker.close();
    server.close();
    if (calls != 4) {
      throw new IllegalStateException(
          "expected one token request per library (two for tokenbroker), saw " + calls);
    }
  }

  @Benchmark
  public String floor() {
    Entry entry = floorCache.get(KEY);
    if (entry != null && System.currentTimeMillis() < entry.usableUntilMillis) {
      return entry.token;
    }
    throw new IllegalStateException("expired");
  }

  @Benchmark
  public String tokenbroker() {
    return broker.accessToken(KEY).revealValue();
  }

  @Benchmark
  public String tokenbrokerTemplate() {
    return broker.accessToken(TEMPLATE_KEY).revealValue();
  }

  @Benchmark
  public String googleCredential() {
    Long expiresIn = credential.getExpiresInSeconds();
    if (expiresIn != null && expiresIn <= 60) {
      try {
        credential.refreshToken();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return credential.getAccessToken();
  }

  @Benchmark
  public String springManager() {
    return spring.authorize().getAccessToken().getTokenValue();
  }
}
