package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.testkit.FakeClock;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.Optional;
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

  private static StoredGrant grant(long version, String sealed) {
    return new StoredGrant(GrantKey.of("k"), version, sealed.getBytes(UTF_8), null);
  }

  @Test
  void refusedConnectionsAreRetried() {
    flaky.connectionFailures.set(3);
    int before = flaky.connectionsRequested.get();
    assertTrue(store.compareAndSet(0, grant(1, "a")));
    assertEquals(4, flaky.connectionsRequested.get() - before);
    assertEquals(1, store.load(GrantKey.of("k")).orElseThrow().version());
  }

  @Test
  void exhaustedRetriesAreUnavailable() {
    flaky.connectionFailures.set(4);
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> store.load(GrantKey.of("k")));
    assertEquals(Kind.UNAVAILABLE, e.kind());
    assertTrue(e.isTransient());
    assertEquals(Optional.of(GrantKey.of("k")), e.grantKey());
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
    assertTrue(e.getMessage().contains("08001"), e.getMessage());
    assertEquals(Optional.empty(), store.load(GrantKey.of("k")), "works again afterwards");
  }

  @Test
  void deadlocksAndSerializationFailuresAreRetried() {
    flaky.failure = () -> new SQLException("deadlock detected (simulated)", "40P01");
    flaky.failuresBeforeExecute.set(2);
    assertTrue(store.compareAndSet(0, grant(1, "a")));
    flaky.failure = () -> new SQLTransactionRollbackException("could not serialize", "40001");
    flaky.failuresBeforeExecute.set(3);
    assertTrue(store.compareAndSet(1, grant(2, "b")));
    assertEquals(2, store.load(GrantKey.of("k")).orElseThrow().version());
  }

  @Test
  void otherErrorsAreNotRetried() {
    flaky.failure = () -> new SQLException("permission denied for table (simulated)", "42501");
    flaky.failuresBeforeExecute.set(1);
    int before = flaky.connectionsRequested.get();
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> store.compareAndSet(0, grant(1, "a")));
    assertEquals(1, flaky.connectionsRequested.get() - before);
    assertEquals(Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("permission"), e.getMessage());
    assertEquals(Optional.empty(), store.load(GrantKey.of("k")));
  }

  @Test
  void insertWhoseAnswerWasLostIsReportedAsWritten() {
    flaky.failure = () -> new SQLRecoverableException("I/O error (simulated)", "08006");
    flaky.failingStatements = sql -> sql.startsWith("INSERT");
    flaky.failuresAfterUpdate.set(1);
    assertTrue(store.compareAndSet(0, grant(1, "a")), "the insert committed before the failure");
    assertEquals(0, flaky.failuresAfterUpdate.get(), "the failure happened");
    assertEquals("a", new String(store.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void updateWhoseAnswerWasLostIsReportedAsWritten() {
    assertTrue(store.compareAndSet(0, grant(1, "a")));
    flaky.failure = () -> new SQLRecoverableException("I/O error (simulated)", "08006");
    flaky.failuresAfterUpdate.set(1);
    assertTrue(store.compareAndSet(1, grant(2, "b")));
    assertEquals("b", new String(store.load(GrantKey.of("k")).orElseThrow().sealed(), UTF_8));
    // ... but a genuinely lost race after a retry is still a lost race.
    flaky.failuresBeforeExecute.set(1);
    assertFalse(store.compareAndSet(1, grant(2, "c")));
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
    assertTrue(late.compareAndSet(0, grant(1, "a")));
    assertTrue(late.toString().contains("h2"), late.toString());
  }
}
