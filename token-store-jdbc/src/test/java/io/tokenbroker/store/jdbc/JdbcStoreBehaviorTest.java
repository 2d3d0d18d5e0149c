package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.testkit.FakeClock;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every engine must do; subclasses supply the database. */
abstract class JdbcStoreBehaviorTest {
  private static final AtomicInteger TABLES = new AtomicInteger();
  static final Duration TTL = Duration.ofSeconds(30);

  final FakeClock clock = FakeClock.create();
  String table;
  JdbcTokenStore store;

  abstract DataSource dataSource();

  @BeforeEach
  void newTable() {
    table = "grants_" + getClass().getSimpleName().toLowerCase() + "_" + TABLES.incrementAndGet();
    store = newStore();
  }

  JdbcTokenStore newStore() {
    return JdbcTokenStore.builder(dataSource())
        .table(table)
        .autoCreate(true)
        .clock(clock)
        .retries(3, Duration.ZERO)
        .build();
  }

  static StoredGrant grant(String key, long version, String sealed) {
    return new StoredGrant(
        GrantKey.of(key), version, sealed.getBytes(UTF_8), Instant.parse("2026-01-01T01:00:00Z"));
  }

  long rows() throws SQLException {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void emptyStore() {
    assertEquals(Optional.empty(), store.load(GrantKey.of("nothing")));
    assertEquals(List.of(), store.list());
    assertFalse(store.delete(GrantKey.of("nothing")));
  }

  @Test
  void writesAndReadsBackExactly() {
    StoredGrant first = grant("acme/user-1", 1, "sealed-1");
    assertTrue(store.compareAndSet(0, first));
    assertEquals(Optional.of(first), store.load(first.key()));

    StoredGrant second = new StoredGrant(first.key(), 2, new byte[] {0, -1, 127, -128}, null);
    assertTrue(store.compareAndSet(1, second));
    StoredGrant loaded = store.load(first.key()).orElseThrow();
    assertEquals(second, loaded);
    assertArrayEquals(new byte[] {0, -1, 127, -128}, loaded.sealed());
    assertEquals(List.of(first.key()), store.list());
  }

  @Test
  void largeSealedEntryRoundTrips() {
    byte[] big = new byte[200_000];
    new java.util.Random(7).nextBytes(big);
    StoredGrant grant = new StoredGrant(GrantKey.of("big"), 1, big, null);
    assertTrue(store.compareAndSet(0, grant));
    assertArrayEquals(big, store.load(grant.key()).orElseThrow().sealed());
  }

  @Test
  void compareAndSetRejectsStaleVersions() {
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    assertFalse(store.compareAndSet(0, grant("k", 1, "b")), "insert over an existing grant");
    assertTrue(store.compareAndSet(1, grant("k", 2, "c")));
    assertFalse(store.compareAndSet(1, grant("k", 2, "d")), "stale version");
    assertFalse(store.compareAndSet(5, grant("k", 6, "e")), "version from the future");
    assertFalse(store.compareAndSet(3, grant("other", 4, "f")), "update of a missing grant");
    assertEquals("c", new String(store.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
    assertThrows(IllegalArgumentException.class, () -> store.compareAndSet(1, grant("k", 3, "g")));
  }

  @Test
  void deleteRemovesAndAllowsAFreshStart() throws SQLException {
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    assertTrue(store.delete(GrantKey.of("k")));
    assertFalse(store.delete(GrantKey.of("k")));
    assertEquals(Optional.empty(), store.load(GrantKey.of("k")));
    assertEquals(0, rows());
    assertTrue(store.compareAndSet(0, grant("k", 1, "b")));
  }

  @Test
  void distinctKeysStayDistinct() {
    List<String> keys =
        List.of(
            "a",
            "A",
            "a ",
            " a",
            "ä",
            "a\u0308", // a + combining diaeresis: not the same string as ä
            "emoji-\uD83D\uDE00",
            "'; DROP TABLE x; --",
            "路径/键",
            "x".repeat(GrantKey.MAX_LENGTH),
            "\uD83D\uDE00".repeat(GrantKey.MAX_LENGTH / 2));
    for (int i = 0; i < keys.size(); i++) {
      assertTrue(store.compareAndSet(0, grant(keys.get(i), 1, "v" + i)), keys.get(i));
    }
    for (int i = 0; i < keys.size(); i++) {
      StoredGrant loaded = store.load(GrantKey.of(keys.get(i))).orElseThrow();
      assertEquals("v" + i, new String(loaded.sealed(), UTF_8), keys.get(i));
    }
    Set<GrantKey> listed = new HashSet<>(store.list());
    Set<GrantKey> expected = new HashSet<>();
    keys.forEach(k -> expected.add(GrantKey.of(k)));
    assertEquals(expected, listed);
  }

  @Test
  void unpairedSurrogateKeysAreRejected() {
    GrantKey lone = GrantKey.of("bad-\uD800-key");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> store.load(lone));
    assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> store.compareAndSet(0, new StoredGrant(lone, 1, new byte[1], null)));
    assertThrows(IllegalArgumentException.class, () -> store.tryAcquireLease(lone, TTL));
  }

  @Test
  void leaseExcludesUntilClosed() {
    GrantKey key = GrantKey.of("k");
    Lease first = store.tryAcquireLease(key, TTL).orElseThrow();
    assertEquals(key, first.key());
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    assertEquals(Optional.empty(), newStore().tryAcquireLease(key, TTL), "another instance");
    assertTrue(store.tryAcquireLease(GrantKey.of("other"), TTL).isPresent(), "per key");
    first.close();
    first.close(); // idempotent
    try (Lease second = newStore().tryAcquireLease(key, TTL).orElseThrow()) {
      assertEquals(key, second.key());
      assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    }
  }

  @Test
  void leaseForAKeyWithoutGrantIsInvisible() throws SQLException {
    GrantKey key = GrantKey.of("new-grant");
    Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertEquals(1, rows(), "a lease-only row");
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(List.of(), store.list());
    assertFalse(store.delete(key));
    assertFalse(store.compareAndSet(1, grant("new-grant", 2, "x")));
    lease.close();
    assertEquals(0, rows(), "closing removes the lease-only row");
  }

  @Test
  void firstWriteUnderALeaseKeepsTheLease() throws SQLException {
    GrantKey key = GrantKey.of("k");
    Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    assertFalse(store.compareAndSet(0, grant("k", 1, "b")));
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL), "still leased");
    lease.close();
    assertEquals(1, rows());
    assertEquals("a", new String(store.load(key).orElseThrow().sealed(), UTF_8));
    assertEquals(List.of(key), store.list());
    assertTrue(store.tryAcquireLease(key, TTL).isPresent());
  }

  @Test
  void deleteUnderALeaseKeepsTheLease() throws SQLException {
    GrantKey key = GrantKey.of("k");
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(store.delete(key));
    assertFalse(store.delete(key));
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(List.of(), store.list());
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    assertTrue(store.compareAndSet(0, grant("k", 1, "again")));
    assertTrue(store.delete(key));
    lease.close();
    assertEquals(0, rows());
  }

  @Test
  void expiredLeaseIsTakenOverAndTheOldCloseDoesNotDisturb() {
    GrantKey key = GrantKey.of("k");
    Lease crashed = store.tryAcquireLease(key, TTL).orElseThrow();
    clock.advance(TTL.minusMillis(1));
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    clock.advance(Duration.ofMillis(1));
    Lease next = store.tryAcquireLease(key, TTL).orElseThrow();
    crashed.close(); // late close of the expired lease
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL), "the new holder keeps it");
    next.close();
    assertTrue(store.tryAcquireLease(key, TTL).isPresent());
  }

  @Test
  void writerWhoseLeaseExpiredCannotOverwriteANewerVersion() {
    GrantKey key = GrantKey.of("k");
    assertTrue(store.compareAndSet(0, grant("k", 1, "rt-1")));
    JdbcTokenStore other = newStore();

    Lease slow = store.tryAcquireLease(key, TTL).orElseThrow();
    long seen = store.load(key).orElseThrow().version();
    clock.advance(TTL.plusSeconds(1)); // the slow holder stalls past its lease

    try (Lease fast = other.tryAcquireLease(key, TTL).orElseThrow()) {
      assertEquals(key, fast.key());
      long version = other.load(key).orElseThrow().version();
      assertTrue(other.compareAndSet(version, grant("k", version + 1, "rt-2")));
    }
    assertFalse(store.compareAndSet(seen, grant("k", seen + 1, "rt-stale")));
    slow.close();
    assertEquals("rt-2", new String(store.load(key).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void zeroTtlLeaseIsImmediatelyExpiredAndNegativeIsRejected() {
    GrantKey key = GrantKey.of("k");
    assertTrue(store.tryAcquireLease(key, Duration.ZERO).isPresent());
    assertTrue(store.tryAcquireLease(key, TTL).isPresent());
    assertThrows(
        IllegalArgumentException.class, () -> store.tryAcquireLease(key, Duration.ofSeconds(-1)));
  }

  @Test
  void concurrentWritersExactlyOneWins() throws Exception {
    int writers = 8;
    List<JdbcTokenStore> instances = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      instances.add(newStore());
    }
    assertEquals(
        1,
        countWinners(writers, i -> instances.get(i).compareAndSet(0, grant("contended", 1, "w"))));
    assertEquals(1, store.load(GrantKey.of("contended")).orElseThrow().version());
    for (int round = 1; round <= 3; round++) {
      long expected = round;
      int winners =
          countWinners(
              writers,
              i -> instances.get(i).compareAndSet(expected, grant("contended", expected + 1, "w")));
      assertEquals(1, winners, "round " + round);
    }
    assertEquals(4, store.load(GrantKey.of("contended")).orElseThrow().version());
  }

  @Test
  void concurrentLeaseTakersExactlyOneWins() throws Exception {
    int takers = 8;
    List<JdbcTokenStore> instances = new ArrayList<>();
    for (int i = 0; i < takers; i++) {
      instances.add(newStore());
    }
    GrantKey key = GrantKey.of("contended-lease");
    int winners = countWinners(takers, i -> instances.get(i).tryAcquireLease(key, TTL).isPresent());
    assertEquals(1, winners);
  }

  interface Attempt {
    boolean run(int index) throws Exception;
  }

  /** Runs {@code n} attempts at once and returns how many succeeded. */
  private static int countWinners(int n, Attempt attempt) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        Callable<Boolean> task =
            () -> {
              start.await();
              return attempt.run(index);
            };
        results.add(pool.submit(task));
      }
      start.countDown();
      int wins = 0;
      for (Future<Boolean> result : results) {
        if (result.get()) {
          wins++;
        }
      }
      return wins;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void missingTableWithoutAutoCreateIsMisconfigured() {
    TokenStoreException e =
        assertThrows(
            TokenStoreException.class,
            () ->
                JdbcTokenStore.builder(dataSource())
                    .table("no_such_table_here")
                    .autoCreate(false)
                    .build());
    assertEquals(TokenStoreException.Kind.MISCONFIGURED, e.kind());
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().contains("no_such_table_here"), e.getMessage());
    assertTrue(e.getMessage().contains(".sql"), e.getMessage());
  }

  @Test
  void tableDroppedLaterIsMisconfigured() throws SQLException {
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE " + table);
    }
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> store.load(GrantKey.of("k")));
    assertEquals(TokenStoreException.Kind.MISCONFIGURED, e.kind());
    assertEquals(Optional.of(GrantKey.of("k")), e.grantKey());
    assertTrue(e.getMessage().contains(table), e.getMessage());
  }

  @Test
  void autoCreateIsIdempotentAndKeepsData() {
    assertTrue(store.compareAndSet(0, grant("k", 1, "a")));
    JdbcTokenStore again = newStore();
    assertEquals("a", new String(again.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void toStringShowsNoSecretsOrUrls() {
    assertTrue(store.compareAndSet(0, grant("k", 1, "SECRET-SEALED")));
    String text = store.toString() + store.tryAcquireLease(GrantKey.of("k"), TTL).orElseThrow();
    assertFalse(text.contains("SECRET"), text);
    assertFalse(text.contains("jdbc:"), text);
    assertTrue(text.contains(table), text);
  }
}
