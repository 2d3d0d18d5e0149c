package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshLoop;
import io.tokenbroker.testkit.RefreshRotation;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The scenario of issue 12, on a real PostgreSQL: three processes refresh one authorization-code
 * grant in a loop (as {@code tokenbroker refresh} in a shell loop would) against an authorization
 * server that revokes the whole grant when a spent refresh token is presented again, while the
 * database turns read-only ({@code ALTER SYSTEM SET default_transaction_read_only} and {@code
 * pg_reload_conf()}, as a primary does around a failover) every other half second, and restarts
 * once. The grant stays alive, no refresh token is presented twice, no process exits with tokens
 * the store never took, and at least 20 refreshes succeed.
 */
class PostgresFailoverRefreshTest {
  private static final String CLIENT_ID = "failover-client";
  private static final String SECRET = "failover-secret-7c1d02";
  private static final GrantKey KEY = GrantKey.of("fake/failover-user");
  private static final int CHILDREN = 3;
  private static final Duration RUN = Duration.ofSeconds(60);
  private static final String TABLE = "failover_grants";

  @TempDir Path directory;
  private EmbeddedPostgres database;
  private int port;
  private final List<ChildJvm> children = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    children.forEach(ChildJvm::close);
    if (database != null) {
      database.close();
    }
  }

  private void startDatabase() throws IOException {
    database =
        EmbeddedPostgres.builder()
            .setDataDirectory(directory.resolve("pg"))
            .setCleanDataDirectory(false)
            .setPort(port) // 0 the first time: the embedded server picks a free one
            .start();
  }

  private PGSimpleDataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"127.0.0.1"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    ds.setConnectTimeout(2);
    return ds;
  }

  private void readOnly(boolean on) {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          on
              ? "ALTER SYSTEM SET default_transaction_read_only = on"
              : "ALTER SYSTEM RESET default_transaction_read_only");
      s.execute("SELECT pg_reload_conf()");
    } catch (SQLException e) {
      // the database is restarting: the next flip tries again
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // the 60 s loop, child JVMs and a restart
  void threeProcessesKeepAStrictRotationGrantAliveThroughReadOnlyFlipsAndARestart()
      throws Exception {
    startDatabase(); // on a port the embedded server picks; the restart reuses it
    port = database.getPort();
    JdbcTokenStore.builder(dataSource()).table(TABLE).autoCreate(true).build();
    Path keysetFile = directory.resolve("keyset.json");
    Keysets.loadOrCreate(keysetFile);

    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start()) {
      ClientRegistration registration;
      try (TokenBroker broker = broker(keysetFile)) {
        registration = RefreshLoop.consent(server, broker, KEY, CLIENT_ID, SECRET);
      }

      for (int i = 0; i < CHILDREN; i++) {
        children.add(launch(i, keysetFile, server));
      }
      for (ChildJvm child : children) {
        child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      }
      for (ChildJvm child : children) {
        child.send("GO");
      }

      // The failover: read-only every other half second, one restart in the middle.
      long started = System.nanoTime();
      boolean restarted = false;
      while (System.nanoTime() - started < RUN.toNanos()) {
        readOnly(true);
        Thread.sleep(500);
        readOnly(false);
        if (!restarted && System.nanoTime() - started > RUN.toNanos() / 2) {
          database.close();
          database = null;
          Thread.sleep(500);
          startDatabase();
          restarted = true;
        }
        Thread.sleep(500);
      }
      readOnly(false);

      List<String> done = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (ChildJvm child : children) {
        done.add(child.awaitLine(line -> line.startsWith("DONE"), Duration.ofSeconds(90)));
        assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child::describe);
        errors.add(child.stderr());
      }
      RefreshLoop.Result total = RefreshLoop.total(done, errors);
      assertTrue(restarted);
      // The store rides out most read-only windows with its own retries, and the broker holds new
      // tokens through the rest (writeFailures); either way the refusals reached the children.
      long readOnlyRefusals =
          errors.stream().flatMap(String::lines).filter(l -> l.contains("SQLState 25006")).count();
      assertTrue(readOnlyRefusals > 0, "the children never met the read-only database");
      int rotations;
      try (TokenBroker fresh = broker(keysetFile)) {
        rotations = RefreshLoop.assertGrantSurvived(server, fresh, KEY, registration, 20, total);
      }
      System.out.printf(
          "failover: %d rotations, %d refreshes returned, %d read-only refusals, %d failed writes"
              + " retried, by %d processes in %d s%n",
          rotations,
          total.refreshed(),
          readOnlyRefusals,
          total.writeFailures(),
          CHILDREN,
          RUN.toSeconds());
    }
  }

  private TokenBroker broker(Path keysetFile) {
    return TokenBroker.builder()
        .store(JdbcTokenStore.builder(dataSource()).table(TABLE).build())
        .keyset(Keysets.fromFile(keysetFile))
        .build();
  }

  private ChildJvm launch(int index, Path keysetFile, FakeAuthorizationServer server) {
    return ChildJvm.builder(RefreshLoopWorker.class)
        .name("refresher-" + index)
        .args(
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres",
            TABLE,
            keysetFile.toString(),
            KEY.value(),
            server.tokenEndpoint().toString(),
            CLIENT_ID,
            Long.toString(RUN.toMillis()))
        .env(BrokerWorker.SECRET_VARIABLE, SECRET)
        .start();
  }
}
