package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four brokers in four JVM processes share one PostgreSQL table and one strict-rotation grant on
 * the fake authorization server (DESIGN.md §4): every refresh token is used exactly once, so the
 * grant survives; and a process killed with SIGKILL while it holds the refresh lease only delays
 * the others by the lease TTL.
 *
 * <p>Real time is unavoidable across processes, so access tokens live {@link #LIFETIME}. The
 * brokers refresh ahead of expiry by at most half a lifetime (the default five minutes is capped
 * there), so a token is never refreshed sooner than half a lifetime after it was received: two
 * consecutive tokens are issued at least {@code LIFETIME / 2} apart, which bounds the number of
 * refreshes by one per half lifetime of run time.
 */
class MultiProcessBrokerTest {
  private static final Duration LIFETIME = Duration.ofSeconds(2);
  private static final int CHILDREN = 4;
  private static final int THREADS = 3;
  private static final String CLIENT_ID = "multi-process-client";
  private static final String SECRET = "multi-process-secret-7d1f0c";
  private static final GrantKey KEY = GrantKey.of("fake/shared-user");

  @TempDir Path directory;
  private final String table = "broker_mp_" + System.nanoTime();
  private final List<Child> children = new ArrayList<>();
  private FakeAuthorizationServer server;
  private Path keysetFile;

  /** One worker process. */
  private record Child(int index, ChildJvm jvm) {
    Path tokens(Path directory) {
      return directory.resolve(index + ".tokens");
    }
  }

  @BeforeEach
  void start() {
    server =
        FakeAuthorizationServer.builder()
            .accessTokenLifetime(LIFETIME)
            .refreshRotation(RefreshRotation.STRICT)
            .start();
    server.registerClient(CLIENT_ID, SECRET);
    keysetFile = directory.resolve("keyset.json");
  }

  @AfterEach
  void stop() {
    children.forEach(c -> c.jvm().close());
    server.close();
  }

  @Test
  void fourProcessesRefreshAStrictRotationGrantOncePerExpiry() throws Exception {
    long runMillis = 10_000;
    consent();
    launchAll(10_000, 10_000, runMillis);
    long started = System.nanoTime();
    int beforeGo = refreshRequests().size(); // the children's first calls may have refreshed
    go(children);
    List<Map<String, Long>> done = new ArrayList<>();
    for (Child child : children) {
      done.add(finish(child, runMillis));
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()), "grant alive");
    List<RecordedRequest> refreshes = refreshRequests();
    assertRefreshTokensUsedOnceInOrder(refreshes);
    int refreshCount = refreshes.size();
    long succeeded = done.stream().mapToLong(d -> d.get("refreshSucceeded")).sum();
    assertEquals(refreshCount, succeeded, "every refresh at the server is one child's success");
    for (Map<String, Long> d : done) {
      assertEquals(0, d.get("refreshFailed"), d.toString());
      assertEquals(0, d.get("conflicts"), "compare-and-set never lost: " + d);
      assertEquals(0, d.get("writeFailed"), d.toString());
      assertEquals(0, d.get("reauthorization"), d.toString());
      assertTrue(d.get("calls") > 100, d.toString());
    }
    assertTokenGapsAtLeastHalfALifetime();
    // Upper bound from the gaps; lower bound: the callers kept getting valid tokens and each lives
    // one LIFETIME (halved again for a loaded machine).
    int whileRunning = refreshCount - beforeGo;
    long upper = elapsed.toMillis() / (LIFETIME.toMillis() / 2) + 1;
    long lower = runMillis / LIFETIME.toMillis() / 2;
    assertTrue(
        whileRunning >= lower && whileRunning <= upper,
        whileRunning
            + " refreshes in "
            + elapsed.toMillis()
            + " ms, expected "
            + lower
            + ".."
            + upper);
    assertChildrenSawOnlyIssuedTokens(children);
    assertNull(leaseOwner(), "every lease released");
    assertTheStoredGrantWorks();
    System.out.printf(
        "fourProcesses: %d refreshes (%d while running %d ms, bound %d..%d), children %s%n",
        refreshCount, whileRunning, elapsed.toMillis(), lower, upper, done);
  }

  @Test
  void aProcessKilledWhileItHoldsTheLeaseOnlyDelaysTheOthers() throws Exception {
    long runMillis = 12_000;
    int holdAt = 3; // let a few refreshes happen first
    AtomicInteger refreshesSeen = new AtomicInteger();
    AtomicReference<RecordedRequest> held = new AtomicReference<>();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // Holds one refresh request and answers it with a canned 503 once its sender is dead: a
    // canned answer is not processed, so the refresh token it carries is not burned.
    server.setDispatcher(
        request -> {
          if (isRefresh(request) && refreshesSeen.incrementAndGet() == holdAt) {
            held.set(request);
            holding.countDown();
            try {
              release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return Fault.status(503);
          }
          return null;
        });
    consent();
    launchAll(3_000, 10_000, runMillis);
    go(children);

    assertTrue(holding.await(30, TimeUnit.SECONDS), "no refresh request to hold");
    String owner = leaseOwner();
    assertNotNull(owner, "the sender of the held refresh holds the lease");
    Child victim =
        children.stream()
            .filter(c -> owner.startsWith("pid-" + c.jvm().pid() + ":"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("lease owner is no child: " + owner));
    victim.jvm().kill(); // SIGKILL: no close, no lease release
    assertEquals(137, victim.jvm().waitFor(Duration.ofSeconds(10)), "killed by SIGKILL");
    release.countDown();

    List<Child> survivors = new ArrayList<>(children);
    survivors.remove(victim);
    List<Map<String, Long>> done = new ArrayList<>();
    for (Child child : survivors) {
      done.add(finish(child, runMillis));
    }

    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()), "grant alive");
    List<RecordedRequest> refreshes = refreshRequests();
    int heldIndex = refreshes.indexOf(held.get());
    assertTrue(heldIndex >= 0 && heldIndex < refreshes.size() - 1, "refreshes after the kill");
    RecordedRequest takeover = refreshes.get(heldIndex + 1);
    assertTrue(
        held.get().parameter("refresh_token").equals(takeover.parameter("refresh_token")),
        "a survivor refreshed with the refresh token the killed process had sent");
    List<RecordedRequest> answered = new ArrayList<>(refreshes);
    answered.remove(heldIndex);
    assertRefreshTokensUsedOnceInOrder(answered);
    int afterKill = refreshes.size() - heldIndex - 1;
    assertTrue(afterKill >= 2, "only " + afterKill + " refreshes after the kill");
    for (Map<String, Long> d : done) {
      assertEquals(0, d.get("refreshFailed"), d.toString());
      assertEquals(0, d.get("conflicts"), d.toString());
      assertEquals(0, d.get("reauthorization"), d.toString());
    }
    assertTokenGapsAtLeastHalfALifetime();
    assertChildrenSawOnlyIssuedTokens(survivors);
    assertNull(leaseOwner(), "the dead holder's lease was taken over and released");
    assertTheStoredGrantWorks();
    System.out.printf(
        "killedHolder: pid %d killed at refresh %d, %d refreshes after it, survivors %s%n",
        victim.jvm().pid(), heldIndex + 1, afterKill, done);
  }

  // ---------------------------------------------------------------- helpers

  private Provider provider() {
    return Provider.builder("fake")
        .authorizationEndpoint(server.authorizationEndpoint())
        .tokenEndpoint(server.tokenEndpoint())
        .build();
  }

  private JdbcTokenStore store(boolean autoCreate) {
    return JdbcTokenStore.builder(EmbeddedPostgresSupport.dataSource())
        .table(table)
        .autoCreate(autoCreate)
        .build();
  }

  private TokenBroker broker(boolean autoCreate) {
    KeysetHandle keyset = Keysets.loadOrCreate(keysetFile);
    TokenBroker broker = TokenBroker.builder().store(store(autoCreate)).keyset(keyset).build();
    broker.register(
        KEY,
        ClientRegistration.of(provider(), CLIENT_ID, ClientSecret.of(SECRET)),
        GrantType.AUTHORIZATION_CODE);
    return broker;
  }

  /** Completes the consent once, in this JVM, through a broker over the shared table. */
  private void consent() throws Exception {
    try (TokenBroker broker = broker(true)) {
      AuthorizationRequest request =
          broker.authorizationRequest(KEY, URI.create("https://app.example/callback"));
      request.complete(FakeAuthorizationServer.approve(request.uri()));
    }
    assertEquals(1, server.issuedRefreshTokens().size());
  }

  /** After the children: a fresh broker reads the grant and gets a token the server issued. */
  private void assertTheStoredGrantWorks() {
    try (TokenBroker broker = broker(false)) {
      String token = broker.accessToken(KEY).revealValue();
      assertTrue(server.issuedAccessTokens().contains(token), "stored token issued by the server");
      assertTrue(server.introspect(token).active(), "stored (or refreshed) token is active");
    }
    assertEquals(0, server.invalidGrantCount());
    assertTrue(server.isGrantAlive(server.lastRefreshToken()));
  }

  private void launchAll(long leaseTtlMillis, long leaseWaitMillis, long runMillis)
      throws Exception {
    for (int i = 0; i < CHILDREN; i++) {
      children.add(launch(i, leaseTtlMillis, leaseWaitMillis, runMillis));
    }
    for (Child child : children) {
      String line = child.jvm().awaitLine(any -> true, Duration.ofSeconds(60));
      assertEquals("READY", line, () -> "child " + child.index() + ": " + child.jvm().describe());
    }
  }

  private Child launch(int index, long leaseTtlMillis, long leaseWaitMillis, long runMillis) {
    ChildJvm jvm =
        ChildJvm.builder(BrokerWorker.class)
            .name("worker-" + index)
            .args(
                EmbeddedPostgresSupport.server().getJdbcUrl("postgres", "postgres"),
                table,
                keysetFile.toString(),
                KEY.value(),
                server.tokenEndpoint().toString(),
                server.authorizationEndpoint().toString(),
                CLIENT_ID,
                Integer.toString(THREADS),
                Long.toString(runMillis),
                Long.toString(leaseTtlMillis),
                Long.toString(leaseWaitMillis),
                directory.resolve(index + ".tokens").toString())
            .env(BrokerWorker.SECRET_VARIABLE, SECRET)
            .start();
    return new Child(index, jvm);
  }

  private static void go(List<Child> children) throws IOException {
    for (Child child : children) {
      child.jvm().send("GO");
    }
  }

  /** Waits for a child to exit 0 with no failure and no exception, and parses its counters. */
  private Map<String, Long> finish(Child child, long runMillis) throws Exception {
    int exit = child.jvm().waitFor(Duration.ofMillis(runMillis + 60_000));
    String err = child.jvm().stderr();
    String line = child.jvm().awaitLine(any -> true, Duration.ofSeconds(5));
    assertEquals(0, exit, () -> "child " + child.index() + " failed: " + line + "\n" + err);
    assertFalse(err.contains("Exception"), () -> "child " + child.index() + " stderr: " + err);
    assertNotNull(line);
    assertTrue(line.startsWith("DONE "), line);
    Map<String, Long> counters = new HashMap<>();
    for (String part : line.substring(5).split(" ")) {
      String[] kv = part.split("=");
      counters.put(kv[0], Long.parseLong(kv[1]));
    }
    assertEquals(0, counters.get("failures"), line);
    return counters;
  }

  private static boolean isRefresh(RecordedRequest request) {
    return request.path().equals("/token")
        && "refresh_token".equals(request.parameter("grant_type"));
  }

  private List<RecordedRequest> refreshRequests() {
    return server.requests().stream().filter(MultiProcessBrokerTest::isRefresh).toList();
  }

  /**
   * The refresh requests (those the server processed) carried the issued refresh tokens in issue
   * order, each exactly once: no refresh token was ever presented twice or skipped.
   */
  private void assertRefreshTokensUsedOnceInOrder(List<RecordedRequest> refreshes) {
    List<String> issued = server.issuedRefreshTokens();
    assertEquals(issued.size() - 1, refreshes.size(), "one new refresh token per refresh");
    for (int i = 0; i < refreshes.size(); i++) {
      // assertTrue, not assertEquals: a failure message must not print tokens
      assertTrue(
          issued.get(i).equals(refreshes.get(i).parameter("refresh_token")),
          "refresh " + i + " did not present the newest refresh token");
    }
  }

  /** Consecutive access tokens were issued at least half a lifetime apart (see class Javadoc). */
  private void assertTokenGapsAtLeastHalfALifetime() {
    List<String> issued = server.issuedAccessTokens();
    Duration half = LIFETIME.dividedBy(2).minusMillis(1); // broker clocks read whole milliseconds
    Instant previous = null;
    for (int i = 0; i < issued.size(); i++) {
      Instant at = server.introspect(issued.get(i)).issuedAt();
      assertNotNull(at);
      if (previous != null) {
        Duration gap = Duration.between(previous, at);
        assertTrue(
            gap.compareTo(half) >= 0,
            "tokens " + (i - 1) + " and " + i + " issued " + gap + " apart");
      }
      previous = at;
    }
  }

  /** Every token a child handed out is one the server issued for this (still live) grant. */
  private void assertChildrenSawOnlyIssuedTokens(List<Child> which) throws Exception {
    Map<String, String> byHash = new HashMap<>();
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    for (String token : server.issuedAccessTokens()) {
      byHash.put(HexFormat.of().formatHex(sha256.digest(token.getBytes(UTF_8))), token);
    }
    for (Child child : which) {
      List<String> lines = Files.readAllLines(child.tokens(directory));
      assertFalse(lines.isEmpty(), "child " + child.index() + " saw no token");
      for (String line : lines) {
        String token = byHash.get(line.split(" ")[0]);
        assertNotNull(
            token, "child " + child.index() + " handed out a token the server never issued");
        assertTrue(server.isGrantAlive(token));
      }
    }
  }

  private String leaseOwner() throws Exception {
    try (Connection c = EmbeddedPostgresSupport.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT lease_owner FROM " + table + " WHERE grant_key = ?")) {
      s.setString(1, KEY.value());
      try (ResultSet r = s.executeQuery()) {
        assertTrue(r.next(), "the grant's row exists");
        return r.getString(1);
      }
    }
  }
}
