package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The body of a child process in the store modules' fault tests: it refreshes one grant in a loop,
 * as {@code tokenbroker refresh} run in a shell loop would, while the test breaks the store under
 * it. Each round opens a broker over the shared store, loads the grant, forces a refresh, waits
 * (bounded, as the CLI does) until its new tokens are stored, and closes the broker.
 *
 * <p>Protocol over standard input and output: prints {@code READY}, waits for {@code GO}, loops
 * for the given time, then prints {@code DONE refreshed=N failed=N dead=N abandoned=N
 * writeFailures=N}: refreshes that returned, rounds that failed for a reason that may pass (the
 * store unavailable or refusing writes, a lease held elsewhere), rounds that found the grant dead,
 * rounds that ended with new tokens the store had not taken (the CLI's non-zero exit), and the
 * writes of new tokens that failed and were retried (the fault the test injects, seen). Each failure is described on standard
 * error as one line starting with {@code failed:}, {@code dead:} or {@code exiting}.
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
