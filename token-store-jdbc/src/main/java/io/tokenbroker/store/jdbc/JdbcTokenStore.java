package io.tokenbroker.store.jdbc;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} in one SQL table, for many application instances sharing one database:
 * PostgreSQL, H2 (the embedded default), MySQL/MariaDB and SQLite, over any {@link DataSource}.
 *
 * <pre>{@code
 * TokenStore store = JdbcTokenStore.create(dataSource);             // table tokenbroker_grants
 * TokenStore store = JdbcTokenStore.builder(dataSource)
 *     .schema("auth").table("oauth_grants").autoCreate(true).build();
 * JdbcTokenStore local = JdbcTokenStore.h2File(Path.of("tokens"));  // tokens.mv.db
 * }</pre>
 *
 * <h2>Storage</h2>
 *
 * <p>One row per grant: key, version, sealed bytes, the access token's expiry (epoch milliseconds,
 * for housekeeping), lease owner, lease expiry and lease fencing number, creation and update times.
 * A row without sealed bytes is an absent grant: a key only leased so far (version 0), or a deleted
 * grant, whose row stays as a tombstone keeping its last version and fence, so neither ever
 * repeats. (Tombstone rows are a few dozen bytes; delete them only while no instance runs.) The DDL
 * for each engine ships as a resource ({@code io/tokenbroker/store/jdbc/postgresql.sql}, {@code
 * h2.sql}, {@code mysql.sql}, {@code sqlite.sql}) and is printed in the module README. The engine
 * is told from {@link java.sql.DatabaseMetaData#getDatabaseProductName()}. With {@link
 * Builder#autoCreate(boolean) auto-create} (on by default for the embedded engines H2 and SQLite,
 * off for server databases, where a DBA usually owns the schema) the table is created if missing.
 * The schema itself must exist.
 *
 * <p>Pending consents ({@link #savePendingConsent}) live in a second table, {@code
 * tokenbroker_pending_consents} ({@link Builder#pendingConsentTable}), whose DDL ships alongside
 * ({@code postgresql-pending-consents.sql}, …) and which auto-create makes too. {@link #loadPage}
 * reads a page of grants in one query.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Every call runs in auto-commit mode, one short statement at a time; no connection or
 *       transaction is held between calls, in particular not while a lease is held.
 *   <li><b>Fenced writes.</b> {@link #compareAndSet} is one {@code UPDATE … WHERE grant_key = ? AND
 *       version = ? AND lease_owner = ? AND lease_fence = ? AND lease_expires_at > ?}: it writes
 *       only while the caller's lease holds, in the same statement, so a writer whose lease ran out
 *       can never overwrite what the next holder wrote, and of concurrent writers exactly one wins.
 *       {@link #delete} is fenced the same way. The new version is {@code version + 1}, computed by
 *       the database; a deleted grant's row keeps its version, so versions never repeat.
 *   <li><b>Leases</b> are columns of the grant's row, taken with one conditional {@code UPDATE}
 *       that also increments {@code lease_fence}, the lease's fencing number; for a key with no row
 *       yet a lease-only row (version 0, no sealed bytes) is inserted, which {@link #load} and
 *       {@link #list} treat as absent. A lease left by a crashed process is taken over once it
 *       expires. Expiry is judged by the injected {@link Clock} of each process, so keep the clocks
 *       of the instances in sync and leases much longer than their skew.
 *   <li><b>Failures, by what to do</b> (see the module README for the table). Failures that may
 *       pass (lost connection, a server restarting or shutting down, a read-only transaction as
 *       around a failover, serialization failure, deadlock, lock or statement timeout, out of
 *       resources) are retried a bounded number of times with a short backoff; a write whose
 *       outcome was lost with the connection is recognised on retry, so it is reported as written,
 *       never as lost. What still fails becomes a {@link TokenStoreException}: {@link
 *       Kind#MISCONFIGURED} only where the setup is certainly wrong (no such table or column, a
 *       missing privilege, bad credentials, no such database), with a message naming which; {@link
 *       Kind#LEASE_LOST} for a write whose lease no longer holds; {@link Kind#CORRUPT} for a row
 *       that breaks the schema's rules; {@link Kind#UNAVAILABLE} for everything else (retries
 *       exhausted, or a failure not certainly permanent). Every message carries the SQLSTATE,
 *       vendor code and driver message, and never a sealed byte.
 * </ul>
 *
 * <p>Grant keys are stored as text (UTF-8 bytes on MySQL/MariaDB); keys with an unpaired surrogate
 * character are rejected with {@link IllegalArgumentException}, because the database would silently
 * change them.
 *
 * <p>Thread-safe. The table and connection are checked when the store is built; if the database is
 * unreachable then, the check is repeated on first use, so an application can start while its
 * database is down.
 */
public final class JdbcTokenStore implements TokenStore, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final Pattern CONSENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final int MAX_LEASE_OWNER_LENGTH = 80;

  /** Rounds of insert-or-update before concurrent inserts and deletes count as unavailability. */
  private static final int MAX_ROUNDS = 10;

  private final String qualifiedTable;
  private final String qualifiedPendingTable;
  private final @Nullable Boolean autoCreate;
  private final Clock clock;
  private final String leaseOwner;
  private final @Nullable JdbcConnectionPool ownedPool;
  private final Statements sql;
  private final StatementRunner runner;
  private final StatementRunner pendingRunner;
  private final Object initLock = new Object();
  private volatile @Nullable Dialect dialect;

  private JdbcTokenStore(Builder builder, @Nullable JdbcConnectionPool ownedPool) {
    this.qualifiedTable =
        builder.schema == null ? builder.table : builder.schema + "." + builder.table;
    this.qualifiedPendingTable =
        builder.schema == null ? builder.pendingTable : builder.schema + "." + builder.pendingTable;
    this.autoCreate = builder.autoCreate;
    this.clock = builder.clock;
    this.leaseOwner = builder.leaseOwner;
    this.ownedPool = ownedPool;
    this.sql = new Statements(qualifiedTable, qualifiedPendingTable);
    this.runner =
        new StatementRunner(
            builder.dataSource, qualifiedTable, builder.maxAttempts, builder.retryBackoff);
    this.pendingRunner = runner.forPendingConsents(qualifiedPendingTable);
  }

  /**
   * A store in table {@code tokenbroker_grants} of {@code dataSource}'s default schema, with the
   * defaults of {@link Builder}.
   *
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the table is missing (and not
   *     auto-created) or unusable
   */
  public static JdbcTokenStore create(DataSource dataSource) {
    return builder(dataSource).build();
  }

  /** Starts configuring a store over {@code dataSource}. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /**
   * The embedded default: a store in the H2 database file {@code file} ({@code .mv.db} is added
   * unless given), created with its table if missing, readable by the owner only. H2 locks the file
   * while it is open, so only one process uses it at a time; share tokens between processes through
   * a server database. {@link #close()} closes the database.
   *
   * @throws IllegalArgumentException if the path contains {@code ;}
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the directory cannot be created,
   *     {@link Kind#UNAVAILABLE} if the file cannot be opened (for instance because another process
   *     has it open)
   */
  public static JdbcTokenStore h2File(Path file) {
    requireNonNull(file, "file == null");
    String name = file.toAbsolutePath().normalize().toString();
    if (name.endsWith(".mv.db")) {
      name = name.substring(0, name.length() - ".mv.db".length());
    }
    if (name.indexOf(';') >= 0) {
      throw new IllegalArgumentException("H2 file path must not contain ';': " + name);
    }
    Path dbFile = Path.of(name + ".mv.db");
    try {
      Path parent = dbFile.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new TokenStoreException(
          "cannot create the directory of the H2 token database " + dbFile,
          Kind.MISCONFIGURED,
          null,
          e);
    }
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:file:" + name, "sa", "");
    JdbcTokenStore store;
    try {
      store = new JdbcTokenStore(builder(pool).autoCreate(true), pool);
      store.initialize(false);
    } catch (RuntimeException e) {
      pool.dispose();
      throw e;
    }
    try {
      Files.setPosixFilePermissions(dbFile, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      LOG.log(Level.DEBUG, "cannot restrict the permissions of {0}: {1}", dbFile, e.toString());
    }
    return store;
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    checkKey(key);
    return run(
        "load",
        key,
        (connection, dialect, attempt) -> {
          try (PreparedStatement statement = connection.prepareStatement(sql.load)) {
            dialect.bindKey(statement, 1, key.value());
            try (ResultSet rows = statement.executeQuery()) {
              return rows.next() ? Optional.of(grantFrom(key, rows)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    JdbcLease mine = own(lease);
    requireNonNull(sealed, "sealed == null");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expectedVersion < 0: " + expectedVersion);
    }
    GrantKey key = mine.key;
    byte[] bytes = sealed.clone();
    return run(
        "write",
        key,
        (connection, dialect, attempt) -> {
          long now = clock.millis();
          try (PreparedStatement update =
              connection.prepareStatement(expectedVersion == 0 ? sql.casCreate : sql.casUpdate)) {
            int i = 1;
            update.setBytes(i++, bytes);
            Statements.setMillis(update, i++, expiresAt);
            update.setLong(i++, now);
            dialect.bindKey(update, i++, key.value());
            if (expectedVersion != 0) {
              update.setLong(i++, expectedVersion);
            }
            update.setString(i++, mine.owner);
            update.setLong(i++, mine.fence);
            update.setLong(i, now);
            if (update.executeUpdate() == 1) {
              return OptionalLong.of(
                  expectedVersion != 0
                      ? expectedVersion + 1
                      : sql.writtenVersion(connection, dialect, key.value()));
            }
          }
          Statements.RowState row = sql.rowState(connection, dialect, key.value());
          if (attempt > 1
              && row != null
              && row.sealed() != null
              && Arrays.equals(row.sealed(), bytes)) {
            return OptionalLong.of(
                row.version()); // an earlier attempt committed before the failure
          }
          requireHolds(mine, row, now, "write");
          return OptionalLong.empty();
        });
  }

  @Override
  public boolean delete(Lease lease) {
    JdbcLease mine = own(lease);
    GrantKey key = mine.key;
    return run(
        "delete",
        key,
        (connection, dialect, attempt) -> {
          long now = clock.millis();
          try (PreparedStatement delete = connection.prepareStatement(sql.delete)) {
            delete.setLong(1, now);
            dialect.bindKey(delete, 2, key.value());
            delete.setString(3, mine.owner);
            delete.setLong(4, mine.fence);
            delete.setLong(5, now);
            if (delete.executeUpdate() == 1) {
              return true;
            }
          }
          requireHolds(mine, sql.rowState(connection, dialect, key.value()), now, "delete");
          return false; // nothing there (or an earlier attempt deleted it before the failure)
        });
  }

  private void requireHolds(
      JdbcLease lease, Statements.@Nullable RowState row, long now, String operation) {
    if (row == null
        || !lease.owner.equals(row.owner())
        || row.fence() != lease.fence
        || row.expiresAt() <= now) {
      throw new TokenStoreException(
          "JDBC token store: cannot "
              + operation
              + runner.describeTarget(lease.key)
              + ": its lease (fence "
              + lease.fence
              + ") was closed, ran out or was taken over; nothing was written",
          Kind.LEASE_LOST,
          lease.key,
          null);
    }
  }

  private JdbcLease own(Lease lease) {
    requireNonNull(lease, "lease == null");
    if (!(lease instanceof JdbcLease mine) || !mine.table.equals(qualifiedTable)) {
      throw new IllegalArgumentException(
          "the lease is not from a JDBC token store over " + qualifiedTable + ": " + lease);
    }
    return mine;
  }

  @Override
  public List<GrantKey> list() {
    return run(
        "list",
        null,
        (connection, dialect, attempt) -> {
          List<GrantKey> keys = new ArrayList<>();
          try (PreparedStatement statement = connection.prepareStatement(sql.list);
              ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              keys.add(keyFrom(dialect.readKey(rows, 1)));
            }
          }
          return List.copyOf(keys);
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One query per page, a range scan of the primary key: {@code WHERE grant_key >= prefix AND
   * grant_key < (prefix with its last character incremented) AND sealed IS NOT NULL ORDER BY
   * grant_key LIMIT limit + 1} (on PostgreSQL {@code COLLATE "C"}, served by the index of a table
   * made with the shipped DDL; see the README for older tables). Tombstones and lease-only rows are
   * left out. Keys are ordered by code point on PostgreSQL, MySQL/MariaDB and SQLite, as {@link
   * GrantKey#compareTo} (UTF-16) on H2: the orders differ only between characters above U+FFFF and
   * characters U+E000 to U+FFFF. Paging is complete and without repeats either way.
   */
  @Override
  public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    requireNonNull(keyPrefix, "keyPrefix == null");
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    if (after != null) {
      checkKey(after);
    }
    String prefix = keyPrefix;
    boolean dangling =
        !prefix.isEmpty() && Character.isHighSurrogate(prefix.charAt(prefix.length() - 1));
    String bindable = dangling ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (!isKeyText(bindable)) {
      return new GrantPage(List.of(), null); // no key has control characters or lone surrogates
    }
    boolean fromAfter = after != null && after.value().compareTo(prefix) >= 0;
    String lower = fromAfter && after != null ? after.value() : bindable;
    String upper = dangling ? null : upperBound(prefix);
    int rows = limit == Integer.MAX_VALUE ? limit : limit + 1;
    return run(
        "read a page of",
        null,
        (connection, dialect, attempt) -> {
          List<StoredGrant> page = new ArrayList<>();
          try (PreparedStatement statement =
              connection.prepareStatement(sql.page(dialect, !fromAfter, upper != null, rows))) {
            dialect.bindKey(statement, 1, lower);
            if (upper != null) {
              dialect.bindKey(statement, 2, upper);
            }
            try (ResultSet result = statement.executeQuery()) {
              while (result.next()) {
                GrantKey key = keyFrom(dialect.readKey(result, 4));
                if (!key.value().startsWith(prefix)) {
                  break; // past the keys with the prefix, which are contiguous in key order
                }
                if (page.size() == limit) {
                  return new GrantPage(page, page.get(limit - 1).key());
                }
                page.add(grantFrom(key, result));
              }
            }
          }
          return new GrantPage(page, null);
        });
  }

  /**
   * The least string above every string starting with {@code prefix}, in both code point and UTF-16
   * order; null where none is cheap to make (empty prefix, or a last character at a surrogate or
   * the end of the BMP: the query then has no upper bound and stops at the first key without the
   * prefix).
   */
  private static @Nullable String upperBound(String prefix) {
    if (prefix.isEmpty()) {
      return null;
    }
    char last = prefix.charAt(prefix.length() - 1);
    if ((last >= 0xD7FF && last < 0xE000) || last >= 0xFFFD) {
      return null;
    }
    return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
  }

  /** Whether {@code text} can be part of a key: no control characters, no lone surrogates. */
  private static boolean isKeyText(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private GrantKey keyFrom(String value) {
    try {
      return GrantKey.of(value);
    } catch (IllegalArgumentException e) {
      throw new TokenStoreException(
          "JDBC token store: table " + qualifiedTable + " holds an invalid grant key",
          Kind.CORRUPT,
          null,
          e);
    }
  }

  // --- pending consents ---------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * <p>In table {@code tokenbroker_pending_consents} (see {@link Builder#pendingConsentTable}),
   * created with the grants table when auto-create is on; otherwise create it with the shipped DDL.
   * An update, or an insert where there was no row.
   *
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the table is missing
   */
  @Override
  @SuppressWarnings(
      "NullAway") // the Work<Void> returns null: NullAway reads it as T without JSpecify mode
  public void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    checkConsentId(id);
    requireNonNull(sealed, "sealed == null");
    requireNonNull(expiresAt, "expiresAt == null");
    byte[] bytes = sealed.clone();
    pendingRunner.run(
        "save a pending consent in",
        null,
        ready(),
        (connection, dialect, attempt) -> {
          long now = clock.millis();
          for (int round = 0; round < MAX_ROUNDS; round++) {
            try (PreparedStatement update = connection.prepareStatement(sql.pendingUpdate)) {
              update.setBytes(1, bytes);
              Statements.setMillis(update, 2, expiresAt);
              update.setLong(3, now);
              update.setString(4, id);
              if (update.executeUpdate() == 1) {
                return null;
              }
            }
            try (PreparedStatement insert = connection.prepareStatement(sql.pendingInsert)) {
              insert.setString(1, id);
              insert.setBytes(2, bytes);
              Statements.setMillis(insert, 3, expiresAt);
              insert.setLong(4, now);
              insert.executeUpdate();
              return null;
            } catch (SQLException e) {
              if (!SqlErrors.isDuplicateKey(e, dialect)) {
                throw e;
              }
            }
          }
          throw new SQLException(
              "the pending consent row kept appearing and disappearing", "40001");
        });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One statement that deletes the row and returns what it deleted ({@code DELETE … RETURNING}
   * on PostgreSQL, {@code SELECT … FROM OLD TABLE (DELETE …)} on H2); elsewhere a read, then a
   * delete of exactly the row read, which only one caller can win.
   */
  @Override
  public Optional<byte[]> takePendingConsent(String id, Instant now) {
    requireNonNull(id, "id == null");
    requireNonNull(now, "now == null");
    if (!CONSENT_ID.matcher(id).matches()) {
      return Optional.empty();
    }
    Pending taken =
        pendingRunner
            .run(
                "take a pending consent from",
                null,
                ready(),
                (connection, dialect, attempt) ->
                    Optional.ofNullable(take(connection, dialect, id)))
            .orElse(null);
    if (taken == null || taken.expiresAt() <= Statements.millis(now)) {
      return Optional.empty();
    }
    return Optional.of(taken.sealed());
  }

  private record Pending(byte[] sealed, long expiresAt) {}

  private @Nullable Pending take(java.sql.Connection connection, Dialect dialect, String id)
      throws SQLException {
    if (dialect == Dialect.POSTGRESQL || dialect == Dialect.H2) {
      try (PreparedStatement delete =
          connection.prepareStatement(
              dialect == Dialect.POSTGRESQL
                  ? sql.pendingDeleteReturning
                  : sql.pendingDeleteOldTable)) {
        delete.setString(1, id);
        try (ResultSet rows = delete.executeQuery()) {
          return rows.next() ? new Pending(rows.getBytes(1), rows.getLong(2)) : null;
        }
      }
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Pending read;
      try (PreparedStatement select = connection.prepareStatement(sql.pendingSelect)) {
        select.setString(1, id);
        try (ResultSet rows = select.executeQuery()) {
          if (!rows.next()) {
            return null;
          }
          read = new Pending(rows.getBytes(1), rows.getLong(2));
        }
      }
      try (PreparedStatement delete = connection.prepareStatement(sql.pendingDeleteSame)) {
        delete.setString(1, id);
        delete.setLong(2, read.expiresAt());
        delete.setBytes(3, read.sealed());
        if (delete.executeUpdate() == 1) {
          return read;
        }
      }
      // Taken or replaced meanwhile: look again.
    }
    throw new SQLException("the pending consent row kept changing under contention", "40001");
  }

  @Override
  public int purgeExpiredPendingConsents(Instant now) {
    requireNonNull(now, "now == null");
    return pendingRunner.run(
        "purge expired pending consents from",
        null,
        ready(),
        (connection, dialect, attempt) -> {
          try (PreparedStatement purge = connection.prepareStatement(sql.pendingPurge)) {
            Statements.setMillis(purge, 1, now);
            return purge.executeUpdate();
          }
        });
  }

  private static void checkConsentId(String id) {
    requireNonNull(id, "id == null");
    if (!CONSENT_ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "pending consent id must be 1 to 128 letters, digits, '-' or '_'");
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Holds no connection while the lease is held. Closing the lease releases it if this lease
   * still owns it; if the database cannot be reached then, the failure is logged and the lease runs
   * out by itself.
   *
   * @throws IllegalArgumentException if {@code ttl} is negative
   */
  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    checkKey(key);
    requireNonNull(ttl, "ttl == null");
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl < 0: " + ttl);
    }
    String owner = leaseOwner + ":" + UUID.randomUUID();
    long now = clock.millis();
    long until = saturatedAdd(now, saturatedMillis(ttl));
    return run(
        "take the lease on",
        key,
        (connection, dialect, attempt) -> {
          for (int round = 0; round < MAX_ROUNDS; round++) {
            // The same owner again: an earlier attempt took it before its connection broke.
            try (PreparedStatement take = connection.prepareStatement(sql.takeLease)) {
              take.setString(1, owner);
              take.setLong(2, until);
              dialect.bindKey(take, 3, key.value());
              take.setLong(4, now);
              take.setString(5, owner);
              if (take.executeUpdate() == 1) {
                return Optional.of(
                    lease(key, owner, sql.fenceOf(connection, dialect, key.value(), owner), until));
              }
            }
            if (sql.currentVersion(connection, dialect, key.value()) != null) {
              return Optional.empty(); // the row is there and someone holds an unexpired lease
            }
            try (PreparedStatement insert = connection.prepareStatement(sql.insertLeaseRow)) {
              dialect.bindKey(insert, 1, key.value());
              insert.setString(2, owner);
              insert.setLong(3, until);
              insert.setLong(4, now);
              insert.setLong(5, now);
              insert.executeUpdate();
              return Optional.of(lease(key, owner, 1, until));
            } catch (SQLException e) {
              if (!SqlErrors.isDuplicateKey(e, dialect)) {
                throw e;
              }
            }
          }
          throw contention("take the lease on", key);
        });
  }

  private JdbcLease lease(GrantKey key, String owner, long fence, long until) {
    return new JdbcLease(qualifiedTable, key, owner, fence, until, sql, this::run);
  }

  /**
   * Closes the H2 database opened by {@link #h2File}; does nothing for a store over a {@link
   * DataSource} you supplied, which stays yours to close.
   */
  @Override
  public void close() {
    if (ownedPool != null) {
      ownedPool.dispose();
    }
  }

  @Override
  public String toString() {
    Dialect current = dialect;
    return "JdbcTokenStore["
        + (current == null
            ? "not connected yet"
            : current.name().toLowerCase(java.util.Locale.ROOT))
        + ", table="
        + qualifiedTable
        + "]";
  }

  // --- initialization -----------------------------------------------------------------------

  private Dialect ready() {
    Dialect current = dialect;
    if (current != null) {
      return current;
    }
    synchronized (initLock) {
      current = dialect;
      if (current == null) {
        current = Schema.prepare(runner, sql, qualifiedTable, qualifiedPendingTable, autoCreate);
        dialect = current;
      }
      return current;
    }
  }

  /**
   * Checks the table now; with {@code deferUnavailable}, a database that cannot be reached is left
   * for the first call.
   */
  private void initialize(boolean deferUnavailable) {
    try {
      ready();
    } catch (TokenStoreException e) {
      if (!deferUnavailable
          || !(e.getCause() instanceof SQLException cause)
          || !SqlErrors.isTransient(cause, Dialect.OTHER)) {
        throw e;
      }
      LOG.log(
          Level.WARNING,
          "JDBC token store: database not reachable yet, will check table {0} on first use: {1}",
          qualifiedTable,
          e.getMessage());
    }
  }

  // --- statement execution ------------------------------------------------------------------

  private <T> T run(String operation, @Nullable GrantKey key, StatementRunner.Work<T> work) {
    return runner.run(operation, key, ready(), work);
  }

  private TokenStoreException contention(String operation, GrantKey key) {
    return new TokenStoreException(
        "JDBC token store: could not "
            + operation
            + runner.describeTarget(key)
            + ": the row kept appearing and disappearing under heavy contention",
        Kind.UNAVAILABLE,
        key,
        null);
  }

  // --- helpers ------------------------------------------------------------------------------

  private StoredGrant grantFrom(GrantKey key, ResultSet rows) throws SQLException {
    long version = rows.getLong(1);
    byte[] sealed = rows.getBytes(2);
    long expiresMillis = rows.getLong(3);
    Instant expiresAt = rows.wasNull() ? null : Instant.ofEpochMilli(expiresMillis);
    if (version < 0) {
      throw new TokenStoreException(
          "JDBC token store: grant '"
              + key
              + "' in "
              + qualifiedTable
              + " has the invalid version "
              + version
              + "; the row is kept for inspection",
          Kind.CORRUPT,
          key,
          null);
    }
    if (version < 1 || sealed == null) {
      throw new TokenStoreException(
          "JDBC token store: grant '"
              + key
              + "' in "
              + qualifiedTable
              + " has sealed bytes but the invalid version "
              + version
              + "; the row is kept for inspection",
          Kind.CORRUPT,
          key,
          null);
    }
    return new StoredGrant(key, version, sealed, expiresAt);
  }

  private static long saturatedMillis(Duration duration) {
    try {
      return duration.toMillis();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  private static void checkKey(GrantKey key) {
    requireNonNull(key, "key == null");
    String value = key.value();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "grant key contains an unpaired surrogate at index "
                + i
                + "; the JDBC token store keeps keys as Unicode text");
      }
    }
  }

  static String checkIdentifier(String kind, String name) {
    requireNonNull(name, kind + " == null");
    if (!IDENTIFIER.matcher(name).matches()) {
      throw new IllegalArgumentException(
          kind
              + " must be a plain SQL identifier (a letter or '_', then letters, digits or '_',"
              + " at most 63 characters): '"
              + name
              + "'");
    }
    return name;
  }

  /**
   * Options of a {@link JdbcTokenStore}. Not thread-safe; {@link #build()} may be called more than
   * once.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private @Nullable String schema;
    private String table = Dialect.DEFAULT_TABLE;
    private String pendingTable = Dialect.DEFAULT_PENDING_TABLE;
    private @Nullable Boolean autoCreate;
    private Clock clock = Clock.systemUTC();
    private String leaseOwner = "pid-" + ProcessHandle.current().pid();
    private int maxAttempts = 4;
    private Duration retryBackoff = Duration.ofMillis(50);

    private Builder(DataSource dataSource) {
      this.dataSource = requireNonNull(dataSource, "dataSource == null");
    }

    /**
     * The table name; default {@code tokenbroker_grants}. A plain identifier (letters, digits,
     * {@code _}; not quoted, so the database folds its case as usual).
     *
     * @throws IllegalArgumentException if {@code name} is not a plain identifier
     */
    public Builder table(String name) {
      this.table = checkIdentifier("table", name);
      return this;
    }

    /**
     * The table of pending consents ({@link #savePendingConsent}); default {@code
     * tokenbroker_pending_consents}, in the same schema as the grants table. A plain identifier.
     *
     * @throws IllegalArgumentException if {@code name} is not a plain identifier
     */
    public Builder pendingConsentTable(String name) {
      this.pendingTable = checkIdentifier("pending consent table", name);
      return this;
    }

    /**
     * The schema of the table (on MySQL/MariaDB the database, on SQLite the attached database);
     * default the connection's current one. The schema must exist.
     *
     * @throws IllegalArgumentException if {@code name} is not a plain identifier
     */
    public Builder schema(String name) {
      this.schema = checkIdentifier("schema", name);
      return this;
    }

    /**
     * Whether to create the table when it is missing ({@code CREATE TABLE IF NOT EXISTS} with the
     * shipped DDL). Default: on for H2 and SQLite, off for PostgreSQL, MySQL/MariaDB and others,
     * whose schema a DBA usually owns and whose application users often may not create tables.
     */
    public Builder autoCreate(boolean autoCreate) {
      this.autoCreate = autoCreate;
      return this;
    }

    /** The clock leases expire by and rows are stamped with; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * A name for this instance in the {@code lease_owner} column, for operators (a host or pod
     * name); default {@code pid-<process id>}. A random id is appended per lease, so instances
     * sharing a name still exclude each other.
     *
     * @throws IllegalArgumentException if blank, longer than 80 characters or containing control
     *     characters
     */
    public Builder leaseOwner(String name) {
      requireNonNull(name, "name == null");
      if (name.isBlank()
          || name.length() > MAX_LEASE_OWNER_LENGTH
          || name.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException(
            "lease owner must be 1 to "
                + MAX_LEASE_OWNER_LENGTH
                + " characters without control characters");
      }
      this.leaseOwner = name;
      return this;
    }

    /**
     * How often to try a statement that fails transiently, and the first backoff, doubled for each
     * further retry up to 2 seconds; each wait is a random time between half and all of the
     * backoff. Default: 4 attempts starting at 50 ms. {@link Duration#ZERO} retries at once.
     *
     * @throws IllegalArgumentException if {@code maxAttempts < 1} or the backoff is negative
     */
    public Builder retries(int maxAttempts, Duration initialBackoff) {
      requireNonNull(initialBackoff, "initialBackoff == null");
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts < 1: " + maxAttempts);
      }
      if (initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff < 0: " + initialBackoff);
      }
      this.maxAttempts = maxAttempts;
      this.retryBackoff = initialBackoff;
      return this;
    }

    /**
     * Builds the store and checks its table (creating it if auto-create is on). If the database
     * cannot be reached, the check is left for the first call.
     *
     * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the table is missing or unusable
     */
    public JdbcTokenStore build() {
      JdbcTokenStore store = new JdbcTokenStore(this, null);
      store.initialize(true);
      return store;
    }
  }
}
