package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.store.jdbc.SqlErrors.Fault;
import io.tokenbroker.testkit.StoreWrites;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What PostgreSQL itself raises, classified by what the caller should do: a read-only transaction,
 * a terminated backend, serialization failures, deadlocks, lock and statement timeouts may pass; a
 * missing table or column, a missing privilege, bad credentials or a missing database are a wrong
 * setup; a value too long for its column is neither for certain. Every message names the SQLSTATE
 * and the driver's message.
 */
class PostgresFaultsTest {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final GrantKey KEY = GrantKey.of("pg/faults");

  private String table;

  @BeforeEach
  void newTable() {
    table = "faults_" + TABLES.incrementAndGet();
  }

  private static PGSimpleDataSource dataSource(String user, String password, String options) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {EmbeddedPostgresSupport.server().getPort()});
    ds.setDatabaseName("postgres");
    ds.setUser(user);
    ds.setPassword(password);
    if (options != null) {
      ds.setOptions(options);
    }
    return ds;
  }

  private static PGSimpleDataSource admin() {
    return dataSource("postgres", "", null);
  }

  private JdbcTokenStore store(DataSource dataSource) {
    return JdbcTokenStore.builder(dataSource)
        .table(table)
        .autoCreate(true)
        .retries(3, Duration.ofMillis(5))
        .build();
  }

  private static void sql(DataSource dataSource, String statement) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private static SQLException raised(DataSource dataSource, String statement) {
    return assertThrows(SQLException.class, () -> sql(dataSource, statement));
  }

  @Test
  void aReadOnlyTransactionIsUnavailableAndReadsGoOn() {
    store(admin()); // creates the table
    StoreWrites.put(store(admin()), KEY, "before".getBytes(UTF_8), null);
    JdbcTokenStore readOnly =
        JdbcTokenStore.builder(dataSource("postgres", "", "-c default_transaction_read_only=on"))
            .table(table)
            .retries(3, Duration.ofMillis(5))
            .build();

    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> readOnly.tryAcquireLease(KEY, TTL));

    assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
    assertTrue(e.isTransient());
    assertTrue(e.getMessage().contains("SQLState 25006"), e.getMessage());
    assertTrue(e.getMessage().contains("read-only transaction"), e.getMessage());
    assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
    assertEquals("before", new String(readOnly.load(KEY).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void aServerFlippedReadOnlyForEveryoneIsUnavailableThenWritableAgain() throws Exception {
    JdbcTokenStore store = store(admin());
    sql(admin(), "ALTER SYSTEM SET default_transaction_read_only = on");
    sql(admin(), "SELECT pg_reload_conf()");
    try {
      awaitReadOnly(true);
      TokenStoreException e =
          assertThrows(
              TokenStoreException.class, () -> StoreWrites.put(store, KEY, new byte[1], null));
      assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains("25006"), e.getMessage());
    } finally {
      sql(admin(), "ALTER SYSTEM RESET default_transaction_read_only");
      sql(admin(), "SELECT pg_reload_conf()");
      awaitReadOnly(false);
    }
    assertTrue(StoreWrites.put(store, KEY, new byte[1], null) >= 1, "writable again");
  }

  private static void awaitReadOnly(boolean expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Connection c = admin().getConnection();
          Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SHOW default_transaction_read_only")) {
        r.next();
        if (r.getString(1).equals(expected ? "on" : "off")) {
          return;
        }
      }
      assertTrue(System.nanoTime() < deadline, "the configuration did not reload");
      Thread.sleep(20);
    }
  }

  @Test
  void aBackendTerminatedByTheAdministratorIsRetriedOnANewConnection() throws Exception {
    store(admin());
    Connection doomed = admin().getConnection();
    int pid;
    try (Statement s = doomed.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_backend_pid()")) {
      r.next();
      pid = r.getInt(1);
    }
    sql(admin(), "SELECT pg_terminate_backend(" + pid + ")");
    SQLException killed = raised(single(doomed), "SELECT 1");
    assertEquals(Fault.RETRY, SqlErrors.classify(killed, Dialect.POSTGRESQL), killed.getSQLState());

    // The store gets the dead connection first, then healthy ones: the write lands.
    JdbcTokenStore store = store(firstThen(doomed, admin()));
    try (Lease lease = store.tryAcquireLease(KEY, TTL).orElseThrow()) {
      assertTrue(store.compareAndSet(lease, 0, "after".getBytes(UTF_8), null).isPresent());
    }
    assertEquals("after", new String(store.load(KEY).orElseThrow().sealed(), UTF_8));
  }

  @Test
  void serializationFailuresDeadlocksAndTimeoutsMayPass() throws Exception {
    sql(admin(), "CREATE TABLE " + table + "_rows (id INT PRIMARY KEY, n INT)");
    sql(admin(), "INSERT INTO " + table + "_rows VALUES (1, 0), (2, 0)");
    String rows = table + "_rows";

    // 40001: two serializable transactions that read and write the same row.
    try (Connection a = admin().getConnection();
        Connection b = admin().getConnection()) {
      for (Connection c : new Connection[] {a, b}) {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        try (Statement s = c.createStatement()) {
          s.executeQuery("SELECT n FROM " + rows + " WHERE id = 1").close();
        }
      }
      try (Statement s = a.createStatement()) {
        s.executeUpdate("UPDATE " + rows + " SET n = 1 WHERE id = 1");
      }
      a.commit();
      SQLException serialization =
          assertThrows(
              SQLException.class,
              () -> {
                try (Statement s = b.createStatement()) {
                  s.executeUpdate("UPDATE " + rows + " SET n = 2 WHERE id = 1");
                }
                b.commit();
              });
      assertEquals("40001", serialization.getSQLState());
      assertEquals(Fault.RETRY, SqlErrors.classify(serialization, Dialect.POSTGRESQL));
      b.rollback();
    }

    // 40P01: two transactions locking two rows in opposite order.
    try (Connection a = admin().getConnection();
        Connection b = admin().getConnection()) {
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      try (Statement s = a.createStatement()) {
        s.executeUpdate("UPDATE " + rows + " SET n = n + 1 WHERE id = 1");
      }
      try (Statement s = b.createStatement()) {
        s.executeUpdate("UPDATE " + rows + " SET n = n + 1 WHERE id = 2");
      }
      CompletableFuture<SQLException> first =
          CompletableFuture.supplyAsync(() -> updateOrFailure(a, rows, 2));
      SQLException second = updateOrFailure(b, rows, 1);
      SQLException deadlock = second != null ? second : first.get(30, TimeUnit.SECONDS);
      assertEquals("40P01", deadlock.getSQLState());
      assertEquals(Fault.RETRY, SqlErrors.classify(deadlock, Dialect.POSTGRESQL));
      a.rollback();
      b.rollback();
    }

    // 55P03 (lock timeout) and 57014 (statement timeout) behind a held row lock.
    try (Connection holder = admin().getConnection();
        Connection waiter = admin().getConnection()) {
      holder.setAutoCommit(false);
      try (Statement s = holder.createStatement()) {
        s.executeUpdate("UPDATE " + rows + " SET n = n + 1 WHERE id = 1");
      }
      try (Statement s = waiter.createStatement()) {
        s.execute("SET lock_timeout = '50ms'");
        SQLException lock =
            assertThrows(
                SQLException.class,
                () -> s.executeUpdate("UPDATE " + rows + " SET n = 0 WHERE id = 1"));
        assertEquals("55P03", lock.getSQLState());
        assertEquals(Fault.RETRY, SqlErrors.classify(lock, Dialect.POSTGRESQL));
        s.execute("SET lock_timeout = 0");
        s.execute("SET statement_timeout = '50ms'");
        SQLException canceled =
            assertThrows(
                SQLException.class,
                () -> s.executeUpdate("UPDATE " + rows + " SET n = 0 WHERE id = 1"));
        assertEquals("57014", canceled.getSQLState());
        assertEquals(Fault.RETRY, SqlErrors.classify(canceled, Dialect.POSTGRESQL));
      }
      holder.rollback();
    }
  }

  private static SQLException updateOrFailure(Connection c, String rows, int id) {
    try (Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE " + rows + " SET n = n + 1 WHERE id = " + id);
      return null;
    } catch (SQLException e) {
      return e;
    }
  }

  @Test
  void aMissingTableOrColumnIsMisconfiguredNamingTheTable() throws Exception {
    JdbcTokenStore store = store(admin());
    sql(admin(), "ALTER TABLE " + table + " DROP COLUMN expires_at");
    TokenStoreException column = assertThrows(TokenStoreException.class, () -> store.load(KEY));
    assertEquals(Kind.MISCONFIGURED, column.kind(), column.getMessage());
    assertTrue(column.getMessage().contains("42703"), column.getMessage());
    assertTrue(column.getMessage().contains(table), column.getMessage());
    sql(admin(), "DROP TABLE " + table);
    TokenStoreException missing = assertThrows(TokenStoreException.class, () -> store.load(KEY));
    assertEquals(Kind.MISCONFIGURED, missing.kind());
    assertTrue(missing.getMessage().contains("42P01"), missing.getMessage());
    assertTrue(
        missing.getMessage().contains("is missing or not as expected"), missing.getMessage());
  }

  @Test
  void aMissingPrivilegeBadCredentialsAndAMissingDatabaseAreNamed() throws Exception {
    store(admin());
    String role = "no_rights_" + table;
    sql(admin(), "CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'");
    TokenStoreException privilege =
        assertThrows(
            TokenStoreException.class,
            () ->
                JdbcTokenStore.builder(dataSource(role, "pw-" + role, null)).table(table).build());
    assertEquals(Kind.MISCONFIGURED, privilege.kind(), privilege.getMessage());
    assertTrue(privilege.getMessage().contains("lacks a privilege"), privilege.getMessage());
    assertTrue(privilege.getMessage().contains("42501"), privilege.getMessage());

    // The embedded server trusts local logins, so an unknown role stands for bad credentials.
    TokenStoreException credentials =
        assertThrows(
            TokenStoreException.class,
            () ->
                JdbcTokenStore.builder(dataSource("no_such_role", "some-password", null))
                    .table(table)
                    .build());
    assertEquals(Kind.MISCONFIGURED, credentials.kind(), credentials.getMessage());
    assertTrue(
        credentials.getMessage().contains("refused the credentials"), credentials.getMessage());
    assertTrue(credentials.getMessage().contains("SQLState 28"), credentials.getMessage());
    assertTrue(!credentials.getMessage().contains("some-password"), "no password in messages");

    PGSimpleDataSource nowhere = admin();
    nowhere.setDatabaseName("no_such_database");
    TokenStoreException database =
        assertThrows(
            TokenStoreException.class, () -> JdbcTokenStore.builder(nowhere).table(table).build());
    assertEquals(Kind.MISCONFIGURED, database.kind(), database.getMessage());
    assertTrue(database.getMessage().contains("3D000"), database.getMessage());
  }

  @Test
  void aValueTooLongForItsColumnIsNotCertainlyMisconfiguration() throws Exception {
    sql(
        admin(),
        "CREATE TABLE "
            + table
            + " (grant_key VARCHAR(4) NOT NULL PRIMARY KEY, version BIGINT NOT NULL,"
            + " sealed BYTEA, expires_at BIGINT, lease_owner VARCHAR(128), lease_expires_at BIGINT,"
            + " lease_fence BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
            + " updated_at BIGINT NOT NULL)");
    JdbcTokenStore store = JdbcTokenStore.builder(admin()).table(table).build();
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> store.tryAcquireLease(KEY, TTL));
    assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains("22001"), e.getMessage());
    assertTrue(e.getMessage().contains("nothing says the failure is permanent"), e.getMessage());
  }

  /** A data source that hands out one given connection. */
  private static DataSource single(Connection connection) {
    return firstThen(connection, null);
  }

  /** Hands out {@code first} once, then connections of {@code rest}. */
  private static DataSource firstThen(Connection first, DataSource rest) {
    AtomicBoolean used = new AtomicBoolean();
    return (ConnectionSource) () -> used.compareAndSet(false, true) ? first : rest.getConnection();
  }
}
