package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.StoreWrites;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several JVM processes share one PostgreSQL table: the lease lets exactly one of them write at a
 * time, so no compare-and-set ever conflicts; a holder killed with SIGKILL only delays the others
 * until its lease runs out.
 */
class MultiProcessLeaseTest {
  private static final int WORKERS = 4;
  private static final int TARGET = 120;

  private final List<ChildJvm> processes = new ArrayList<>();
  private final String table = "multi_process_" + System.nanoTime();
  private final GrantKey key = GrantKey.of("acme/shared-grant");

  @AfterEach
  void killLeftovers() {
    processes.forEach(ChildJvm::close);
  }

  private String jdbcUrl() {
    return EmbeddedPostgresSupport.server().getJdbcUrl("postgres", "postgres");
  }

  private void seed() {
    JdbcTokenStore store =
        JdbcTokenStore.builder(EmbeddedPostgresSupport.dataSource())
            .table(table)
            .autoCreate(true)
            .build();
    assertTrue(StoreWrites.compareAndSet(store, key, 0, "0".getBytes(UTF_8), null).isPresent());
  }

  private ChildJvm launch(String name, long ttlMillis, String mode) {
    ChildJvm process =
        ChildJvm.builder(LeaseWorker.class)
            .name("lease-worker-" + name)
            .args(
                jdbcUrl(),
                table,
                key.value(),
                Integer.toString(TARGET),
                Long.toString(ttlMillis),
                mode)
            .start();
    processes.add(process);
    return process;
  }

  /**
   * Waits for the workers, then checks every counter value was written exactly once, without
   * conflicts.
   */
  private void assertAllWritesUnique(List<ChildJvm> workers) throws Exception {
    Set<Integer> written = new HashSet<>();
    int totalWrites = 0;
    for (int i = 0; i < workers.size(); i++) {
      ChildJvm worker = workers.get(i);
      assertEquals(0, worker.waitFor(Duration.ofSeconds(90)), worker::describe);
      List<String> lines = worker.stdoutLines();
      String done = lines.get(lines.size() - 1);
      String[] parts = done.split(" ");
      assertEquals("DONE", parts[0], done);
      assertEquals("0", parts[2], "conflicting writes in worker " + i);
      totalWrites += Integer.parseInt(parts[1]);
      for (String line : lines) {
        if (line.startsWith("W ")) {
          assertTrue(written.add(Integer.parseInt(line.substring(2))), "written twice: " + line);
        }
      }
    }
    assertEquals(TARGET, totalWrites);
    assertEquals(TARGET, written.size());
    JdbcTokenStore store =
        JdbcTokenStore.builder(EmbeddedPostgresSupport.dataSource()).table(table).build();
    StoredGrant last = store.load(key).orElseThrow();
    assertEquals(TARGET + 1, last.version());
    assertEquals(Integer.toString(TARGET), new String(last.sealed(), UTF_8));
    assertEquals(null, leaseOwner(), "every lease released");
  }

  private String leaseOwner() throws Exception {
    DataSource dataSource = EmbeddedPostgresSupport.dataSource();
    try (Connection c = dataSource.getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT lease_owner FROM " + table + " WHERE grant_key = ?")) {
      s.setString(1, key.value());
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    }
  }

  @Test
  void fourProcessesTakeTurnsWithoutAConflict() throws Exception {
    seed();
    List<ChildJvm> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      workers.add(launch(Integer.toString(i), 10_000, "work"));
    }
    assertAllWritesUnique(workers);
  }

  @Test
  void aHolderKilledWithSigkillOnlyDelaysTheOthers() throws Exception {
    seed();
    ChildJvm holder = launch("holder", 1_500, "hold");
    String line = holder.awaitLine(any -> true, Duration.ofSeconds(60));
    assertEquals("HOLDING " + key, line, holder::describe);
    String owner = leaseOwner();
    assertTrue(owner.startsWith("pid-" + holder.pid() + ":"), owner);

    holder.kill(); // SIGKILL: no close, no shutdown hooks
    assertEquals(owner, leaseOwner(), "the dead holder's lease is still in the row");

    List<ChildJvm> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS - 1; i++) {
      workers.add(launch(Integer.toString(i), 10_000, "work"));
    }
    assertAllWritesUnique(workers);
  }
}
