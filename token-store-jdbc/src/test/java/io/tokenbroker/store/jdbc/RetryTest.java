package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.testkit.FakeClock;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Transient failures are retried a bounded number of times, and a lost answer loses no write. */
class RetryTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final Duration TTL = Duration.ofSeconds(30);

  private final FakeClock clock = FakeClock.create();
  private FlakyDataSource flaky;
  private JdbcTokenStore store;

  @BeforeEach
  void setUp() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:retry" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    flaky = new FlakyDataSource(h2);
    store = JdbcTokenStore.builder(flaky).clock(clock).retries(4, Duration.ZERO).build();
  }

  private static final GrantKey K = GrantKey.of("k");

  private Lease lease() {
    return store.tryAcquireLease(K, TTL).orElseThrow();
  }

  private static byte[] bytes(String sealed) {
    return sealed.getBytes(UTF_8);
  }

  @Test
  void refusedConnectionsAreRetried() {
    try (Lease lease = lease()) {
      flaky.connectionFailures.set(3);
      int before = flaky.connectionsRequested.get();
      assertTrue(store.compareAndSet(lease, 0, bytes("a"), null).isPresent());
      assertEquals(4, flaky.connectionsRequested.get() - before);
    }
    assertEquals(1, store.load(K).orElseThrow().version());
  }

  @Test
  void exhaustedRetriesAreUnavailable() {
    flaky.connectionFailures.set(4);
    TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(K));
    assertEquals(Kind.UNAVAILABLE, e.kind());
    assertTrue(e.isTransient());
    assertEquals(Optional.of(K), e.grantKey());
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
    assertTrue(e.getMessage().contains("08001"), e.getMessage());
    assertEquals(Optional.empty(), store.load(K), "works again afterwards");
  }

  @Test
  void deadlocksSerializationFailuresAndReadOnlyTransactionsAreRetried() {
    try (Lease lease = lease()) {
      flaky.failure = () -> new SQLException("deadlock detected (simulated)", "40P01");
      flaky.failuresBeforeExecute.set(2);
      long v1 = store.compareAndSet(lease, 0, bytes("a"), null).orElseThrow();
      flaky.failure = () -> new SQLTransactionRollbackException("could not serialize", "40001");
      flaky.failuresBeforeExecute.set(3);
      long v2 = store.compareAndSet(lease, v1, bytes("b"), null).orElseThrow();
      flaky.failure =
          () -> new SQLException("cannot execute UPDATE in a read-only transaction", "25006");
      flaky.failuresBeforeExecute.set(3);
      store.compareAndSet(lease, v2, bytes("c"), null).orElseThrow();
    }
    assertEquals(3, store.load(K).orElseThrow().version());
  }

  @Test
  void aReadOnlyDatabaseThatStaysSoIsUnavailableNotMisconfigured() {
    try (Lease lease = lease()) {
      flaky.failure =
          () -> new SQLException("cannot execute UPDATE in a read-only transaction", "25006");
      flaky.failuresBeforeExecute.set(4);
      TokenStoreException e =
          assertThrows(
              TokenStoreException.class, () -> store.compareAndSet(lease, 0, bytes("a"), null));
      assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("25006"), e.getMessage());
      assertTrue(e.getMessage().contains("read-only transaction"), e.getMessage());
      assertFalse(e.getMessage().contains("missing"), e.getMessage());
    }
  }

  @Test
  void otherErrorsAreNotRetried() {
    try (Lease lease = lease()) {
      flaky.failure = () -> new SQLException("permission denied for table (simulated)", "42501");
      flaky.failuresBeforeExecute.set(1);
      int before = flaky.connectionsRequested.get();
      TokenStoreException e =
          assertThrows(
              TokenStoreException.class, () -> store.compareAndSet(lease, 0, bytes("a"), null));
      assertEquals(1, flaky.connectionsRequested.get() - before);
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("lacks a privilege"), e.getMessage());
      assertTrue(e.getMessage().contains("permission denied for table"), e.getMessage());
    }
    assertEquals(Optional.empty(), store.load(K));
  }

  @Test
  void createWhoseAnswerWasLostIsReportedAsWritten() {
    try (Lease lease = lease()) {
      flaky.failure = () -> new SQLRecoverableException("I/O error (simulated)", "08006");
      flaky.failingStatements = sql -> sql.startsWith("UPDATE") && sql.contains("version + 1");
      flaky.failuresAfterUpdate.set(1);
      assertEquals(
          1,
          store.compareAndSet(lease, 0, bytes("a"), null).orElseThrow(),
          "the write committed before the failure");
    }
    assertEquals(0, flaky.failuresAfterUpdate.get(), "the failure happened");
    assertEquals("a", new String(store.load(K).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void updateWhoseAnswerWasLostIsReportedAsWritten() {
    try (Lease lease = lease()) {
      long v1 = store.compareAndSet(lease, 0, bytes("a"), null).orElseThrow();
      flaky.failure = () -> new SQLRecoverableException("I/O error (simulated)", "08006");
      flaky.failingStatements = sql -> sql.startsWith("UPDATE") && sql.contains("version + 1");
      flaky.failuresAfterUpdate.set(1);
      assertTrue(store.compareAndSet(lease, v1, bytes("b"), null).isPresent());
      assertEquals("b", new String(store.load(K).orElseThrow().sealed(), UTF_8));
      // ... but a genuinely lost race after a retry is still a lost race.
      flaky.failuresBeforeExecute.set(1);
      assertEquals(OptionalLong.empty(), store.compareAndSet(lease, v1, bytes("c"), null));
    }
  }

  @Test
  void leaseWhoseAnswerWasLostIsStillOurs() {
    flaky.failure = () -> new SQLRecoverableException("I/O error (simulated)", "08006");
    flaky.failingStatements = sql -> sql.startsWith("INSERT");
    flaky.failuresAfterUpdate.set(1); // the lease-only row insert commits, the answer is lost
    Lease lease = store.tryAcquireLease(GrantKey.of("k"), TTL).orElseThrow();
    assertEquals(0, flaky.failuresAfterUpdate.get(), "the failure happened");
    assertEquals(Optional.empty(), store.tryAcquireLease(GrantKey.of("k"), TTL));
    lease.close();
    assertTrue(store.tryAcquireLease(GrantKey.of("k"), TTL).isPresent(), "released");
  }

  @Test
  void leaseReleaseThatCannotReachTheDatabaseDoesNotThrowAndExpires() {
    Lease lease = store.tryAcquireLease(GrantKey.of("k"), TTL).orElseThrow();
    flaky.connectionFailures.set(4);
    lease.close(); // logged, not thrown
    assertEquals(Optional.empty(), store.tryAcquireLease(GrantKey.of("k"), TTL));
    clock.advance(TTL);
    assertTrue(store.tryAcquireLease(GrantKey.of("k"), TTL).isPresent());
  }

  @Test
  void storeBuiltWhileTheDatabaseIsDownChecksOnFirstUse() {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:late" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    FlakyDataSource down = new FlakyDataSource(h2);
    down.connectionFailures.set(2);
    JdbcTokenStore late = JdbcTokenStore.builder(down).retries(2, Duration.ZERO).build();
    assertTrue(late.toString().contains("not connected yet"), late.toString());
    try (Lease lease = late.tryAcquireLease(K, TTL).orElseThrow()) {
      assertTrue(late.compareAndSet(lease, 0, bytes("a"), null).isPresent());
    }
    assertTrue(late.toString().contains("h2"), late.toString());
  }
}
