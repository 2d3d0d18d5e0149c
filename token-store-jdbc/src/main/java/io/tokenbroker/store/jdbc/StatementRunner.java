package io.tokenbroker.store.jdbc;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Runs the store's work on a connection of its own, in auto-commit mode, retrying what {@link
 * SqlErrors} calls transient with a short randomized backoff, and turns what still fails into a
 * {@link TokenStoreException} whose reason says what to do and whose message names the cause.
 * Thread-safe.
 */
final class StatementRunner {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  /** Work on one connection; {@code attempt} counts from 1 (a retry may find its own write). */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection, Dialect dialect, int attempt) throws SQLException;
  }

  private final DataSource dataSource;
  private final String qualifiedTable;
  private final int maxAttempts;
  private final Duration retryBackoff;
  private final boolean pendingConsents;

  /** A runner for the grants table {@code qualifiedTable}. */
  StatementRunner(
      DataSource dataSource, String qualifiedTable, int maxAttempts, Duration retryBackoff) {
    this(dataSource, qualifiedTable, maxAttempts, retryBackoff, false);
  }

  private StatementRunner(
      DataSource dataSource,
      String qualifiedTable,
      int maxAttempts,
      Duration retryBackoff,
      boolean pendingConsents) {
    this.dataSource = dataSource;
    this.qualifiedTable = qualifiedTable;
    this.maxAttempts = maxAttempts;
    this.retryBackoff = retryBackoff;
    this.pendingConsents = pendingConsents;
  }

  /** A runner like this one for the pending consents table {@code qualifiedPendingTable}. */
  StatementRunner forPendingConsents(String qualifiedPendingTable) {
    return new StatementRunner(dataSource, qualifiedPendingTable, maxAttempts, retryBackoff, true);
  }

  /**
   * Runs {@code work}, retrying transient failures; {@code operation} and {@code key} name what it
   * does in messages ("could not <operation> grant 'key' in table").
   */
  <T> T run(String operation, @Nullable GrantKey key, Dialect dialect, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return once(dialect, attempt, work);
      } catch (SQLException e) {
        boolean transientFailure = SqlErrors.isTransient(e, dialect);
        if (transientFailure && attempt < maxAttempts) {
          LOG.log(
              Level.DEBUG,
              "JDBC token store: {0} {1} failed (attempt {2} of {3}), retrying: {4}",
              operation,
              key == null ? "table " + qualifiedTable : "grant " + key,
              attempt,
              maxAttempts,
              SqlErrors.describe(e));
          backoff(operation, key, attempt, e);
          continue;
        }
        throw translate(operation, key, dialect, e, attempt, transientFailure);
      }
    }
  }

  private <T> T once(Dialect dialect, int attempt, Work<T> work) throws SQLException {
    Connection connection = dataSource.getConnection();
    try {
      boolean autoCommit = connection.getAutoCommit();
      if (!autoCommit) {
        connection.setAutoCommit(true);
      }
      try {
        return work.run(connection, dialect, attempt);
      } finally {
        if (!autoCommit) {
          try {
            connection.setAutoCommit(false);
          } catch (SQLException e) {
            LOG.log(Level.DEBUG, "JDBC token store: cannot restore auto-commit: {0}", e.toString());
          }
        }
      }
    } finally {
      try {
        connection.close();
      } catch (SQLException e) {
        // The work is done (and committed); a failing close must not report it as failed.
        LOG.log(Level.DEBUG, "JDBC token store: closing a connection failed: {0}", e.toString());
      }
    }
  }

  private void backoff(String operation, @Nullable GrantKey key, int attempt, SQLException cause) {
    long base = retryBackoff.toMillis();
    if (base <= 0) {
      return;
    }
    long cap = Math.min(MAX_BACKOFF.toMillis(), base << Math.min(attempt - 1, 16));
    long millis = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenStoreException(
          "JDBC token store: interrupted while retrying to " + operation + describeTarget(key),
          Kind.UNAVAILABLE,
          key,
          cause);
    }
  }

  private TokenStoreException translate(
      String operation,
      @Nullable GrantKey key,
      Dialect dialect,
      SQLException e,
      int attempts,
      boolean transientFailure) {
    String target = describeTarget(key);
    if (transientFailure) {
      return new TokenStoreException(
          "JDBC token store: could not "
              + operation
              + target
              + " after "
              + attempts
              + (attempts == 1 ? " attempt" : " attempts")
              + ", the database is unavailable or refused writes for now ("
              + SqlErrors.describe(e)
              + ")",
          Kind.UNAVAILABLE,
          key,
          e);
    }
    if (SqlErrors.isMisconfiguration(e, dialect)) {
      String what =
          switch (SqlErrors.setupProblem(e, dialect)) {
            case AUTHENTICATION -> "the database refused the credentials";
            case PRIVILEGE ->
                "the database user lacks a privilege on table "
                    + qualifiedTable
                    + (pendingConsents
                        ? " (it needs SELECT, INSERT, UPDATE and DELETE)"
                        : " (it needs SELECT, INSERT and UPDATE)");
            case DATABASE -> "the database or schema does not exist";
            case SCHEMA ->
                pendingConsents
                    ? "the pending consents table "
                        + qualifiedTable
                        + " is missing or not as expected; create it with "
                        + dialect.pendingDdlResourcePath()
                        + " (see the token-store-jdbc README) or enable autoCreate"
                    : "table "
                        + qualifiedTable
                        + " is missing or not as expected; create it with "
                        + dialect.ddlResourcePath()
                        + " (see the token-store-jdbc README) or enable autoCreate (a table made"
                        + " before fencing needs: ALTER TABLE "
                        + qualifiedTable
                        + " ADD COLUMN lease_fence BIGINT NOT NULL DEFAULT 0)";
          };
      return new TokenStoreException(
          "JDBC token store: could not "
              + operation
              + target
              + ": "
              + what
              + " ("
              + SqlErrors.describe(e)
              + ")",
          Kind.MISCONFIGURED,
          key,
          e);
    }
    return new TokenStoreException(
        "JDBC token store: could not "
            + operation
            + target
            + ", and nothing says the failure is permanent ("
            + SqlErrors.describe(e)
            + ")",
        Kind.UNAVAILABLE,
        key,
        e);
  }

  /** " grant 'key' in table" or " table table", for messages. */
  String describeTarget(@Nullable GrantKey key) {
    return key == null ? " table " + qualifiedTable : " grant '" + key + "' in " + qualifiedTable;
  }
}
