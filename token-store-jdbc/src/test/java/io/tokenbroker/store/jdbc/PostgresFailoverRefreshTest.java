package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshLoop;
import io.tokenbroker.testkit.RefreshRotation;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The scenario of issue 12, on a real PostgreSQL: three processes refresh one authorization-code
 * grant in a loop (as {@code tokenbroker refresh} in a shell loop would) against an authorization
 * server that revokes the whole grant when a spent refresh token is presented again, while the
 * database turns read-only ({@code ALTER SYSTEM SET default_transaction_read_only} and {@code
 * pg_reload_conf()}, as a primary does around a failover) every other half second, and restarts
 * once. The grant stays alive, no refresh token is presented twice, no process
 * exits with tokens the store never took, and at least 20 refreshes succeed.
 */
class PostgresFailoverRefreshTest {
  private static final String CLIENT_ID = "failover-client";
  private static final String SECRET = "failover-secret-7c1d02";
  private static final GrantKey KEY = GrantKey.of("fake/failover-user");
  private static final int CHILDREN = 3;
  private static final Duration RUN = Duration.ofSeconds(40);
  private static final String TABLE = "failover_grants";

  @TempDir Path directory;
  private EmbeddedPostgres database;
  private int port;
  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    children.forEach(Process::destroyForcibly);
    if (database != null) {
      database.close();
    }
  }

  private void startDatabase() throws IOException {
    database =
        EmbeddedPostgres.builder()
            .setDataDirectory(directory.resolve("pg"))
            .setCleanDataDirectory(false)
            .setPort(port)
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
  void threeProcessesKeepAStrictRotationGrantAliveThroughReadOnlyFlipsAndARestart()
      throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    startDatabase();
    JdbcTokenStore.builder(dataSource()).table(TABLE).autoCreate(true).build();
    Path keysetFile = directory.resolve("keyset.json");
    Keysets.loadOrCreate(keysetFile);

    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start()) {
      server.registerClient(CLIENT_ID, SECRET);
      Provider provider =
          Provider.builder("fake")
              .authorizationEndpoint(server.authorizationEndpoint())
              .tokenEndpoint(server.tokenEndpoint())
              .build();
      ClientRegistration registration =
          ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
      try (TokenBroker broker = broker(keysetFile)) {
        broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        AuthorizationRequest request =
            broker.authorizationRequest(KEY, URI.create("https://app.example/cb"));
        HttpResponse<String> redirect =
            HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(request.uri()).build(), HttpResponse.BodyHandlers.ofString());
        request.complete(URI.create(redirect.headers().firstValue("Location").orElseThrow()));
      }

      List<BufferedReader> outputs = new ArrayList<>();
      for (int i = 0; i < CHILDREN; i++) {
        Process child = launch(i, keysetFile, server);
        children.add(child);
        outputs.add(new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8)));
      }
      for (BufferedReader out : outputs) {
        assertEquals("READY", readLine(out, Duration.ofSeconds(60)));
      }
      for (Process child : children) {
        child.getOutputStream().write("GO\n".getBytes(UTF_8));
        child.getOutputStream().flush();
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

      int refreshed = 0;
      int writeFailures = 0;
      int readOnlyRefusals = 0;
      for (int i = 0; i < CHILDREN; i++) {
        String done = readLine(outputs.get(i), Duration.ofSeconds(90));
        String errors = Files.readString(directory.resolve(i + ".err"));
        System.out.println("child " + i + ": " + done);
        summarize(errors);
        assertNotNull(done, "child " + i + " ended without a result: " + errors);
        RefreshLoop.Result result = RefreshLoop.Result.parse(done);
        assertEquals(0, result.dead(), "child " + i + " found the grant dead: " + errors);
        assertEquals(0, result.abandoned(), "child " + i + " ended with unwritten tokens: " + errors);
        refreshed += result.refreshed();
        writeFailures += result.writeFailures();
        readOnlyRefusals += (int) errors.lines().filter(line -> line.contains("SQLState 25006")).count();
        assertTrue(children.get(i).waitFor(30, TimeUnit.SECONDS));
      }

      assertTrue(restarted);
      // The store rides out most read-only windows with its own retries, and the broker holds new
      // tokens through the rest (writeFailures); either way the refusals reached the children.
      assertTrue(readOnlyRefusals > 0, "the children never met the read-only database");
      assertEquals(0, server.invalidGrantCount(), "a refresh token was presented twice");
      assertTrue(server.isGrantAlive(server.lastRefreshToken()), "the grant was revoked");
      // A refresh that found newer tokens in the store returns them without a token request; the
      // rotations are counted at the server (all succeeded: no invalid_grant).
      int rotations = server.tokenRequestCount("refresh_token");
      assertTrue(rotations >= 20, "only " + rotations + " refreshes succeeded (" + refreshed + " returned)");
      // The store holds the newest refresh token: a new process refreshes with it.
      try (TokenBroker broker = broker(keysetFile)) {
        broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        assertEquals(server.lastRefreshToken(), broker.tokens(KEY).refreshToken().revealValue());
        assertNotNull(broker.forceRefresh(KEY));
      }
      assertEquals(0, server.invalidGrantCount());
      System.out.printf(
          "failover: %d rotations, %d refreshes returned, %d read-only refusals, %d failed writes"
              + " retried, by %d processes in %d s%n",
          rotations, refreshed, readOnlyRefusals, writeFailures, CHILDREN, RUN.toSeconds());
    }
  }

  /** Each distinct failure a child reported, with how often. */
  private static void summarize(String errors) {
    Map<String, Long> lines =
        errors
            .lines()
            .filter(line -> line.matches("(failed|dead|exiting).*"))
            .collect(Collectors.groupingBy(line -> line, TreeMap::new, Collectors.counting()));
    lines.forEach((line, n) -> System.out.println("  " + n + " x " + line));
  }

  private TokenBroker broker(Path keysetFile) {
    return TokenBroker.builder()
        .store(JdbcTokenStore.builder(dataSource()).table(TABLE).build())
        .keyset(Keysets.fromFile(keysetFile))
        .build();
  }

  private Process launch(int index, Path keysetFile, FakeAuthorizationServer server)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx128m",
            "-cp",
            System.getProperty("java.class.path"),
            RefreshLoopWorker.class.getName(),
            "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres",
            TABLE,
            keysetFile.toString(),
            KEY.value(),
            server.tokenEndpoint().toString(),
            CLIENT_ID,
            Long.toString(RUN.toMillis()));
    builder.environment().put(BrokerWorker.SECRET_VARIABLE, SECRET);
    builder.redirectError(directory.resolve(index + ".err").toFile());
    return builder.start();
  }

  private static String readLine(BufferedReader reader, Duration timeout) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return reader.readLine();
              } catch (IOException e) {
                return null;
              }
            })
        .get(timeout.toSeconds(), TimeUnit.SECONDS);
  }
}
