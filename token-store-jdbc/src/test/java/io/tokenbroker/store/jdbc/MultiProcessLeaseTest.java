package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.testkit.StoreWrites;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVM processes share one PostgreSQL table: the lease lets exactly one of them write at a
 * time, so no compare-and-set ever conflicts; a holder killed with SIGKILL only delays the others
 * until its lease runs out.
 */
class MultiProcessLeaseTest {
  private static final int WORKERS = 4;
  private static final int TARGET = 120;

  @TempDir Path directory;
  private final List<Process> processes = new ArrayList<>();
  private final String table = "multi_process_" + System.nanoTime();
  private final GrantKey key = GrantKey.of("acme/shared-grant");

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
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

  private Process launch(String name, long ttlMillis, String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
            java,
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            LeaseWorker.class.getName(),
            jdbcUrl(),
            table,
            key.value(),
            Integer.toString(TARGET),
            Long.toString(ttlMillis),
            mode);
    builder.redirectError(directory.resolve(name + ".err").toFile());
    if (!mode.equals("hold")) {
      builder.redirectOutput(directory.resolve(name + ".out").toFile());
    }
    Process process = builder.start();
    processes.add(process);
    return process;
  }

  /** Waits for the workers, then checks every counter value was written exactly once, without conflicts. */
  private void assertAllWritesUnique(List<Process> workers) throws Exception {
    Set<Integer> written = new HashSet<>();
    int totalWrites = 0;
    for (int i = 0; i < workers.size(); i++) {
      Process worker = workers.get(i);
      assertTrue(worker.waitFor(90, TimeUnit.SECONDS), "worker " + i + " did not finish");
      assertEquals(
          0,
          worker.exitValue(),
          () -> "worker failed: " + read(directory.resolve(workers.indexOf(worker) + ".err")));
      List<String> lines = Files.readAllLines(directory.resolve(i + ".out"));
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

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  @Test
  void fourProcessesTakeTurnsWithoutAConflict() throws Exception {
    seed();
    List<Process> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      workers.add(launch(Integer.toString(i), 10_000, "work"));
    }
    assertAllWritesUnique(workers);
  }

  @Test
  void aHolderKilledWithSigkillOnlyDelaysTheOthers() throws Exception {
    seed();
    Process holder = launch("holder", 1_500, "hold");
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8))) {
      String line = out.readLine();
      assertEquals("HOLDING " + key, line, () -> read(directory.resolve("holder.err")));
    }
    String owner = leaseOwner();
    assertTrue(owner.startsWith("pid-" + holder.pid() + ":"), owner);

    holder.destroyForcibly(); // SIGKILL: no close, no shutdown hooks
    assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
    assertEquals(owner, leaseOwner(), "the dead holder's lease is still in the row");

    List<Process> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS - 1; i++) {
      workers.add(launch(Integer.toString(i), 10_000, "work"));
    }
    assertAllWritesUnique(workers);
  }
}
