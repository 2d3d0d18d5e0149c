package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The body of a child process in the store modules' fault tests: it refreshes one grant in a loop,
 * as {@code tokenbroker refresh} run in a shell loop would, while the test breaks the store under
 * it. Each round opens a broker over the shared store, loads the grant, forces a refresh, waits
 * (bounded, as the CLI does) until its new tokens are stored, and closes the broker.
 *
 * <p>Protocol over standard input and output: prints {@code READY}, waits for {@code GO}, loops for
 * the given time, then prints {@code DONE refreshed=N failed=N dead=N abandoned=N writeFailures=N}:
 * refreshes that returned, rounds that failed for a reason that may pass (the store unavailable or
 * refusing writes, a lease held elsewhere), rounds that found the grant dead, rounds that ended
 * with new tokens the store had not taken (the CLI's non-zero exit), and the writes of new tokens
 * that failed and were retried (the fault the test injects, seen). Each failure is described on
 * standard error as one line starting with {@code failed:}, {@code dead:} or {@code exiting}.
 *
 * <p>The test's side: {@link #consent} before the children start, {@link #total} of their {@code
 * DONE} lines, and {@link #assertGrantSurvived} at the end.
 */
public final class RefreshLoop {
  /** How long a round waits for its new tokens to be stored: the CLI's default write wait. */
  public static final Duration WRITE_WAIT = Duration.ofSeconds(30);

  private RefreshLoop() {}

  /** What the loop counted; {@link #toString()} is the {@code DONE} line. */
  public record Result(int refreshed, int failed, int dead, int abandoned, int writeFailures) {
    /** Parses a {@code DONE} line. */
    public static Result parse(String line) {
      if (!line.startsWith("DONE ")) {
        throw new IllegalArgumentException("not a DONE line: " + line);
      }
      return new Result(
          count(line, "refreshed"),
          count(line, "failed"),
          count(line, "dead"),
          count(line, "abandoned"),
          count(line, "writeFailures"));
    }

    private static int count(String line, String name) {
      return Integer.parseInt(line.replaceAll(".*\\b" + name + "=(\\d+).*", "$1"));
    }

    @Override
    public String toString() {
      return "DONE refreshed="
          + refreshed
          + " failed="
          + failed
          + " dead="
          + dead
          + " abandoned="
          + abandoned
          + " writeFailures="
          + writeFailures;
    }
  }

  /**
   * Runs the protocol: {@code READY}, waits for {@code GO} on standard input, refreshes {@code key}
   * through {@code store} for {@code run}, prints the {@code DONE} line.
   *
   * @throws IOException if standard input fails, or says something other than {@code GO}
   */
  public static Result serve(
      TokenStore store,
      KeysetHandle keyset,
      GrantKey key,
      ClientRegistration registration,
      Duration leaseWait,
      Duration run)
      throws IOException, InterruptedException {
    System.out.println("READY");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String go = in.readLine();
    if (!"GO".equals(go)) {
      throw new IOException("expected GO, read " + go);
    }
    Result result = loop(store, keyset, key, registration, leaseWait, run);
    System.out.println(result);
    System.out.flush();
    return result;
  }

  /**
   * As {@link #serve(TokenStore, KeysetHandle, GrantKey, ClientRegistration, Duration, Duration)},
   * for a grant of client {@code clientId} at the token endpoint of a {@link
   * FakeAuthorizationServer} (the lease wait is 5 s).
   */
  public static Result serve(
      TokenStore store,
      KeysetHandle keyset,
      GrantKey key,
      URI tokenEndpoint,
      String clientId,
      String clientSecret,
      Duration run)
      throws IOException, InterruptedException {
    Provider provider = Provider.builder("fake").tokenEndpoint(tokenEndpoint).build();
    ClientRegistration registration =
        ClientRegistration.of(provider, clientId, ClientSecret.of(clientSecret));
    return serve(store, keyset, key, registration, Duration.ofSeconds(5), run);
  }

  /**
   * In the test: registers the client at {@code server}, registers {@code key} at {@code broker}
   * (an authorization-code grant) and completes its consent, as a user approving at once would.
   *
   * @return the registration, for the brokers that check the outcome
   */
  public static ClientRegistration consent(
      FakeAuthorizationServer server,
      TokenBroker broker,
      GrantKey key,
      String clientId,
      String clientSecret)
      throws IOException, InterruptedException {
    server.registerClient(clientId, clientSecret);
    Provider provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    ClientRegistration registration =
        ClientRegistration.of(provider, clientId, ClientSecret.of(clientSecret));
    broker.register(key, registration, GrantType.AUTHORIZATION_CODE);
    AuthorizationRequest request =
        broker.authorizationRequest(key, URI.create("https://app.example/cb"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));
    return registration;
  }

  /**
   * In the test: adds up the children's {@code DONE} lines, printing each with the failures its
   * error output reports, and fails if a child found the grant dead or ended with new tokens the
   * store had not taken.
   */
  public static Result total(List<String> doneLines, List<String> errorOutputs) {
    Result total = new Result(0, 0, 0, 0, 0);
    for (int i = 0; i < doneLines.size(); i++) {
      String errors = errorOutputs.get(i);
      System.out.println("child " + i + ": " + doneLines.get(i));
      errors
          .lines()
          .filter(line -> line.matches("(failed|dead|exiting).*"))
          .collect(Collectors.groupingBy(line -> line, TreeMap::new, Collectors.counting()))
          .forEach((line, n) -> System.out.println("  " + n + " x " + line));
      Result one = Result.parse(doneLines.get(i));
      assertEquals(0, one.dead(), "child " + i + " found the grant dead: " + errors);
      assertEquals(0, one.abandoned(), "child " + i + " ended with unwritten tokens: " + errors);
      total =
          new Result(
              total.refreshed() + one.refreshed(),
              total.failed() + one.failed(),
              0,
              0,
              total.writeFailures() + one.writeFailures());
    }
    return total;
  }

  /**
   * In the test, after the loops: no refresh token was presented twice, the grant is alive, at
   * least {@code minRotations} refreshes rotated it, and {@code fresh} (a new broker over the
   * store) holds the newest refresh token and refreshes with it.
   *
   * @return the rotations (a refresh that found newer tokens in the store returned them without a
   *     token request, so they are counted at the server)
   */
  public static int assertGrantSurvived(
      FakeAuthorizationServer server,
      TokenBroker fresh,
      GrantKey key,
      ClientRegistration registration,
      int minRotations,
      Result total) {
    assertEquals(0, server.invalidGrantCount(), "a refresh token was presented twice");
    assertTrue(
        server.isGrantAlive(requireNonNull(server.lastRefreshToken(), "no refresh token issued")),
        "the grant was revoked");
    int rotations = server.tokenRequestCount("refresh_token");
    assertTrue(
        rotations >= minRotations,
        "only " + rotations + " refreshes succeeded (" + total.refreshed() + " returned)");
    fresh.register(key, registration, GrantType.AUTHORIZATION_CODE);
    assertEquals(
        server.lastRefreshToken(),
        requireNonNull(fresh.tokens(key).refreshToken(), "no refresh token").revealValue());
    assertNotNull(fresh.forceRefresh(key));
    assertEquals(0, server.invalidGrantCount());
    return rotations;
  }

  /** The loop alone: rounds of refresh, bounded write wait and close, for {@code run}. */
  public static Result loop(
      TokenStore store,
      KeysetHandle keyset,
      GrantKey key,
      ClientRegistration registration,
      Duration leaseWait,
      Duration run)
      throws InterruptedException {
    requireNonNull(store, "store == null");
    int refreshed = 0;
    int failed = 0;
    int dead = 0;
    int abandoned = 0;
    AtomicInteger writeFailures = new AtomicInteger();
    BrokerListener listener =
        new BrokerListener() {
          @Override
          public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
            writeFailures.incrementAndGet();
          }
        };
    long deadline = System.nanoTime() + run.toNanos();
    while (System.nanoTime() < deadline) {
      TokenBroker broker =
          TokenBroker.builder()
              .store(store)
              .keyset(keyset)
              .leaseWait(leaseWait)
              .listener(listener)
              .build();
      try {
        broker.register(key, registration, GrantType.AUTHORIZATION_CODE);
        broker.accessToken(key); // load what the store holds, as the CLI's refresh does
        broker.forceRefresh(key);
        refreshed++;
      } catch (InvalidGrantException e) {
        dead++;
        System.err.println("dead: " + e.getMessage());
      } catch (TokenBrokerException e) {
        failed++;
        System.err.println("failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      Set<GrantKey> unwritten = broker.flush(WRITE_WAIT);
      if (!unwritten.isEmpty()) {
        abandoned++;
        System.err.println("exiting with unwritten tokens of " + unwritten);
      }
      broker.close();
      Thread.sleep(ThreadLocalRandom.current().nextInt(20, 120));
    }
    return new Result(refreshed, failed, dead, abandoned, writeFailures.get());
  }
}
