package io.tokenbroker.benchmarks;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.RefreshToken;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * Opens the stores the benchmarks compare: {@code memory} (the baseline), {@code file}, {@code h2}
 * (an H2 file database) and {@code postgres} (embedded PostgreSQL binaries, as in
 * token-store-jdbc's tests). Files go to a fresh directory under {@code java.io.tmpdir}, on disk,
 * and are deleted on {@link #close()}.
 */
final class Stores implements AutoCloseable {
  static final Provider PROVIDER =
      Provider.builder("bench")
          .tokenEndpoint(URI.create("https://login.bench.example/oauth/token"))
          .build();
  static final ClientRegistration REGISTRATION =
      ClientRegistration.of(PROVIDER, "bench-client", ClientSecret.of("bench-secret-0123456789"));

  final String kind;
  final TokenStore store;
  private final @Nullable Path directory;
  private final @Nullable EmbeddedPostgres postgres;
  private final @Nullable JdbcConnectionPool pool;

  private Stores(String kind, TokenStore store, @Nullable Path directory) {
    this(kind, store, directory, null, null);
  }

  private Stores(
      String kind,
      TokenStore store,
      @Nullable Path directory,
      @Nullable EmbeddedPostgres postgres,
      @Nullable JdbcConnectionPool pool) {
    this.kind = kind;
    this.store = store;
    this.directory = directory;
    this.postgres = postgres;
    this.pool = pool;
  }

  static Stores open(String kind) {
    try {
      switch (kind) {
        case "memory":
          return new Stores(kind, InMemoryTokenStore.create(), null);
        case "file":
          {
            Path dir = Files.createTempDirectory("tokenbroker-bench-file");
            return new Stores(kind, FileTokenStore.create(dir.resolve("grants")), dir);
          }
        case "h2":
          {
            Path dir = Files.createTempDirectory("tokenbroker-bench-h2");
            return new Stores(kind, JdbcTokenStore.h2File(dir.resolve("tokens")), dir);
          }
        case "postgres":
          {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            // Applications put a connection pool in front of PostgreSQL; without one every store
            // call
            // would open a connection. H2's small pool works over any ConnectionPoolDataSource.
            PGConnectionPoolDataSource source = new PGConnectionPoolDataSource();
            source.setServerNames(new String[] {"127.0.0.1"});
            source.setPortNumbers(new int[] {pg.getPort()});
            source.setDatabaseName("postgres");
            source.setUser("postgres");
            source.setReWriteBatchedInserts(true); // for insertRows
            JdbcConnectionPool pool = JdbcConnectionPool.create(source);
            pool.setMaxConnections(8);
            JdbcTokenStore store = JdbcTokenStore.builder(pool).autoCreate(true).build();
            return new Stores(kind, store, null, pg, pool);
          }
        default:
          throw new IllegalArgumentException("unknown store " + kind);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (store instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    if (pool != null) {
      pool.dispose();
    }
    try {
      if (postgres != null) {
        postgres.close();
      }
      if (directory != null) {
        try (Stream<Path> files = Files.walk(directory)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The grants table's columns, in the order the inserts below fill them. */
  private static final String INSERT_INTO_GRANTS =
      "INSERT INTO tokenbroker_grants (grant_key, version, sealed, expires_at, lease_owner,"
          + " lease_expires_at, lease_fence, created_at, updated_at) ";

  /**
   * Writes {@code count} grants with {@code sealed} straight into PostgreSQL's table in one {@code
   * INSERT … SELECT generate_series} (keys as {@link PagedScan#key}), then {@code ANALYZE}: the
   * rows the store would write, made in seconds. Only for {@code postgres}.
   */
  void bulkInsert(int count, byte[] sealed) {
    long now = System.currentTimeMillis();
    try (Connection connection = postgresPool().getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                INSERT_INTO_GRANTS
                    + "SELECT 'bench/grant-' || lpad(i::text, 7, '0'), 1, ?, ?, NULL, NULL, 1,"
                    + " ?, ? FROM generate_series(0, ? - 1) AS i")) {
      insert.setBytes(1, sealed);
      insert.setLong(2, now + Duration.ofHours(8).toMillis());
      insert.setLong(3, now);
      insert.setLong(4, now);
      insert.setInt(5, count);
      insert.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    vacuumAnalyze();
  }

  /**
   * Writes {@code grants} (new keys, version 1) straight into PostgreSQL's table in batched {@code
   * INSERT}s: the rows the store would write for them, without a lease round trip each. Only for
   * {@code postgres}; call {@link #vacuumAnalyze()} after the last batch.
   */
  void insertRows(List<StoredGrant> grants) {
    long now = System.currentTimeMillis();
    try (Connection connection = postgresPool().getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                INSERT_INTO_GRANTS + "VALUES (?, 1, ?, ?, NULL, NULL, 1, ?, ?)")) {
      for (StoredGrant grant : grants) {
        insert.setString(1, grant.key().value());
        insert.setBytes(2, grant.sealed());
        Instant expiresAt = grant.expiresAt();
        if (expiresAt == null) {
          insert.setNull(3, Types.BIGINT);
        } else {
          insert.setLong(3, expiresAt.toEpochMilli());
        }
        insert.setLong(4, now);
        insert.setLong(5, now);
        insert.addBatch();
      }
      insert.executeBatch();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code VACUUM ANALYZE} of the grants table after a bulk write, as autovacuum would do later.
   */
  void vacuumAnalyze() {
    try (Connection connection = postgresPool().getConnection();
        Statement analyze = connection.createStatement()) {
      analyze.execute("VACUUM ANALYZE tokenbroker_grants");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private JdbcConnectionPool postgresPool() {
    if (pool == null) {
      throw new IllegalStateException("bulk writes are for postgres only");
    }
    return pool;
  }

  /**
   * A realistic sealed entry: a grant record with a 1-hour token and a refresh token, sealed by a
   * broker exactly as it would be stored.
   */
  static byte[] realisticSealedEntry() {
    InMemoryTokenStore memory = InMemoryTokenStore.create();
    GrantKey key = GrantKey.of("bench/sample");
    try (TokenBroker broker = TokenBroker.builder().store(memory).build()) {
      broker.register(key, REGISTRATION, GrantType.AUTHORIZATION_CODE);
      broker.saveTokens(key, tokenSet(Instant.now(), Duration.ofHours(1)));
    }
    return memory.load(key).orElseThrow().sealed();
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A token set shaped like a real provider's: opaque 43-character tokens, two scopes. */
  static TokenSet tokenSet(Instant issuedAt, Duration lifetime) {
    return new TokenSet(
        AccessToken.of(randomToken()),
        "Bearer",
        issuedAt,
        issuedAt.plus(lifetime),
        RefreshToken.of(randomToken()),
        null,
        Set.of("read", "write"));
  }

  static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Writes {@code grants} as new entries through the store's leases and compare-and-set, 8 threads
   * of {@code writers}, as brokers would.
   */
  static void writeThroughLeases(
      TokenStore store, List<StoredGrant> grants, ExecutorService writers) throws Exception {
    List<Future<?>> done = new ArrayList<>();
    int slice = (grants.size() + 7) / 8;
    for (int w = 0; w < 8; w++) {
      List<StoredGrant> part =
          grants.subList(
              Math.min(grants.size(), w * slice), Math.min(grants.size(), (w + 1) * slice));
      done.add(
          writers.submit(
              () -> {
                for (StoredGrant grant : part) {
                  try (TokenStore.Lease lease =
                      store.tryAcquireLease(grant.key(), Duration.ofMinutes(1)).orElseThrow()) {
                    store.compareAndSet(lease, 0, grant.sealed(), grant.expiresAt()).orElseThrow();
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
  }
}
