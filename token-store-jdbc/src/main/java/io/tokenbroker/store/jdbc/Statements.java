package io.tokenbroker.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The store's SQL for one table, built once, and the small reads that several operations share.
 * Standard DML only: what differs between engines is in {@link Dialect}. Stateless beyond the
 * strings; thread-safe.
 */
final class Statements {
  final String load;
  final String version;
  final String rowState;
  final String list;
  final String casUpdate;
  final String casCreate;
  final String delete;
  final String takeLease;
  final String fence;
  final String insertLeaseRow;
  final String release;
  final String check;
  final String checkWithoutFence;
  private final String addFenceColumn;
  private final String table;

  // Pending consents, in their own table p.
  final String pendingUpdate;
  final String pendingInsert;
  final String pendingSelect;
  final String pendingDeleteSame;
  final String pendingDeleteReturning;
  final String pendingDeleteOldTable;
  final String pendingPurge;
  final String pendingCheck;

  Statements(String t, String p) {
    table = t;
    // A row without sealed bytes is an absent grant (leased only, or a tombstone); a row whose
    // version breaks the rules is shown as corrupt, and never overwritten.
    load =
        "SELECT version, sealed, expires_at FROM "
            + t
            + " WHERE grant_key = ? AND sealed IS NOT NULL";
    version = "SELECT version FROM " + t + " WHERE grant_key = ?";
    rowState =
        "SELECT version, sealed, lease_owner, lease_fence, lease_expires_at FROM "
            + t
            + " WHERE grant_key = ?";
    list = "SELECT grant_key FROM " + t + " WHERE sealed IS NOT NULL";
    String holds = " AND lease_owner = ? AND lease_fence = ? AND lease_expires_at > ?";
    casUpdate =
        "UPDATE "
            + t
            + " SET version = version + 1, sealed = ?, expires_at = ?, updated_at = ?"
            + " WHERE grant_key = ? AND version = ? AND sealed IS NOT NULL"
            + holds;
    casCreate =
        "UPDATE "
            + t
            + " SET version = version + 1, sealed = ?, expires_at = ?, updated_at = ?"
            + " WHERE grant_key = ? AND sealed IS NULL"
            + holds;
    delete =
        "UPDATE "
            + t
            + " SET sealed = NULL, expires_at = NULL, updated_at = ?"
            + " WHERE grant_key = ? AND sealed IS NOT NULL"
            + holds;
    takeLease =
        "UPDATE "
            + t
            + " SET lease_owner = ?, lease_expires_at = ?, lease_fence = lease_fence + 1"
            + " WHERE grant_key = ?"
            + " AND (lease_owner IS NULL OR lease_expires_at <= ? OR lease_owner = ?)";
    fence = "SELECT lease_fence FROM " + t + " WHERE grant_key = ? AND lease_owner = ?";
    insertLeaseRow =
        "INSERT INTO "
            + t
            + " (grant_key, version, sealed, expires_at, lease_owner, lease_expires_at,"
            + " lease_fence, created_at, updated_at) VALUES (?, 0, NULL, NULL, ?, ?, 1, ?, ?)";
    release =
        "UPDATE "
            + t
            + " SET lease_owner = NULL, lease_expires_at = NULL"
            + " WHERE grant_key = ? AND lease_owner = ?";
    check =
        "SELECT grant_key, version, sealed, expires_at, lease_owner, lease_expires_at,"
            + " lease_fence, created_at, updated_at FROM "
            + t
            + " WHERE 1 = 0";
    checkWithoutFence =
        "SELECT grant_key, version, sealed, expires_at, lease_owner, lease_expires_at,"
            + " created_at, updated_at FROM "
            + t
            + " WHERE 1 = 0";
    addFenceColumn = "ALTER TABLE " + t + " ADD COLUMN lease_fence %s NOT NULL DEFAULT 0";

    pendingUpdate =
        "UPDATE " + p + " SET sealed = ?, expires_at = ?, created_at = ? WHERE consent_id = ?";
    pendingInsert =
        "INSERT INTO " + p + " (consent_id, sealed, expires_at, created_at) VALUES (?, ?, ?, ?)";
    pendingSelect = "SELECT sealed, expires_at FROM " + p + " WHERE consent_id = ?";
    // Where the engine cannot return what it deleted: whoever deletes the row it read wins.
    pendingDeleteSame =
        "DELETE FROM " + p + " WHERE consent_id = ? AND expires_at = ? AND sealed = ?";
    pendingDeleteReturning =
        "DELETE FROM " + p + " WHERE consent_id = ? RETURNING sealed, expires_at";
    pendingDeleteOldTable =
        "SELECT sealed, expires_at FROM OLD TABLE (DELETE FROM " + p + " WHERE consent_id = ?)";
    pendingPurge = "DELETE FROM " + p + " WHERE expires_at <= ?";
    pendingCheck = "SELECT consent_id, sealed, expires_at, created_at FROM " + p + " WHERE 1 = 0";
  }

  /**
   * One page of grants in key order: keys from the lower bound (inclusive or not), below the upper
   * bound if there is one, at most {@code rows} rows. Parameters: lower bound, then the upper bound
   * if {@code bounded}. One index range scan on the primary key.
   */
  String page(Dialect dialect, boolean inclusive, boolean bounded, int rows) {
    String key = dialect.orderedKey();
    return "SELECT version, sealed, expires_at, grant_key FROM "
        + table
        + " WHERE "
        + key
        + (inclusive ? " >= ?" : " > ?")
        + (bounded ? " AND " + key + " < ?" : "")
        + " AND sealed IS NOT NULL ORDER BY "
        + key
        + dialect.limit(rows);
  }

  String addFenceColumn(Dialect dialect) {
    return String.format(addFenceColumn, dialect == Dialect.SQLITE ? "INTEGER" : "BIGINT");
  }

  /** What a row says about its grant and lease, for telling a lost lease from a conflict. */
  record RowState(
      long version, byte @Nullable [] sealed, @Nullable String owner, long fence, long expiresAt) {}

  /** The row of {@code key} as it is now, or null if it has none. */
  @Nullable RowState rowState(Connection connection, Dialect dialect, String key)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(rowState)) {
      dialect.bindKey(statement, 1, key);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return null;
        }
        long version = rows.getLong(1);
        byte[] sealed = rows.getBytes(2);
        String owner = rows.getString(3);
        long fence = rows.getLong(4);
        long expiresAt = rows.getLong(5);
        if (rows.wasNull()) {
          expiresAt = Long.MIN_VALUE;
        }
        return new RowState(version, sealed, owner, fence, expiresAt);
      }
    }
  }

  /** The version of {@code key}'s row, or null if it has none. */
  @Nullable Long currentVersion(Connection connection, Dialect dialect, String key)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(version)) {
      dialect.bindKey(statement, 1, key);
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getLong(1) : null;
      }
    }
  }

  /** The version a create just wrote (the row must be there). */
  long writtenVersion(Connection connection, Dialect dialect, String key) throws SQLException {
    Long written = currentVersion(connection, dialect, key);
    if (written == null) {
      throw new SQLException("the row of the grant vanished after it was written", "40003");
    }
    return written;
  }

  /** The fence of the lease {@code owner} just took. */
  long fenceOf(Connection connection, Dialect dialect, String key, String owner)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(fence)) {
      dialect.bindKey(statement, 1, key);
      statement.setString(2, owner);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException("the lease row vanished right after it was taken", "40003");
        }
        return rows.getLong(1);
      }
    }
  }

  /** Binds an instant as epoch milliseconds (saturated), or SQL NULL. */
  static void setMillis(PreparedStatement statement, int index, @Nullable Instant instant)
      throws SQLException {
    if (instant == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, millis(instant));
    }
  }

  /** Epoch milliseconds of {@code instant}, saturated. */
  static long millis(Instant instant) {
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
