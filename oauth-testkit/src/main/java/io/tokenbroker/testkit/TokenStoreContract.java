package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shared contract of {@link TokenStore}: every implementation's test extends this class and
 * implements {@link #createStore}. It checks round trips, compare-and-set (including many
 * concurrent writers over two store instances), fencing (a closed, expired or taken-over lease
 * writes nothing; fences grow), versions that never repeat across delete and re-create, delete,
 * list, hostile grant keys, leases with expiry, and, where the store can be damaged on purpose
 * ({@link #corruptEntry}), corruption handling.
 *
 * <p>Before each test the suite calls {@link #createStore} twice with the same {@link FakeClock},
 * getting {@link #store} and {@link #otherStore}: two instances over the same storage, standing for
 * two processes or application instances. Tests that need a second instance use it; a store that
 * only exists in memory may return the same instance twice. Stores that implement {@link
 * AutoCloseable} are closed after each test.
 *
 * <p>{@code expiresAt} values used here have whole-second precision; stores may truncate finer
 * precision. Not thread-safe itself; JUnit creates one instance per test method.
 */
public abstract class TokenStoreContract {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Instant EXPIRES_AT = Instant.parse("2026-01-01T01:00:00Z");

  /** The clock handed to {@link #createStore}; advance it to expire leases. */
  protected FakeClock clock = FakeClock.create();

  /** The first store instance. */
  protected TokenStore store;

  /** A second instance over the same storage as {@link #store}. */
  protected TokenStore otherStore;

  /** For a store's test class, which extends this one. */
  protected TokenStoreContract() {}

  /**
   * Returns a store over this test's storage whose leases expire by {@code clock}. Called twice per
   * test (before it runs); both results must share the same storage, as two processes would. Fresh,
   * empty storage per test instance.
   */
  protected abstract TokenStore createStore(Clock clock);

  /**
   * Damages the stored entry for {@code key} the way a torn write or bit rot would (flip bytes,
   * truncate), so the store can no longer parse it. Stores that cannot be damaged from outside keep
   * the default, which skips the corruption tests.
   */
  protected void corruptEntry(GrantKey key) {
    Assumptions.abort("this store does not support corrupting an entry in tests");
  }

  /**
   * Copies the raw stored entry of {@code from} over the entry of {@code to}, the way a careless
   * operator (or an attacker) might copy a file or a row. Stores that cannot do this keep the
   * default, which skips the test.
   */
  protected void copyEntry(GrantKey from, GrantKey to) {
    Assumptions.abort("this store does not support copying an entry in tests");
  }

  @BeforeEach
  final void createStores() {
    store = createStore(clock);
    otherStore = createStore(clock);
    assertNotNull(store, "createStore returned null");
    assertNotNull(otherStore, "createStore returned null");
  }

  @AfterEach
  final void closeStores() throws Exception {
    if (otherStore instanceof AutoCloseable closeable && otherStore != store) {
      closeable.close();
    }
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  // ---------------------------------------------------------------- round trip, absent, versions

  /** Writes under a lease taken and released for this call; returns the new version. */
  private static long write(
      TokenStore target, GrantKey key, long expected, byte[] bytes, @Nullable Instant expiresAt) {
    return StoreWrites.compareAndSet(target, key, expected, bytes, expiresAt)
        .orElseThrow(() -> new AssertionError("the write expecting version " + expected + " lost"));
  }

  private static long create(TokenStore target, GrantKey key, byte[] bytes) {
    return write(target, key, 0, bytes, null);
  }

  @Test
  @DisplayName("a written grant loads back with the same bytes, version and expiresAt")
  void roundTrip() {
    GrantKey key = GrantKey.of("procore/company-42/ops-user");
    byte[] bytes = allByteValues(64 * 1024);
    long version = write(store, key, 0, bytes, EXPIRES_AT);

    StoredGrant loaded = store.load(key).orElseThrow();
    assertEquals(key, loaded.key());
    assertEquals(version, loaded.version());
    assertTrue(version >= 1);
    assertArrayEquals(bytes, loaded.sealed());
    assertEquals(EXPIRES_AT, loaded.expiresAt());
  }

  @Test
  @DisplayName("a grant without expiresAt and with a one-byte payload round-trips")
  void roundTripWithoutExpiry() {
    GrantKey key = GrantKey.of("no-expiry");
    create(store, key, new byte[] {42});

    StoredGrant loaded = store.load(key).orElseThrow();
    assertArrayEquals(new byte[] {42}, loaded.sealed());
    assertNull(loaded.expiresAt());
  }

  @Test
  @DisplayName("each write replaces bytes and expiresAt and stores a higher version")
  void successiveWrites() {
    GrantKey key = GrantKey.of("successive");
    long version = 0;
    for (int i = 1; i <= 5; i++) {
      Instant expiresAt = EXPIRES_AT.plusSeconds(i);
      byte[] bytes = payload(key, i);
      long next = write(store, key, version, bytes, expiresAt);
      assertTrue(next > version, "version " + next + " after " + version);
      version = next;

      StoredGrant loaded = otherStore.load(key).orElseThrow();
      assertEquals(version, loaded.version());
      assertArrayEquals(bytes, loaded.sealed());
      assertEquals(expiresAt, loaded.expiresAt());
    }
  }

  @Test
  @DisplayName("an absent key loads empty, deletes as false and is not listed")
  void absentKey() {
    GrantKey key = GrantKey.of("never-written");
    assertEquals(Optional.empty(), store.load(key));
    assertFalse(StoreWrites.delete(store, key));
    assertEquals(List.of(), store.list());
  }

  @Test
  @DisplayName("versions never repeat for a key, also across delete and a new first write")
  void versionsNeverRepeat() {
    GrantKey key = GrantKey.of("versions/never-repeat");
    Set<Long> seen = new HashSet<>();
    long last = 0;
    for (int round = 0; round < 3; round++) {
      long version = 0;
      for (int i = 0; i < 3; i++) {
        TokenStore target = i % 2 == 0 ? store : otherStore;
        version = write(target, key, version, payload(key, round * 10 + i), null);
        assertTrue(version > last, "version " + version + " after " + last);
        assertTrue(seen.add(version), "version " + version + " repeated");
        last = version;
      }
      assertTrue(StoreWrites.delete(round % 2 == 0 ? otherStore : store, key));
      assertEquals(Optional.empty(), store.load(key));
    }
  }

  @Test
  @DisplayName("null arguments and a negative expected version are rejected")
  @SuppressWarnings("NullAway") // passes null on purpose: the store must reject it
  void badArguments() {
    GrantKey key = GrantKey.of("nulls");
    assertThrows(NullPointerException.class, () -> store.load(null));
    assertThrows(NullPointerException.class, () -> store.compareAndSet(null, 0, new byte[1], null));
    assertThrows(NullPointerException.class, () -> store.delete(null));
    assertThrows(NullPointerException.class, () -> store.tryAcquireLease(null, TTL));
    assertThrows(NullPointerException.class, () -> store.tryAcquireLease(key, null));
    try (TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow()) {
      assertThrows(NullPointerException.class, () -> store.compareAndSet(lease, 0, null, null));
      assertThrows(
          IllegalArgumentException.class, () -> store.compareAndSet(lease, -1, new byte[1], null));
    }
    assertEquals(Optional.empty(), store.load(key), "a rejected write must write nothing");
  }

  @Test
  @DisplayName("a lease of another store implementation is rejected")
  void foreignLeaseIsRejected() {
    GrantKey key = GrantKey.of("foreign");
    TokenStore.Lease foreign =
        new TokenStore.Lease() {
          @Override
          public GrantKey key() {
            return key;
          }

          @Override
          public long fence() {
            return Long.MAX_VALUE;
          }

          @Override
          public void close() {}
        };
    assertThrows(
        IllegalArgumentException.class, () -> store.compareAndSet(foreign, 0, new byte[1], null));
    assertThrows(IllegalArgumentException.class, () -> store.delete(foreign));
    assertEquals(Optional.empty(), store.load(key));
  }

  // ------------------------------------------------------------------------- compare-and-set

  @Test
  @DisplayName("create-if-absent (expected 0) succeeds only once")
  void createIfAbsentOnlyOnce() {
    GrantKey key = GrantKey.of("create-once");
    byte[] first = payload(key, 1);
    try (TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow()) {
      assertTrue(store.compareAndSet(lease, 0, first, null).isPresent());
      assertEquals(
          OptionalLong.empty(), store.compareAndSet(lease, 0, "second".getBytes(UTF_8), null));
    }
    assertEquals(
        OptionalLong.empty(),
        StoreWrites.compareAndSet(otherStore, key, 0, "third".getBytes(UTF_8), null));
    assertArrayEquals(first, store.load(key).orElseThrow().sealed());
  }

  @Test
  @DisplayName("a writer with a stale expected version loses and changes nothing")
  void staleVersionLoses() {
    GrantKey key = GrantKey.of("stale");
    long v1 = create(store, key, payload(key, 1));
    long v2 = write(store, key, v1, "winner".getBytes(UTF_8), EXPIRES_AT);

    assertEquals(
        OptionalLong.empty(),
        StoreWrites.compareAndSet(otherStore, key, v1, "loser".getBytes(UTF_8), null));
    assertEquals(
        OptionalLong.empty(),
        StoreWrites.compareAndSet(store, key, v2 + 5, payload(key, 6), null),
        "an expected version ahead of the stored one must lose too");
    StoredGrant loaded = store.load(key).orElseThrow();
    assertEquals(v2, loaded.version());
    assertArrayEquals("winner".getBytes(UTF_8), loaded.sealed());
  }

  @Test
  @DisplayName("expecting a version of an absent key fails")
  void expectingVersionOfAbsentKey() {
    GrantKey key = GrantKey.of("absent");
    assertEquals(
        OptionalLong.empty(), StoreWrites.compareAndSet(store, key, 3, payload(key, 4), null));
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(List.of(), store.list());
  }

  @Test
  @DisplayName("two store instances over the same storage see each other's writes and deletes")
  void twoInstancesShareStorage() {
    GrantKey key = GrantKey.of("shared");
    long v1 = write(store, key, 0, payload(key, 1), EXPIRES_AT);
    assertEquals(
        new StoredGrant(key, v1, payload(key, 1), EXPIRES_AT), otherStore.load(key).orElseThrow());
    assertEquals(List.of(key), otherStore.list());

    long v2 = write(otherStore, key, v1, payload(key, 2), null);
    assertEquals(new StoredGrant(key, v2, payload(key, 2), null), store.load(key).orElseThrow());

    assertTrue(StoreWrites.delete(otherStore, key));
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(List.of(), store.list());
  }

  @Test
  @DisplayName("of many threads creating the same key at once, exactly one wins")
  void concurrentCreateHasOneWinner() throws Exception {
    GrantKey key = GrantKey.of("race-to-create");
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<Boolean>> tasks = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      TokenStore target = i % 2 == 0 ? store : otherStore;
      byte[] bytes = ("writer-" + i).getBytes(UTF_8);
      tasks.add(
          () -> {
            start.await();
            try (TokenStore.Lease lease = awaitLease(target, key)) {
              return target.compareAndSet(lease, 0, bytes, null).isPresent();
            }
          });
    }
    List<Boolean> results = runConcurrently(tasks, start);
    assertEquals(1, results.stream().filter(b -> b).count(), "winners: " + results);
    int winner = results.indexOf(true);
    assertArrayEquals(("writer-" + winner).getBytes(UTF_8), store.load(key).orElseThrow().sealed());
  }

  @Test
  @DisplayName("concurrent lease + load + compareAndSet loops over two instances lose no update")
  void concurrentWritersLoseNoUpdate() throws Exception {
    GrantKey key = GrantKey.of("contended");
    int threads = 4;
    int writesPerThread = 15;
    ConcurrentMap<Long, Integer> winnerOfVersion = new ConcurrentHashMap<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<Boolean>> tasks = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int writer = i;
      TokenStore target = i % 2 == 0 ? store : otherStore;
      tasks.add(
          () -> {
            start.await();
            for (int written = 0; written < writesPerThread; written++) {
              try (TokenStore.Lease lease = awaitLease(target, key)) {
                long current = target.load(key).map(StoredGrant::version).orElse(0L);
                byte[] bytes = ("writer-" + writer + "/after-v" + current).getBytes(UTF_8);
                long next =
                    target
                        .compareAndSet(lease, current, bytes, null)
                        .orElseThrow(() -> new AssertionError("a write under the lease lost"));
                Integer previous = winnerOfVersion.putIfAbsent(next, writer);
                if (previous != null) {
                  fail("version " + next + " was won by writers " + previous + " and " + writer);
                }
              }
            }
            return true;
          });
    }
    runConcurrently(tasks, start);

    int total = threads * writesPerThread;
    assertEquals(total, winnerOfVersion.size());
    StoredGrant last = store.load(key).orElseThrow();
    long highest = winnerOfVersion.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertEquals(highest, last.version(), "the last write holds the highest version");
  }

  // ------------------------------------------------------------------------------- fencing

  @Test
  @DisplayName("every lease gets a higher fence, across instances, expiry and deletes")
  void fencesIncrease() {
    GrantKey key = GrantKey.of("fence/increasing");
    long last = 0;
    for (int i = 0; i < 6; i++) {
      TokenStore target = i % 2 == 0 ? store : otherStore;
      TokenStore.Lease lease = target.tryAcquireLease(key, TTL).orElseThrow();
      assertTrue(lease.fence() > last, "fence " + lease.fence() + " after " + last);
      last = lease.fence();
      if (i == 2) {
        assertTrue(target.compareAndSet(lease, 0, payload(key, 1), null).isPresent());
        assertTrue(target.delete(lease));
      }
      if (i == 4) {
        clock.advance(TTL.plusSeconds(1)); // expires; the next lease takes it over
      } else {
        lease.close();
      }
    }
  }

  @Test
  @DisplayName("a closed lease writes and deletes nothing")
  void closedLeaseCannotWrite() {
    GrantKey key = GrantKey.of("fence/closed");
    long v1 = create(store, key, payload(key, 1));
    TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    lease.close();

    assertLeaseLost(key, () -> store.compareAndSet(lease, v1, payload(key, 2), null));
    assertLeaseLost(key, () -> store.delete(lease));
    assertArrayEquals(payload(key, 1), otherStore.load(key).orElseThrow().sealed());
  }

  @Test
  @DisplayName("an expired lease writes nothing, even if nobody took it over")
  void expiredLeaseCannotWrite() {
    GrantKey key = GrantKey.of("fence/expired");
    long v1 = create(store, key, payload(key, 1));
    TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    clock.advance(TTL.plusSeconds(1));

    assertLeaseLost(key, () -> store.compareAndSet(lease, v1, payload(key, 2), null));
    assertLeaseLost(key, () -> store.delete(lease));
    assertEquals(v1, store.load(key).orElseThrow().version());
    lease.close();
  }

  @Test
  @DisplayName("a holder whose lease was taken over cannot write over a new consent (ABA)")
  void staleHolderCannotOverwriteANewConsent() {
    GrantKey key = GrantKey.of("fence/aba");
    long v1 = create(store, key, payload(key, 1));
    TokenStore.Lease stale = store.tryAcquireLease(key, TTL).orElseThrow();
    assertEquals(v1, store.load(key).orElseThrow().version()); // the slow writer read v1

    clock.advance(TTL.plusSeconds(1)); // it stalls past its lease
    assertTrue(StoreWrites.delete(otherStore, key)); // removed elsewhere
    long again =
        write(otherStore, key, 0, "new consent".getBytes(UTF_8), null); // and consented again
    assertTrue(again > v1, "the new consent must not reuse version " + v1);

    assertLeaseLost(key, () -> store.compareAndSet(stale, v1, "stale".getBytes(UTF_8), null));
    assertEquals(
        OptionalLong.empty(),
        StoreWrites.compareAndSet(store, key, v1, "stale".getBytes(UTF_8), null),
        "even with a new lease, the old version does not match the new consent");
    assertArrayEquals("new consent".getBytes(UTF_8), store.load(key).orElseThrow().sealed());
    stale.close();
    assertTrue(
        otherStore.tryAcquireLease(key, TTL).isPresent(), "closing the stale lease is harmless");
  }

  // ------------------------------------------------------------------------------ delete, list

  @Test
  @DisplayName("delete removes the entry; a new first write continues the versions")
  void deleteThenRecreate() {
    GrantKey key = GrantKey.of("deleted");
    long v1 = create(store, key, payload(key, 1));
    long v2 = write(store, key, v1, payload(key, 2), null);

    assertTrue(StoreWrites.delete(store, key));
    assertEquals(Optional.empty(), store.load(key));
    assertEquals(Optional.empty(), otherStore.load(key));
    assertFalse(StoreWrites.delete(otherStore, key), "a second delete finds nothing");
    assertEquals(
        OptionalLong.empty(),
        StoreWrites.compareAndSet(store, key, v2, payload(key, 3), null),
        "a writer expecting the deleted version must lose");

    long again = write(otherStore, key, 0, "again".getBytes(UTF_8), null);
    assertTrue(again > v2, "version " + again + " after the deleted " + v2);
    assertEquals(
        new StoredGrant(key, again, "again".getBytes(UTF_8), null), store.load(key).orElseThrow());
  }

  @Test
  @DisplayName("list returns exactly the stored keys")
  void listReturnsStoredKeys() {
    Set<GrantKey> keys = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      GrantKey key = GrantKey.of("tenant-" + i + "/user");
      keys.add(key);
      create(store, key, payload(key, 1));
    }
    assertEquals(keys, new HashSet<>(store.list()));
    assertEquals(5, store.list().size(), "no duplicates");

    GrantKey removed = GrantKey.of("tenant-3/user");
    assertTrue(StoreWrites.delete(otherStore, removed));
    keys.remove(removed);
    assertEquals(keys, new HashSet<>(store.list()));
  }

  // ------------------------------------------------------------------------------ hostile keys

  /** Keys that break naive file names, SQL collations or Unicode handling. */
  protected List<GrantKey> hostileKeys() {
    List<String> values =
        List.of(
            "../x",
            "../../../../etc/passwd",
            "a/b",
            "a\\b",
            ".",
            "..",
            "CON",
            "con",
            "NUL",
            "COM1.txt",
            "key",
            "Key",
            "KEY",
            "key ",
            " key",
            "key.",
            "caf\u00e9", // NFC
            "cafe\u0301", // NFD: the same text to a normalizing file system
            "cafe",
            "\uD83D\uDD11 token/\u043a\u043b\u044e\u0447/\u9375",
            "\u202Eevil.txt",
            "*?:<>|\"",
            "%2e%2e%2f",
            "'; DROP TABLE tokens; --",
            "a".repeat(GrantKey.MAX_LENGTH),
            "a".repeat(GrantKey.MAX_LENGTH - 1) + "b",
            "A".repeat(GrantKey.MAX_LENGTH),
            "\uD83D\uDE00".repeat(GrantKey.MAX_LENGTH / 2));
    return values.stream().map(GrantKey::of).toList();
  }

  @Test
  @DisplayName("hostile keys (traversal, reserved names, case, Unicode, 256 chars) stay distinct")
  void hostileKeys_stayDistinct() {
    List<GrantKey> keys = hostileKeys();
    for (GrantKey key : keys) {
      assertTrue(
          StoreWrites.compareAndSet(store, key, 0, payload(key, 1), null).isPresent(),
          () -> "create failed for key " + describe(key));
    }
    for (GrantKey key : keys) {
      StoredGrant loaded =
          otherStore.load(key).orElseThrow(() -> new AssertionError("lost " + describe(key)));
      assertEquals(key, loaded.key());
      assertArrayEquals(payload(key, 1), loaded.sealed(), () -> "mixed up " + describe(key));
    }
    List<GrantKey> listed = otherStore.list();
    assertEquals(new HashSet<>(keys), new HashSet<>(listed));
    assertEquals(keys.size(), listed.size());

    GrantKey lower = GrantKey.of("key");
    assertTrue(StoreWrites.delete(store, lower));
    assertEquals(Optional.empty(), store.load(lower));
    assertTrue(store.load(GrantKey.of("KEY")).isPresent(), "deleting 'key' must not delete 'KEY'");
    assertEquals(keys.size() - 1, store.list().size());
  }

  @Test
  @DisplayName("leases on hostile keys are independent of each other")
  void hostileKeys_leasesAreIndependent() {
    List<TokenStore.Lease> held = new ArrayList<>();
    try {
      for (GrantKey key : hostileKeys()) {
        TokenStore.Lease lease =
            store
                .tryAcquireLease(key, TTL)
                .orElseThrow(() -> new AssertionError("no lease for " + describe(key)));
        assertEquals(key, lease.key());
        held.add(lease);
      }
      for (GrantKey key : hostileKeys()) {
        assertEquals(Optional.empty(), otherStore.tryAcquireLease(key, TTL), describe(key));
      }
    } finally {
      held.forEach(TokenStore.Lease::close);
    }
    assertEquals(List.of(), store.list(), "leases must not create grants");
  }

  // ------------------------------------------------------------------------------------ leases

  @Test
  @DisplayName("a lease excludes both store instances until it is closed")
  void leaseIsExclusive() {
    GrantKey key = GrantKey.of("lease/exclusive");
    TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow();
    assertEquals(key, lease.key());

    assertEquals(Optional.empty(), otherStore.tryAcquireLease(key, TTL));
    assertEquals(Optional.empty(), store.tryAcquireLease(key, TTL), "leases are not re-entrant");

    lease.close();
    TokenStore.Lease next = otherStore.tryAcquireLease(key, TTL).orElseThrow();
    assertTrue(next.fence() > lease.fence());
    next.close();
  }

  @Test
  @DisplayName("leases on different keys do not exclude each other")
  void leasesPerKey() {
    try (TokenStore.Lease a = store.tryAcquireLease(GrantKey.of("lease/a"), TTL).orElseThrow();
        TokenStore.Lease b =
            otherStore.tryAcquireLease(GrantKey.of("lease/b"), TTL).orElseThrow()) {
      assertNotEquals(a.key(), b.key());
    }
  }

  @Test
  @DisplayName("closing a lease twice is harmless and does not release a later holder")
  void closeIsIdempotent() {
    GrantKey key = GrantKey.of("lease/idempotent");
    TokenStore.Lease first = store.tryAcquireLease(key, TTL).orElseThrow();
    first.close();
    first.close();

    TokenStore.Lease second = otherStore.tryAcquireLease(key, TTL).orElseThrow();
    first.close();
    assertEquals(
        Optional.empty(),
        store.tryAcquireLease(key, TTL),
        "closing a released lease again must not release the new holder");
    assertTrue(otherStore.compareAndSet(second, 0, payload(key, 1), null).isPresent());
    second.close();
    store.tryAcquireLease(key, TTL).orElseThrow().close();
  }

  @Test
  @DisplayName("an expired lease can be taken over; the stale holder's close keeps the new one")
  void expiredLeaseIsTakenOver() {
    GrantKey key = GrantKey.of("lease/expiry");
    TokenStore.Lease stale = store.tryAcquireLease(key, TTL).orElseThrow();

    clock.advance(TTL.minusSeconds(1));
    assertEquals(Optional.empty(), otherStore.tryAcquireLease(key, TTL), "not expired yet");

    clock.advance(Duration.ofSeconds(2));
    TokenStore.Lease fresh =
        otherStore
            .tryAcquireLease(key, TTL)
            .orElseThrow(() -> new AssertionError("an expired lease must be available"));
    assertTrue(fresh.fence() > stale.fence());

    stale.close();
    assertEquals(
        Optional.empty(),
        store.tryAcquireLease(key, TTL),
        "the stale holder's close must not release the new holder's lease");
    assertEquals(Optional.empty(), otherStore.tryAcquireLease(key, TTL));
    assertTrue(otherStore.compareAndSet(fresh, 0, payload(key, 1), null).isPresent());

    fresh.close();
    store.tryAcquireLease(key, TTL).orElseThrow().close();
  }

  @Test
  @DisplayName("a lease works for a key with no stored grant and creates none")
  void leaseWithoutGrant() {
    GrantKey key = GrantKey.of("lease/no-grant");
    try (TokenStore.Lease lease = store.tryAcquireLease(key, TTL).orElseThrow()) {
      assertEquals(key, lease.key());
      assertEquals(Optional.empty(), otherStore.tryAcquireLease(key, TTL));
      assertEquals(Optional.empty(), store.load(key));
      assertEquals(List.of(), store.list());
    }
    assertEquals(List.of(), otherStore.list());
  }

  @Test
  @DisplayName("of many threads racing for one lease, exactly one gets it")
  void concurrentLeaseHasOneHolder() throws Exception {
    GrantKey key = GrantKey.of("lease/race");
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Callable<Optional<TokenStore.Lease>>> tasks = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      TokenStore target = i % 2 == 0 ? store : otherStore;
      tasks.add(
          () -> {
            start.await();
            return target.tryAcquireLease(key, TTL);
          });
    }
    List<Optional<TokenStore.Lease>> results = runConcurrently(tasks, start);
    List<TokenStore.Lease> holders = results.stream().flatMap(Optional::stream).toList();
    try {
      assertEquals(1, holders.size(), "lease holders");
    } finally {
      holders.forEach(TokenStore.Lease::close);
    }
  }

  // ------------------------------------------------------------------------------- corruption

  @Test
  @DisplayName("a damaged entry is reported as CORRUPT and never replaced by a later write")
  void corruptEntryIsReportedAndKept() {
    GrantKey key = GrantKey.of("corrupt/loaded");
    long v1 = write(store, key, 0, payload(key, 1), EXPIRES_AT);
    corruptEntry(key);

    assertCorrupt(key, () -> store.load(key));
    assertNotReplaced(key, () -> replace(otherStore, key, v1));
    assertNotReplaced(key, () -> replace(store, key, v1));
    assertNoValidVersion2(key);
  }

  @Test
  @DisplayName("a writer that meets a damaged entry first does not replace it")
  void corruptEntryMetByWriter() {
    GrantKey key = GrantKey.of("corrupt/written");
    long v1 = write(store, key, 0, payload(key, 1), EXPIRES_AT);
    corruptEntry(key);

    assertNotReplaced(key, () -> replace(otherStore, key, v1));
    assertNoValidVersion2(key);
  }

  @Test
  @DisplayName("a damaged entry does not affect other keys or list()")
  void corruptEntryIsIsolated() {
    GrantKey damaged = GrantKey.of("corrupt/isolated");
    GrantKey healthy = GrantKey.of("healthy");
    create(store, damaged, payload(damaged, 1));
    long good = write(store, healthy, 0, payload(healthy, 1), EXPIRES_AT);
    corruptEntry(damaged);

    assertEquals(
        new StoredGrant(healthy, good, payload(healthy, 1), EXPIRES_AT),
        otherStore.load(healthy).orElseThrow());
    assertTrue(otherStore.list().contains(healthy), "list() must still return healthy keys");
    write(store, healthy, good, payload(healthy, 2), null);
  }

  @Test
  @DisplayName("an entry copied onto another key never loads as that key's grant")
  void copiedEntryIsNotAccepted() {
    GrantKey source = GrantKey.of("copy/source");
    GrantKey target = GrantKey.of("copy/target");
    create(store, source, payload(source, 1));
    create(store, target, payload(target, 1));
    copyEntry(source, target);

    Optional<StoredGrant> loaded;
    try {
      loaded = otherStore.load(target);
    } catch (TokenStoreException e) {
      assertEquals(TokenStoreException.Kind.CORRUPT, e.kind(), e.getMessage());
      return;
    }
    loaded.ifPresent(grant -> assertEquals(target, grant.key(), "a grant under another key"));
    assertEquals(source, otherStore.load(source).orElseThrow().key());
  }

  // ------------------------------------------------------------------------------------ paging

  /** Every grant with {@code prefix}, read page by page from {@code target}; checks each page. */
  private static List<StoredGrant> allPages(TokenStore target, String prefix, int limit) {
    List<StoredGrant> all = new ArrayList<>();
    GrantKey after = null;
    for (int pages = 0; ; pages++) {
      assertTrue(pages < 10_000, "paging does not end");
      GrantPage page = target.loadPage(prefix, after, limit);
      assertTrue(page.grants().size() <= limit, "a page larger than its limit");
      all.addAll(page.grants());
      if (page.next() == null) {
        return all;
      }
      assertFalse(page.grants().isEmpty(), "an empty page that is not the last");
      assertEquals(
          page.grants().get(page.grants().size() - 1).key(),
          page.next(),
          "next is the last key of the page");
      after = page.next();
    }
  }

  private static List<GrantKey> keysOf(List<StoredGrant> grants) {
    return grants.stream().map(StoredGrant::key).toList();
  }

  private static List<GrantKey> sortedKeys(String... values) {
    return java.util.Arrays.stream(values).map(GrantKey::of).sorted().toList();
  }

  @Test
  @DisplayName("loadPage pages through a prefix in key order, with a cursor and a limit")
  void pagesByPrefixAndCursor() {
    List<String> inside = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      inside.add(String.format("tenant-1/user-%02d", (i * 7) % 23)); // written out of order
    }
    List<String> outside = List.of("tenant-1", "tenant-10/user-01", "tenant-0/x", "tenant-2/user");
    for (String value : inside) {
      create(store, GrantKey.of(value), payload(GrantKey.of(value), 1));
    }
    for (String value : outside) {
      create(store, GrantKey.of(value), payload(GrantKey.of(value), 1));
    }
    List<GrantKey> expected = sortedKeys(inside.toArray(String[]::new));

    for (int limit : List.of(1, 5, 10, 23, 24, 1000)) {
      List<StoredGrant> paged = allPages(otherStore, "tenant-1/", limit);
      assertEquals(expected, keysOf(paged), "limit " + limit);
    }
    GrantPage first = otherStore.loadPage("tenant-1/", null, 10);
    assertEquals(expected.subList(0, 10), keysOf(first.grants()));
    assertEquals(expected.get(9), first.next());
    GrantPage second = otherStore.loadPage("tenant-1/", first.next(), 10);
    assertEquals(expected.subList(10, 20), keysOf(second.grants()));
    GrantPage last = otherStore.loadPage("tenant-1/", second.next(), 10);
    assertEquals(expected.subList(20, 23), keysOf(last.grants()));
    assertNull(last.next(), "the last page has no next key");
    assertEquals(Optional.empty(), last.nextKey());

    GrantPage whole = otherStore.loadPage("tenant-1/", null, 23);
    assertEquals(expected, keysOf(whole.grants()));
    assertTrue(
        whole.next() == null
            || otherStore.loadPage("tenant-1/", whole.next(), 23).grants().isEmpty(),
        "a page that ends exactly at the last grant is followed by nothing");

    // A cursor that is not a stored key, or lies before the prefix, still works.
    assertEquals(
        expected.subList(5, 23),
        keysOf(allPages2(otherStore, "tenant-1/", GrantKey.of("tenant-1/user-04x"), 4)));
    assertEquals(expected, keysOf(allPages2(otherStore, "tenant-1/", GrantKey.of("a"), 4)));
    assertEquals(
        List.of(), otherStore.loadPage("tenant-1/", GrantKey.of("z"), 10).grants(), "after all");
    assertEquals(List.of(), otherStore.loadPage("nobody/", null, 10).grants());
    assertNull(otherStore.loadPage("nobody/", null, 10).next());
  }

  private static List<StoredGrant> allPages2(
      TokenStore target, String prefix, GrantKey after, int limit) {
    List<StoredGrant> all = new ArrayList<>();
    GrantKey cursor = after;
    while (cursor != null) {
      GrantPage page = target.loadPage(prefix, cursor, limit);
      all.addAll(page.grants());
      cursor = page.next();
    }
    return all;
  }

  @Test
  @DisplayName("loadPage returns the grants themselves: key, version, sealed bytes and expiresAt")
  void pagesCarryTheGrants() {
    GrantKey a = GrantKey.of("page/a");
    GrantKey b = GrantKey.of("page/b");
    long va = write(store, a, 0, allByteValues(4096), EXPIRES_AT);
    long vb = create(store, b, payload(b, 1));
    vb = write(store, b, vb, payload(b, 2), null);

    List<StoredGrant> grants = otherStore.loadPage("page/", null, 10).grants();
    assertEquals(
        List.of(
            new StoredGrant(a, va, allByteValues(4096), EXPIRES_AT),
            new StoredGrant(b, vb, payload(b, 2), null)),
        grants);
    assertEquals(
        List.of(otherStore.load(a).orElseThrow(), otherStore.load(b).orElseThrow()), grants);
  }

  @Test
  @DisplayName("the empty prefix pages through every grant, hostile keys included, in key order")
  void emptyPrefixPagesEverything() {
    List<GrantKey> keys = hostileKeys();
    for (GrantKey key : keys) {
      create(store, key, payload(key, 1));
    }
    List<GrantKey> expected = keys.stream().sorted().toList();
    assertEquals(expected, keysOf(allPages(otherStore, "", 7)));
    List<StoredGrant> all = allPages(otherStore, "", 1000);
    assertEquals(expected, keysOf(all));
    for (StoredGrant grant : all) {
      assertArrayEquals(payload(grant.key(), 1), grant.sealed(), () -> describe(grant.key()));
    }
  }

  @Test
  @DisplayName("prefixes are literal: %, _, \\ and ! match only themselves")
  void prefixesAreLiteral() {
    String[] values = {
      "a%b/1",
      "a%bc",
      "aXb/1",
      "a_b/1",
      "a_bc",
      "a\\b/1",
      "a\\\\b/1",
      "a!b/1",
      "a!!b",
      "ab/1",
      "A%b/1",
      "a%B"
    };
    for (String value : values) {
      create(store, GrantKey.of(value), payload(GrantKey.of(value), 1));
    }
    assertEquals(sortedKeys("a%b/1", "a%bc"), keysOf(allPages(otherStore, "a%b", 1)));
    assertEquals(sortedKeys("a_b/1", "a_bc"), keysOf(allPages(otherStore, "a_b", 2)));
    assertEquals(sortedKeys("a\\b/1"), keysOf(allPages(otherStore, "a\\b", 2)));
    assertEquals(sortedKeys("a\\\\b/1"), keysOf(allPages(otherStore, "a\\\\", 2)));
    assertEquals(sortedKeys("a!b/1"), keysOf(allPages(otherStore, "a!b", 2)));
    assertEquals(sortedKeys("a!!b"), keysOf(allPages(otherStore, "a!!", 2)));
    assertEquals(sortedKeys("a%b/1", "a%bc", "a%B"), keysOf(allPages(otherStore, "a%", 2)));
    assertEquals(List.of(), allPages(otherStore, "%", 2));
    assertEquals(List.of(), allPages(otherStore, "_", 2));
    assertEquals(sortedKeys(values), keysOf(allPages(otherStore, "", 5)));
  }

  @Test
  @DisplayName("deleted grants and keys that were only leased are not in any page")
  void pagesLeaveOutDeletedAndLeaseOnlyKeys() {
    List<GrantKey> kept = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GrantKey key = GrantKey.of("d/" + i);
      create(store, key, payload(key, 1));
      if (i % 3 == 0) {
        assertTrue(StoreWrites.delete(otherStore, key));
      } else {
        kept.add(key);
      }
    }
    try (TokenStore.Lease lease =
        store.tryAcquireLease(GrantKey.of("d/leased"), TTL).orElseThrow()) {
      assertEquals(kept, keysOf(allPages(otherStore, "d/", 2)));
      assertEquals(kept, keysOf(allPages(otherStore, "d/", 100)));
      assertTrue(lease.fence() > 0);
    }
    // A cursor at a deleted key continues after it.
    assertEquals(
        kept.subList(2, kept.size()), keysOf(allPages2(otherStore, "d/", GrantKey.of("d/3"), 3)));
  }

  @Test
  @DisplayName("loadPage refuses a limit below 1 and a null prefix")
  @SuppressWarnings("NullAway") // passes null on purpose: the store must reject it
  void pageArguments() {
    assertThrows(IllegalArgumentException.class, () -> store.loadPage("", null, 0));
    assertThrows(IllegalArgumentException.class, () -> store.loadPage("", null, -1));
    assertThrows(NullPointerException.class, () -> store.loadPage(null, null, 10));
  }

  // ---------------------------------------------------------------------------- pending consents

  private static final Instant CONSENT_NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  @DisplayName("a pending consent is taken once, by any instance, with its bytes intact")
  void pendingConsentIsTakenOnce() {
    String id = "q2Fv3s7R-_abcdefghijklmnopqrstuvwxyz0123456";
    byte[] sealed = allByteValues(8192);
    store.savePendingConsent(id, sealed, CONSENT_NOW.plusSeconds(600));

    Optional<byte[]> taken = otherStore.takePendingConsent(id, CONSENT_NOW.plusSeconds(599));
    assertArrayEquals(sealed, taken.orElseThrow());
    assertEquals(Optional.empty(), store.takePendingConsent(id, CONSENT_NOW.plusSeconds(1)));
    assertEquals(Optional.empty(), otherStore.takePendingConsent(id, CONSENT_NOW));
    assertEquals(Optional.empty(), store.takePendingConsent("never-saved", CONSENT_NOW));
    assertEquals(0, store.purgeExpiredPendingConsents(CONSENT_NOW.plusSeconds(10_000)));
  }

  @Test
  @DisplayName("pending consents are independent of each other and of grants")
  void pendingConsentsAreIndependent() {
    GrantKey key = GrantKey.of("consent-owner");
    create(store, key, payload(key, 1));
    for (int i = 0; i < 5; i++) {
      store.savePendingConsent(
          "id-" + i, ("consent " + i).getBytes(UTF_8), CONSENT_NOW.plusSeconds(60));
    }
    for (int i = 4; i >= 0; i--) {
      assertArrayEquals(
          ("consent " + i).getBytes(UTF_8),
          otherStore.takePendingConsent("id-" + i, CONSENT_NOW).orElseThrow());
    }
    assertEquals(List.of(key), otherStore.list());
    assertEquals(List.of(key), keysOf(otherStore.loadPage("", null, 10).grants()));
  }

  @Test
  @DisplayName("saving a pending consent under an existing id replaces it")
  void pendingConsentIsReplaced() {
    store.savePendingConsent("same-id", "first".getBytes(UTF_8), CONSENT_NOW.plusSeconds(1));
    otherStore.savePendingConsent("same-id", "second".getBytes(UTF_8), CONSENT_NOW.plusSeconds(60));
    assertArrayEquals(
        "second".getBytes(UTF_8),
        store.takePendingConsent("same-id", CONSENT_NOW.plusSeconds(30)).orElseThrow(),
        "the replacement, with its own expiry");
    assertEquals(Optional.empty(), otherStore.takePendingConsent("same-id", CONSENT_NOW));
  }

  @Test
  @DisplayName("an expired pending consent is never returned, and taking it removes it")
  void expiredPendingConsentIsEmpty() {
    Instant expiresAt = CONSENT_NOW.plusSeconds(600);
    store.savePendingConsent("expiring", "x".getBytes(UTF_8), expiresAt);
    assertEquals(Optional.empty(), otherStore.takePendingConsent("expiring", expiresAt));
    assertEquals(
        Optional.empty(),
        otherStore.takePendingConsent("expiring", CONSENT_NOW),
        "the expired consent is gone, not taken later with an earlier clock");

    store.savePendingConsent("expiring-2", "y".getBytes(UTF_8), expiresAt);
    assertEquals(
        Optional.empty(), store.takePendingConsent("expiring-2", expiresAt.plusSeconds(3600)));
  }

  @Test
  @DisplayName("purge deletes exactly the expired pending consents and counts them")
  void purgeExpiredPendingConsents() {
    for (int i = 0; i < 3; i++) {
      store.savePendingConsent("old-" + i, "old".getBytes(UTF_8), CONSENT_NOW.minusSeconds(i));
    }
    for (int i = 0; i < 2; i++) {
      store.savePendingConsent("live-" + i, "live".getBytes(UTF_8), CONSENT_NOW.plusSeconds(600));
    }
    assertEquals(3, otherStore.purgeExpiredPendingConsents(CONSENT_NOW));
    assertEquals(0, store.purgeExpiredPendingConsents(CONSENT_NOW));
    for (int i = 0; i < 3; i++) {
      assertEquals(
          Optional.empty(), store.takePendingConsent("old-" + i, CONSENT_NOW.minusSeconds(60)));
    }
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(
          "live".getBytes(UTF_8), store.takePendingConsent("live-" + i, CONSENT_NOW).orElseThrow());
    }
    assertEquals(0, store.purgeExpiredPendingConsents(CONSENT_NOW.plusSeconds(10_000)));
  }

  @Test
  @DisplayName("of many threads taking the same pending consent at once, exactly one gets it")
  void concurrentTakeHasOneWinner() throws Exception {
    for (int round = 0; round < 5; round++) {
      String id = "contended-" + round;
      byte[] sealed = ("consent " + round).getBytes(UTF_8);
      store.savePendingConsent(id, sealed, CONSENT_NOW.plusSeconds(600));
      int threads = 8;
      CountDownLatch start = new CountDownLatch(1);
      List<Callable<Optional<byte[]>>> tasks = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        TokenStore target = i % 2 == 0 ? store : otherStore;
        tasks.add(
            () -> {
              start.await();
              return target.takePendingConsent(id, CONSENT_NOW);
            });
      }
      List<Optional<byte[]>> results = runConcurrently(tasks, start);
      List<byte[]> winners = results.stream().flatMap(Optional::stream).toList();
      assertEquals(1, winners.size(), "round " + round + ": winners " + winners.size());
      assertArrayEquals(sealed, winners.get(0));
    }
  }

  @Test
  @DisplayName("pending consent ids that are not 1 to 128 of [A-Za-z0-9_-] are refused")
  void badPendingConsentIds() {
    byte[] sealed = "x".getBytes(UTF_8);
    Instant expiresAt = CONSENT_NOW.plusSeconds(60);
    for (String id :
        List.of("", "../x", "a/b", "a b", "a.b", "a\\b", "\u00e9", "x".repeat(129), "a%", "a\n")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> store.savePendingConsent(id, sealed, expiresAt),
          () -> "accepted id '" + id + "'");
    }
    store.savePendingConsent("x".repeat(128), sealed, expiresAt);
    assertArrayEquals(
        sealed, otherStore.takePendingConsent("x".repeat(128), CONSENT_NOW).orElseThrow());
  }

  // ---------------------------------------------------------------------------------- helpers

  /**
   * A deterministic payload for {@code key} at {@code version}, distinct for distinct keys
   * (including keys that differ only by case or Unicode normalization).
   */
  protected static byte[] payload(GrantKey key, long version) {
    return (key.value() + "#v" + version).getBytes(UTF_8);
  }

  /** Tries to replace the entry expecting {@code expected}; returns whether it was written. */
  private static boolean replace(TokenStore target, GrantKey key, long expected) {
    return StoreWrites.compareAndSet(target, key, expected, "replacement".getBytes(UTF_8), null)
        .isPresent();
  }

  private static void assertLeaseLost(GrantKey key, Runnable write) {
    TokenStoreException e = assertThrows(TokenStoreException.class, write::run);
    assertEquals(TokenStoreException.Kind.LEASE_LOST, e.kind(), e.getMessage());
    assertEquals(Optional.of(key), e.grantKey());
    assertTrue(e.isTransient(), "a lost lease is retried with a new one");
  }

  /** Polls for {@code key}'s lease (other test threads hold it briefly). */
  private static TokenStore.Lease awaitLease(TokenStore target, GrantKey key)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Optional<TokenStore.Lease> lease = target.tryAcquireLease(key, TTL);
      if (lease.isPresent()) {
        return lease.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no lease on " + key + " within 30 s");
      }
      Thread.sleep(1);
    }
  }

  private static void assertCorrupt(GrantKey key, Runnable action) {
    TokenStoreException e = assertThrows(TokenStoreException.class, action::run);
    assertEquals(TokenStoreException.Kind.CORRUPT, e.kind(), e.getMessage());
    assertEquals(Optional.of(key), e.grantKey());
    assertFalse(e.isTransient());
  }

  /** The write either fails as CORRUPT or returns false; it must not report success. */
  private static void assertNotReplaced(GrantKey key, WriteAction write) {
    boolean written;
    try {
      written = write.run();
    } catch (TokenStoreException e) {
      assertEquals(TokenStoreException.Kind.CORRUPT, e.kind(), e.getMessage());
      assertEquals(Optional.of(key), e.grantKey());
      return;
    }
    assertFalse(written, "compareAndSet replaced a damaged entry it could not read");
  }

  /** After the failed writes, the key either still reports CORRUPT or is gone (quarantined). */
  private void assertNoValidVersion2(GrantKey key) {
    for (TokenStore target : List.of(store, otherStore)) {
      try {
        Optional<StoredGrant> loaded = target.load(key);
        loaded.ifPresent(
            grant ->
                assertNotEquals(
                    "replacement",
                    new String(grant.sealed(), UTF_8),
                    "the damaged entry was silently replaced"));
      } catch (TokenStoreException e) {
        assertEquals(TokenStoreException.Kind.CORRUPT, e.kind(), e.getMessage());
      }
    }
  }

  private static byte[] allByteValues(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (i * 31 + (i >>> 8));
    }
    return bytes;
  }

  private static String describe(GrantKey key) {
    String value = key.value();
    String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
    return "'" + shown + "' (" + value.length() + " chars)";
  }

  private static <T> List<T> runConcurrently(
      List<? extends Callable<T>> tasks, CountDownLatch start) throws InterruptedException {
    ExecutorService executor = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) {
        futures.add(executor.submit(task));
      }
      start.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        try {
          results.add(future.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw new AssertionError("a concurrent task failed", e.getCause());
        } catch (TimeoutException e) {
          throw new AssertionError("a concurrent task did not finish within 60 s", e);
        }
      }
      return results;
    } finally {
      executor.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface WriteAction {
    boolean run();
  }
}
