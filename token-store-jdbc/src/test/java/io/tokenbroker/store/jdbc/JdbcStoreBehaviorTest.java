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
import io.tokenbroker.testkit.StoreWrites;
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
import java.util.OptionalLong;
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

  static final Instant EXPIRES = Instant.parse("2026-01-01T01:00:00Z");

  /** Writes under a lease taken for this call; returns the new version or empty. */
  static OptionalLong cas(JdbcTokenStore target, String key, long expected, String sealed) {
    return StoreWrites.compareAndSet(
        target, GrantKey.of(key), expected, sealed.getBytes(UTF_8), EXPIRES);
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
    assertFalse(StoreWrites.delete(store, GrantKey.of("nothing")));
  }

  @Test
  void writesAndReadsBackExactly() {
    GrantKey key = GrantKey.of("acme/user-1");
    long v1 = cas(store, key.value(), 0, "sealed-1").orElseThrow();
    assertEquals(
        Optional.of(new StoredGrant(key, v1, "sealed-1".getBytes(UTF_8), EXPIRES)),
        store.load(key));

    long v2;
    try (Lease lease = store.tryAcquireLease(key, TTL).orElseThrow()) {
      v2 = store.compareAndSet(lease, v1, new byte[] {0, -1, 127, -128}, null).orElseThrow();
    }
    assertEquals(v1 + 1, v2);
    StoredGrant loaded = store.load(key).orElseThrow();
    assertEquals(new StoredGrant(key, v2, new byte[] {0, -1, 127, -128}, null), loaded);
    assertArrayEquals(new byte[] {0, -1, 127, -128}, loaded.sealed());
    assertEquals(List.of(key), store.list());
  }

  @Test
  void largeSealedEntryRoundTrips() {
    byte[] big = new byte[200_000];
    new java.util.Random(7).nextBytes(big);
    GrantKey key = GrantKey.of("big");
    StoreWrites.put(store, key, big, null);
    assertArrayEquals(big, store.load(key).orElseThrow().sealed());
  }

  @Test
  void compareAndSetRejectsStaleVersions() {
    long v1 = cas(store, "k", 0, "a").orElseThrow();
    assertEquals(OptionalLong.empty(), cas(store, "k", 0, "b"), "insert over an existing grant");
    long v2 = cas(store, "k", v1, "c").orElseThrow();
    assertEquals(OptionalLong.empty(), cas(store, "k", v1, "d"), "stale version");
    assertEquals(OptionalLong.empty(), cas(store, "k", v2 + 4, "e"), "version from the future");
    assertEquals(OptionalLong.empty(), cas(store, "other", 3, "f"), "update of a missing grant");
    assertEquals("c", new String(store.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void deleteKeepsATombstoneRowSoVersionsGoOn() throws SQLException {
    long v1 = cas(store, "k", 0, "a").orElseThrow();
    assertTrue(StoreWrites.delete(store, GrantKey.of("k")));
    assertFalse(StoreWrites.delete(store, GrantKey.of("k")));
    assertEquals(Optional.empty(), store.load(GrantKey.of("k")));
    assertEquals(List.of(), store.list());
    assertEquals(1, rows(), "the tombstone keeps the version and fence");
    long again = cas(store, "k", 0, "b").orElseThrow();
    assertTrue(again > v1, again + " after " + v1);
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
      assertTrue(cas(store, keys.get(i), 0, "v" + i).isPresent(), keys.get(i));
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
    assertThrows(IllegalArgumentException.class, () -> store.tryAcquireLease(lone, TTL));
  }

  @Test
  void leaseExcludesUntilClosedAndFencesGrow() {
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
      assertTrue(second.fence() > first.fence());
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
    assertFalse(store.delete(lease));
    assertEquals(OptionalLong.empty(), store.compareAndSet(lease, 1, new byte[1], null));
    lease.close();
    assertEquals(1, rows(), "the row stays: it keeps the fence");
    assertTrue(store.tryAcquireLease(key, TTL).orElseThrow().fence() > lease.fence());
  }

  @Test
  void firstWriteUnderALeaseKeepsTheLease() throws SQLException {
    GrantKey key = GrantKey.of("k");
    Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(store.compareAndSet(lease, 0, "a".getBytes(UTF_8), null).isPresent());
    assertEquals(OptionalLong.empty(), store.compareAndSet(lease, 0, "b".getBytes(UTF_8), null));
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
    cas(store, "k", 0, "a").orElseThrow();
    Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(store.delete(lease));
    assertFalse(store.delete(lease));
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(List.of(), store.list());
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    assertTrue(store.compareAndSet(lease, 0, "again".getBytes(UTF_8), null).isPresent());
    assertTrue(store.delete(lease));
    lease.close();
    assertEquals(1, rows());
  }

  @Test
  void expiredLeaseIsTakenOverAndTheOldCloseDoesNotDisturb() {
    GrantKey key = GrantKey.of("k");
    Lease crashed = store.tryAcquireLease(key, TTL).orElseThrow();
    clock.advance(TTL.minusMillis(1));
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL));
    clock.advance(Duration.ofMillis(1));
    Lease next = store.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(next.fence() > crashed.fence());
    crashed.close(); // late close of the expired lease
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL), "the new holder keeps it");
    next.close();
    assertTrue(store.tryAcquireLease(key, TTL).isPresent());
  }

  @Test
  void writerWhoseLeaseExpiredCannotWriteEvenOverItsOwnVersion() {
    GrantKey key = GrantKey.of("k");
    cas(store, "k", 0, "rt-1").orElseThrow();
    JdbcTokenStore other = newStore();

    Lease slow = store.tryAcquireLease(key, TTL).orElseThrow();
    long seen = store.load(key).orElseThrow().version();
    clock.advance(TTL.plusSeconds(1)); // the slow holder stalls past its lease

    TokenStoreException expired =
        assertThrows(
            TokenStoreException.class,
            () -> store.compareAndSet(slow, seen, "rt-stale".getBytes(UTF_8), null));
    assertEquals(TokenStoreException.Kind.LEASE_LOST, expired.kind(), expired.getMessage());
    try (Lease fast = other.tryAcquireLease(key, TTL).orElseThrow()) {
      long version = other.load(key).orElseThrow().version();
      assertTrue(other.compareAndSet(fast, version, "rt-2".getBytes(UTF_8), null).isPresent());
    }
    TokenStoreException lost =
        assertThrows(
            TokenStoreException.class,
            () -> store.compareAndSet(slow, seen, "rt-stale".getBytes(UTF_8), null));
    assertEquals(TokenStoreException.Kind.LEASE_LOST, lost.kind());
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
    GrantKey key = GrantKey.of("contended");
    assertEquals(1, countWinners(writers, i -> tryWrite(instances.get(i), key, 0)));
    long version = store.load(key).orElseThrow().version();
    for (int round = 1; round <= 3; round++) {
      long expected = version;
      int winners = countWinners(writers, i -> tryWrite(instances.get(i), key, expected));
      assertEquals(1, winners, "round " + round);
      version = store.load(key).orElseThrow().version();
      assertEquals(expected + 1, version);
    }
  }

  /** Takes the lease (polling briefly) and writes expecting {@code expected}. */
  private static boolean tryWrite(JdbcTokenStore target, GrantKey key, long expected)
      throws InterruptedException {
    for (int i = 0; i < 2000; i++) {
      Optional<Lease> lease = target.tryAcquireLease(key, TTL);
      if (lease.isPresent()) {
        try (Lease held = lease.get()) {
          return target.compareAndSet(held, expected, "w".getBytes(UTF_8), null).isPresent();
        }
      }
      Thread.sleep(1);
    }
    throw new AssertionError("no lease on " + key);
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
    cas(store, "k", 0, "a").orElseThrow();
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
  void aTableMadeBeforeFencingGetsItsColumnWithAutoCreateAndIsNamedWithout() throws SQLException {
    String old = table + "_old";
    byte[] sealed = "made-before-fencing".getBytes(UTF_8);
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      Dialect dialect = Dialect.of(c.getMetaData().getDatabaseProductName());
      StringBuilder ddl = new StringBuilder();
      for (String line : dialect.createTable(old).split("\n")) {
        if (!line.contains("lease_fence")) {
          ddl.append(line).append('\n');
        }
      }
      s.execute(ddl.toString());
      try (var insert =
          c.prepareStatement(
              "INSERT INTO "
                  + old
                  + " (grant_key, version, sealed, expires_at, lease_owner, lease_expires_at,"
                  + " created_at, updated_at) VALUES (?, 3, ?, NULL, NULL, NULL, 0, 0)")) {
        dialect.bindKey(insert, 1, "k");
        insert.setBytes(2, sealed);
        insert.executeUpdate();
      }
    }

    TokenStoreException e =
        assertThrows(
            TokenStoreException.class,
            () -> JdbcTokenStore.builder(dataSource()).table(old).autoCreate(false).build());
    assertEquals(TokenStoreException.Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("ADD COLUMN lease_fence"), e.getMessage());

    JdbcTokenStore migrated =
        JdbcTokenStore.builder(dataSource()).table(old).autoCreate(true).clock(clock).build();
    GrantKey key = GrantKey.of("k");
    assertEquals(new StoredGrant(key, 3, sealed, null), migrated.load(key).orElseThrow());
    assertEquals(4, StoreWrites.compareAndSet(migrated, key, 3, sealed, null).orElseThrow());
  }

  @Test
  void autoCreateIsIdempotentAndKeepsData() {
    cas(store, "k", 0, "a").orElseThrow();
    JdbcTokenStore again = newStore();
    assertEquals("a", new String(again.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void toStringShowsNoSecretsOrUrls() {
    cas(store, "k", 0, "SECRET-SEALED").orElseThrow();
    String text = store.toString() + store.tryAcquireLease(GrantKey.of("k"), TTL).orElseThrow();
    assertFalse(text.contains("SECRET"), text);
    assertFalse(text.contains("jdbc:"), text);
    assertTrue(text.contains(table), text);
  }
}
