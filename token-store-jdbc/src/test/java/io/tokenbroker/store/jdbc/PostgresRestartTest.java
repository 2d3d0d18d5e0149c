package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.testkit.FakeClock;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** The database goes away and comes back on the same data directory and port. */
class PostgresRestartTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final GrantKey KEY = GrantKey.of("acme/restart");

  @TempDir Path dataDirectory;
  private EmbeddedPostgres server;
  private int port;

  private EmbeddedPostgres startServer() throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        .setPort(port)
        .start();
  }

  /**
   * Starts the server on a port found free, trying another if that port was taken before the server
   * bound it (the probe is closed first, so another process may win the race). The restart below
   * reuses the port: binding the same port again is what the test is about.
   */
  private EmbeddedPostgres startOnAFreePort() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try (ServerSocket probe = new ServerSocket(0)) {
        port = probe.getLocalPort();
      }
      try {
        return startServer();
      } catch (IOException | IllegalStateException e) {
        last = e instanceof IOException io ? io : new IOException(e);
      }
    }
    throw last;
  }

  @AfterEach
  void stopServer() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  private static byte[] bytes(String sealed) {
    return sealed.getBytes(UTF_8);
  }

  @Test
  void unavailableWhileDownAndWorkingAfterRestart() throws Exception {
    server = startOnAFreePort();
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setServerNames(new String[] {"127.0.0.1"});
    dataSource.setPortNumbers(new int[] {port});
    dataSource.setDatabaseName("postgres");
    dataSource.setUser("postgres");
    dataSource.setConnectTimeout(5);
    FakeClock clock = FakeClock.create();
    JdbcTokenStore store =
        JdbcTokenStore.builder(dataSource)
            .autoCreate(true)
            .clock(clock)
            .retries(3, Duration.ofMillis(10))
            .build();
    Lease lease = store.tryAcquireLease(KEY, TTL).orElseThrow();
    assertEquals(1, store.compareAndSet(lease, 0, bytes("before"), null).orElseThrow());

    server.close();
    server = null;

    for (Runnable call :
        new Runnable[] {
          () -> store.load(KEY),
          () -> store.compareAndSet(lease, 1, bytes("while-down"), null),
          () -> store.tryAcquireLease(KEY, TTL),
          store::list
        }) {
      TokenStoreException e = assertThrows(TokenStoreException.class, call::run);
      assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
      assertTrue(e.isTransient());
      assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
    }
    lease.close(); // cannot reach the database: logged, the lease runs out by itself

    // A store built while the database is down starts anyway and checks on first use.
    JdbcTokenStore late = JdbcTokenStore.builder(dataSource).clock(clock).build();

    server = startServer();
    assertEquals("before", new String(store.load(KEY).orElseThrow().sealed(), UTF_8));
    assertEquals(Optional.empty(), late.tryAcquireLease(KEY, TTL), "the old lease is still there");
    clock.advance(TTL);
    try (Lease next = late.tryAcquireLease(KEY, TTL).orElseThrow()) {
      assertTrue(next.fence() > lease.fence());
      assertEquals(2, late.compareAndSet(next, 1, bytes("after"), null).orElseThrow());
    }
    assertEquals(2, store.load(KEY).orElseThrow().version());
  }
}
