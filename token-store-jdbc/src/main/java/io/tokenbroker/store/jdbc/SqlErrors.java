package io.tokenbroker.store.jdbc;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Sorts {@link SQLException}s into what the store does with them. */
final class SqlErrors {
  private SqlErrors() {}

  /** SQLite primary result codes (the low byte of extended codes). */
  private static final int SQLITE_ERROR = 1;

  private static final int SQLITE_PERM = 3;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_READONLY = 8;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_CONSTRAINT = 19;
  private static final int SQLITE_AUTH = 23;

  /** Vendor codes of lock waits and deadlocks that report a general SQLState. */
  private static final Set<Integer> MYSQL_TRANSIENT_CODES =
      Set.of(
          1205, // ER_LOCK_WAIT_TIMEOUT
          1213, // ER_LOCK_DEADLOCK
          1040, // ER_CON_COUNT_ERROR (too many connections)
          1053, // ER_SERVER_SHUTDOWN
          2006, // CR_SERVER_GONE_ERROR
          2013); // CR_SERVER_LOST

  private static final Set<Integer> H2_TRANSIENT_CODES =
      Set.of(
          50200, // LOCK_TIMEOUT_1
          40001, // DEADLOCK_1
          90067, // CONNECTION_BROKEN_1
          90131); // CONCURRENT_UPDATE_1

  private static final Set<Integer> H2_MISCONFIGURATION_CODES =
      Set.of(
          90079, // SCHEMA_NOT_FOUND_1
          90096, // NOT_ENOUGH_RIGHTS_FOR_1
          90097, // DATABASE_IS_READ_ONLY
          90146); // DATABASE_NOT_FOUND_WITH_IF_EXISTS_1

  /** Whether retrying the same statement soon may succeed. */
  static boolean isTransient(SQLException e, Dialect dialect) {
    for (Throwable t = e; t != null; t = next(t)) {
      if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state != null
            && (state.startsWith("08") // connection exception
                || state.startsWith("40") // transaction rollback: serialization failure, deadlock
                || state.equals("55P03") // PostgreSQL lock_not_available
                || state.startsWith("57P") // PostgreSQL admin/crash shutdown, cannot connect now
                || state.equals("53300") // PostgreSQL too_many_connections
                || state.equals("HYT00"))) { // timeout
          return true;
        }
        int code = sql.getErrorCode();
        if ((dialect == Dialect.MYSQL || dialect == Dialect.OTHER)
            && MYSQL_TRANSIENT_CODES.contains(code)) {
          return true;
        }
        if (dialect == Dialect.H2 && H2_TRANSIENT_CODES.contains(code)) {
          return true;
        }
        if (dialect == Dialect.SQLITE
            && ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)) {
          return true;
        }
      }
      if (t instanceof java.io.IOException) {
        return true;
      }
    }
    return false;
  }

  /** Whether this is a setup problem: no table, no column, no permission, bad credentials. */
  static boolean isMisconfiguration(SQLException e, Dialect dialect) {
    String state = e.getSQLState();
    if (state != null
        && (state.startsWith("42") // syntax error or access rule violation: no table, no right
            || state.startsWith("28") // invalid authorization
            || state.startsWith("3D") // invalid catalog
            || state.startsWith("3F") // invalid schema
            || state.startsWith("0A") // feature not supported
            || state.startsWith("22") // data exception: a column too small, a wrong encoding
            || state.startsWith("25"))) { // invalid transaction state: a read-only connection
      return true;
    }
    if (dialect == Dialect.H2 && H2_MISCONFIGURATION_CODES.contains(e.getErrorCode())) {
      return true;
    }
    if (dialect == Dialect.SQLITE) {
      int code = e.getErrorCode() & 0xff;
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return code == SQLITE_PERM
          || code == SQLITE_READONLY
          || code == SQLITE_CANTOPEN
          || code == SQLITE_AUTH
          || (code == SQLITE_ERROR
              && (message.contains("no such table") || message.contains("no such column")));
    }
    return false;
  }

  /** Whether an INSERT failed because the key is taken. */
  static boolean isDuplicateKey(SQLException e, Dialect dialect) {
    if (e instanceof SQLIntegrityConstraintViolationException) {
      return true;
    }
    String state = e.getSQLState();
    if (state != null && state.startsWith("23")) {
      return true;
    }
    return dialect == Dialect.SQLITE && (e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT;
  }

  /** A short description for messages: SQLState, vendor code and the driver's message. */
  static String describe(SQLException e) {
    StringBuilder out = new StringBuilder();
    out.append("SQLState ").append(e.getSQLState()).append(", code ").append(e.getErrorCode());
    String message = e.getMessage();
    if (message != null && !message.isBlank()) {
      out.append(": ").append(message.strip());
    }
    return out.toString();
  }

  private static @Nullable Throwable next(Throwable t) {
    if (t instanceof SQLException sql && sql.getNextException() != null) {
      return sql.getNextException();
    }
    Throwable cause = t.getCause();
    return cause == t ? null : cause;
  }
}
