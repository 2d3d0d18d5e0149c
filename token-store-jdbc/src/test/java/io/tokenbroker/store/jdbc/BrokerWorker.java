package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.RecordingBrokerListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A separate JVM process for {@link MultiProcessBrokerTest}: one {@link TokenBroker} over a shared
 * PostgreSQL table, with several threads calling {@link TokenBroker#accessToken} in a loop.
 *
 * <p>Protocol: prints {@code READY} once the broker has served its first token, waits for a line
 * {@code GO} on standard input, runs its callers for the given time, then writes the SHA-256 of
 * every distinct access token it handed out (never the token itself) to the tokens file, prints
 * {@code DONE} with its counters and exits 0, or 1 if any call failed. Failures are described on
 * standard error (class and message only; messages carry no secrets).
 *
 * <p>Arguments: JDBC URL, table, keyset file, grant key, token endpoint, authorization endpoint,
 * client id, caller threads, run time in ms, lease TTL in ms, lease wait in ms, tokens file. The
 * client secret comes from the environment variable {@value #SECRET_VARIABLE}.
 */
public final class BrokerWorker {
  static final String SECRET_VARIABLE = "TOKENBROKER_TEST_CLIENT_SECRET";

  private BrokerWorker() {}

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(args[0]);
    JdbcTokenStore store = JdbcTokenStore.builder(dataSource).table(args[1]).build();
    Path keysetFile = Path.of(args[2]);
    GrantKey key = GrantKey.of(args[3]);
    Provider provider =
        Provider.builder("fake")
            .tokenEndpoint(URI.create(args[4]))
            .authorizationEndpoint(URI.create(args[5]))
            .build();
    String secret = System.getenv(SECRET_VARIABLE);
    ClientRegistration registration =
        ClientRegistration.of(provider, args[6], ClientSecret.of(secret));
    int threads = Integer.parseInt(args[7]);
    long runMillis = Long.parseLong(args[8]);
    Duration leaseTtl = Duration.ofMillis(Long.parseLong(args[9]));
    Duration leaseWait = Duration.ofMillis(Long.parseLong(args[10]));
    Path tokensFile = Path.of(args[11]);

    RecordingBrokerListener events = new RecordingBrokerListener();
    TokenBroker broker =
        TokenBroker.builder()
            .store(store)
            .keyset(Keysets.fromFile(keysetFile))
            .listener(events)
            .requestTimeout(Duration.ofSeconds(30)) // a loaded test machine can be slow to answer
            .leaseTtl(leaseTtl)
            .leaseWait(leaseWait)
            .maxWait(Duration.ofSeconds(30))
            .build();
    broker.register(key, registration, GrantType.AUTHORIZATION_CODE);
    broker.accessToken(key);
    System.out.println("READY");
    System.out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    String command = in.readLine();
    if (!"GO".equals(command)) {
      System.err.println("expected GO, got " + command);
      System.exit(2);
    }

    Map<String, LongAdder> seen = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    LongAdder calls = new LongAdder();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(runMillis);
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread caller =
          new Thread(
              () -> {
                while (System.nanoTime() < deadline) {
                  try {
                    AccessToken token = broker.accessToken(key);
                    calls.increment();
                    seen.computeIfAbsent(token.revealValue(), t -> new LongAdder()).increment();
                  } catch (RuntimeException e) {
                    failures.incrementAndGet();
                    System.err.println(
                        "call failed: " + e.getClass().getName() + ": " + e.getMessage());
                  }
                  try {
                    Thread.sleep(ThreadLocalRandom.current().nextInt(2, 8)); // pace the load
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "caller-" + i);
      caller.start();
      callers.add(caller);
    }
    for (Thread caller : callers) {
      caller.join();
    }
    broker.close(); // lets a refresh in flight finish and persist
    for (String event : events.events()) {
      if (event.startsWith("refreshFailed ")) {
        System.err.println("refresh failed: " + event);
      }
    }

    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    List<String> lines = new ArrayList<>();
    seen.forEach(
        (token, count) ->
            lines.add(
                HexFormat.of().formatHex(sha256.digest(token.getBytes(UTF_8)))
                    + " "
                    + count.sum()));
    Files.write(tokensFile, lines);

    System.out.println(
        "DONE calls="
            + calls.sum()
            + " failures="
            + failures.get()
            + " refreshStarted="
            + events.count("refreshStarted")
            + " refreshSucceeded="
            + events.count("refreshSucceeded")
            + " refreshFailed="
            + events.count("refreshFailed")
            + " adopted="
            + events.count("tokensAdopted")
            + " conflicts="
            + events.count("storeConflict")
            + " writeFailed="
            + events.count("storeWriteFailed")
            + " reauthorization="
            + events.count("reauthorizationRequired")
            + " distinctTokens="
            + seen.size());
    System.out.flush();
    System.exit(failures.get() == 0 ? 0 : 1);
  }
}
