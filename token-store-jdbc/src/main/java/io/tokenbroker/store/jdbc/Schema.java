package io.tokenbroker.store.jdbc;

import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jspecify.annotations.Nullable;

/**
 * The store's set-up: tells the engine, creates the table if asked (adding the fencing column to a
 * table made before it), and checks that the table has every column the statements use.
 */
final class Schema {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());

  private Schema() {}

  /**
   * Connects, tells the engine, and checks (or with {@code autoCreate}, creates) the table.
   *
   * @param autoCreate whether to create a missing table; null for the engine's default (on for the
   *     embedded engines)
   * @return the engine
   */
  @SuppressWarnings(
      "NullAway") // the Work<Void> returns null: NullAway reads it as T without JSpecify mode
  static Dialect prepare(
      StatementRunner runner,
      Statements sql,
      String qualifiedTable,
      String qualifiedPendingTable,
      @Nullable Boolean autoCreate) {
    Dialect detected =
        runner.run(
            "connect to the database for",
            null,
            Dialect.OTHER,
            (connection, unused, attempt) ->
                Dialect.of(String.valueOf(connection.getMetaData().getDatabaseProductName())));
    boolean create = autoCreate != null ? autoCreate : detected.embedded();
    if (create && !detected.hasDdl()) {
      throw new TokenStoreException(
          "JDBC token store: cannot auto-create table "
              + qualifiedTable
              + " on this database (no DDL is shipped for it); create the table yourself after one"
              + " of the shipped DDL files and turn autoCreate off",
          Kind.MISCONFIGURED,
          null,
          null);
    }
    runner.run(
        "check",
        null,
        detected,
        (connection, dialect, attempt) -> {
          if (create) {
            try (Statement statement = connection.createStatement()) {
              statement.execute(dialect.createTable(qualifiedTable));
            } catch (SQLException e) {
              // Several instances may race to create the table; only fail if it is still missing.
              if (SqlErrors.isTransient(e, dialect) || !tableUsable(connection, sql.check)) {
                throw e;
              }
            }
            addFenceColumnIfMissing(connection, dialect, sql, qualifiedTable);
            createPendingTable(connection, dialect, sql, qualifiedPendingTable);
          }
          try (Statement statement = connection.createStatement();
              ResultSet rows = statement.executeQuery(sql.check)) {
            rows.next();
          }
          return null;
        });
    return detected;
  }

  /**
   * Creates the pending consents table if missing. Grants work without it, so a failure is logged,
   * not thrown: consent calls then report the missing table with its DDL.
   */
  private static void createPendingTable(
      Connection connection, Dialect dialect, Statements sql, String qualifiedPendingTable)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(dialect.createPendingTable(qualifiedPendingTable));
    } catch (SQLException e) {
      if (SqlErrors.isTransient(e, dialect)) {
        throw e;
      }
      if (!tableUsable(connection, sql.pendingCheck)) {
        LOG.log(
            Level.WARNING,
            "JDBC token store: cannot create the pending consents table {0} ({1}); consents"
                + " started on one instance cannot complete on another until it exists",
            qualifiedPendingTable,
            SqlErrors.describe(e));
      }
    }
  }

  private static boolean tableUsable(Connection connection, String check) {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(check)) {
      rows.next();
      return true;
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * A table made before leases had fencing numbers lacks {@code lease_fence}; with auto-create on,
   * it is added (a plain {@code ALTER TABLE ... ADD COLUMN}, safe while other instances run).
   */
  private static void addFenceColumnIfMissing(
      Connection connection, Dialect dialect, Statements sql, String qualifiedTable)
      throws SQLException {
    if (tableUsable(connection, sql.check) || !tableUsable(connection, sql.checkWithoutFence)) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql.addFenceColumn(dialect));
      LOG.log(
          Level.INFO, "JDBC token store: added column lease_fence to table {0}", qualifiedTable);
    } catch (SQLException e) {
      if (!tableUsable(connection, sql.check)) { // another instance may have added it meanwhile
        throw e;
      }
    }
  }
}
