package io.tokenbroker.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.api.client.auth.oauth2.Credential;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenClient;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * The refresh storm: N callers (threads) ask for the token of a grant whose access token has just
 * expired, all at once. Measured per round: how many requests reached the token endpoint, and the
 * time from releasing the callers until every one of them holds a token. Each library is set up
 * against its own {@link FakeAuthorizationServer} on 127.0.0.1 and expired the way its own state
 * allows:
 *
 * <ul>
 *   <li>{@code tokenbroker}: a client-credentials grant whose stored tokens are replaced (through
 *       {@code saveTokens}) by the same tokens with an expiry in the past; callers call {@code
 *       accessToken(key)};
 *   <li>{@code googleCredential}: {@code Credential.setExpirationTimeMilliseconds(past)}; callers
 *       call {@code Credential.intercept(request)}, what the library does before every request (it
 *       refreshes with the refresh token the fake server issued);
 *   <li>{@code springManager}: the in-memory service holds an authorized client whose access token
 *       expired; callers call {@code
 *       AuthorizedClientServiceOAuth2AuthorizedClientManager.authorize}.
 * </ul>
 *
 * <p>Not a JMH benchmark because each round is a single event. Usage: {@code java -cp
 * benchmarks.jar io.tokenbroker.benchmarks.RefreshStorm [rounds] [callers,...] [out.json]}
 * (defaults: 5 rounds, callers 1,100,1000, no file). The first round of each case is a warm-up and
 * is not reported.
 */
public final class RefreshStorm {
  private static final GrantKey KEY = GrantKey.of("fake/service");

  private RefreshStorm() {}

  /** One contender: expire its token, and be a caller. */
  private interface Contender extends AutoCloseable {
    void expire() throws Exception;

    /** What one caller does; returns the token it got. */
    String call() throws Exception;

    @Override
    void close();
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int[] callers =
        args.length > 1
            ? Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 100, 1000};
    List<Map<String, Object>> results = new ArrayList<>();
    for (String library : List.of("tokenbroker", "googleCredential", "springManager")) {
      for (int n : callers) {
        Map<String, Object> result = run(library, n, rounds);
        results.add(result);
        System.out.printf(
            "%-17s callers=%5d  token requests per expiry: %s  ms until all hold a token: median"
                + " %.1f, max %.1f%n",
            library,
            n,
            result.get("tokenRequestsPerExpiry"),
            (Double) result.get("allHoldMillisMedian"),
            (Double) result.get("allHoldMillisMax"));
      }
    }
    if (args.length > 2) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("rounds", rounds);
      out.put("results", results);
      Files.createDirectories(Path.of(args[2]).toAbsolutePath().getParent());
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(Path.of(args[2]).toFile(), out);
    }
  }

  private static Map<String, Object> run(String library, int callers, int rounds) throws Exception {
    try (FakeAuthorizationServer server = Contenders.server();
        Contender contender = contender(library, server)) {
      List<Integer> calls = new ArrayList<>();
      List<Double> millis = new ArrayList<>();
      for (int round = 0; round <= rounds; round++) {
        contender.expire();
        int before = server.tokenRequestCount();
        double elapsed = storm(contender, callers);
        int made = server.tokenRequestCount() - before;
        if (round > 0) {
          calls.add(made);
          millis.add(elapsed);
        }
      }
      double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("library", library);
      result.put("callers", callers);
      result.put("tokenRequestsPerExpiry", calls);
      result.put(
          "tokenRequestsPerExpiryMax", calls.stream().mapToInt(Integer::intValue).max().orElse(0));
      result.put("allHoldMillis", millis);
      result.put("allHoldMillisMedian", sorted[sorted.length / 2]);
      result.put("allHoldMillisMax", sorted[sorted.length - 1]);
      return result;
    }
  }

  /** Releases {@code n} waiting callers at once; returns ms until the last one holds a token. */
  private static double storm(Contender contender, int n) throws Exception {
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(n);
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Callable<String> caller = contender::call;
      Thread thread =
          new Thread(
              () -> {
                ready.countDown();
                try {
                  go.await();
                  if (caller.call() == null) {
                    throw new IllegalStateException("no token");
                  }
                } catch (Throwable t) {
                  failures.incrementAndGet();
                  firstFailure.compareAndSet(null, t);
                } finally {
                  done.countDown();
                }
              });
      thread.start();
      threads.add(thread);
    }
    ready.await();
    long start = System.nanoTime();
    go.countDown();
    if (!done.await(2, TimeUnit.MINUTES)) {
      throw new IllegalStateException("callers did not finish within 2 minutes");
    }
    long end = System.nanoTime();
    for (Thread thread : threads) {
      thread.join();
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " callers failed", firstFailure.get());
    }
    return (end - start) / 1e6;
  }

  private static Contender contender(String library, FakeAuthorizationServer server)
      throws Exception {
    switch (library) {
      case "tokenbroker":
        return tokenbroker(server);
      case "googleCredential":
        return google(server);
      case "springManager":
        return spring(server);
      default:
        throw new IllegalArgumentException(library);
    }
  }

  private static Contender tokenbroker(FakeAuthorizationServer server) {
    TokenBroker broker = TokenBroker.builder().build();
    broker.register(KEY, Contenders.registration(server), GrantType.CLIENT_CREDENTIALS);
    broker.saveTokens(KEY, TokenClient.create(Contenders.registration(server)).clientCredentials());
    return new Contender() {
      @Override
      public void expire() {
        TokenSet current = broker.tokens(KEY);
        Instant now = Instant.now();
        broker.saveTokens(
            KEY,
            new TokenSet(
                current.accessToken(),
                current.tokenType(),
                now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofMinutes(1)),
                current.refreshToken(),
                null,
                current.scopes()));
      }

      @Override
      public String call() {
        return broker.accessToken(KEY).revealValue();
      }

      @Override
      public void close() {
        broker.close();
      }
    };
  }

  private static Contender google(FakeAuthorizationServer server) {
    Credential credential = Contenders.googleCredential(server);
    GenericUrl api = new GenericUrl(server.baseUri().resolve("api").toString());
    return new Contender() {
      @Override
      public void expire() {
        credential.setExpirationTimeMilliseconds(System.currentTimeMillis() - 60_000);
      }

      @Override
      public String call() throws IOException {
        HttpRequest request =
            Contenders.GOOGLE_TRANSPORT.createRequestFactory().buildGetRequest(api);
        credential.intercept(request);
        return request.getHeaders().getAuthorization();
      }

      @Override
      public void close() {}
    };
  }

  private static Contender spring(FakeAuthorizationServer server) {
    Contenders.Spring spring = Contenders.spring(server);
    spring.authorize();
    var principal = UsernamePasswordAuthenticationToken.unauthenticated(Contenders.PRINCIPAL, null);
    return new Contender() {
      @Override
      public void expire() {
        OAuth2AuthorizedClient current = spring.authorize();
        Instant now = Instant.now();
        OAuth2AccessToken expired =
            new OAuth2AccessToken(
                OAuth2AccessToken.TokenType.BEARER,
                current.getAccessToken().getTokenValue(),
                now.minus(Duration.ofHours(2)),
                now.minus(Duration.ofMinutes(1)));
        spring
            .service()
            .saveAuthorizedClient(
                new OAuth2AuthorizedClient(
                    spring.registration(),
                    Contenders.PRINCIPAL,
                    expired,
                    current.getRefreshToken()),
                principal);
      }

      @Override
      public String call() {
        return spring.authorize().getAccessToken().getTokenValue();
      }

      @Override
      public void close() {}
    };
  }
}
