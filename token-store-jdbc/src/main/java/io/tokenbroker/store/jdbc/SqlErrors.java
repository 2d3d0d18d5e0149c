package io.tokenbroker.store.jdbc;

import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Sorts {@link SQLException}s by what the caller should do about them.
 *
 * <ul>
 *   <li>{@link Fault#RETRY}: it may pass in a moment: connection loss (class 08), a server shutting
 *       down or restarting (57P01-57P03, 57P05), a read-only transaction or server (25006, as
 *       around a failover; MySQL 1290/1792/1836), serialization failures and deadlocks (class 40),
 *       lock and statement timeouts (55P03, 57014, HYT00, MySQL 1205), out of resources (class 53:
 *       disk full, out of memory, too many connections), I/O errors (58030, an {@link
 *       java.io.IOException} cause), and the drivers' {@link SQLTransientException} and {@link
 *       SQLRecoverableException}. The store retries these a few times, then reports {@code
 *       UNAVAILABLE}.
 *   <li>{@link Fault#MISCONFIGURED}: only where the setup is certainly wrong: class 42 (no such
 *       table or column, no privilege, a statement this engine cannot run), class 28 (bad
 *       credentials), 3D000 and 3F000 (no such database or schema), and the vendor codes that mean
 *       the same.
 *   <li>{@link Fault#UNKNOWN}: everything else (a data exception, feature not supported, an
 *       internal error, ...): not retried in place, reported as {@code UNAVAILABLE}, since nothing
 *       says it is permanent.
 * </ul>
 *
 * <p>The chain of causes and next exceptions is searched for the first classifiable one.
 */
final class SqlErrors {
  private SqlErrors() {}

  /** What the caller should do about a failure. */
  enum Fault {
    RETRY,
    MISCONFIGURED,
    UNKNOWN
  }

  /** SQLite primary result codes (the low byte of extended codes). */
  private static final int SQLITE_ERROR = 1;

  private static final int SQLITE_PERM = 3;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final int SQLITE_IOERR = 10;
  private static final int SQLITE_FULL = 13;
  private static final int SQLITE_CANTOPEN = 14;
  private static final int SQLITE_CONSTRAINT = 19;
  private static final int SQLITE_AUTH = 23;

  /** MySQL/MariaDB codes that may pass, some of which report a general SQLSTATE. */
  private static final Set<Integer> MYSQL_RETRY_CODES =
      Set.of(
          1205, // ER_LOCK_WAIT_TIMEOUT
          1213, // ER_LOCK_DEADLOCK
          1040, // ER_CON_COUNT_ERROR (too many connections)
          1053, // ER_SERVER_SHUTDOWN
          1290, // ER_OPTION_PREVENTS_STATEMENT (--read-only, --super-read-only)
          1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
          1836, // ER_READ_ONLY_MODE
          2006, // CR_SERVER_GONE_ERROR
          2013); // CR_SERVER_LOST

  /** MySQL/MariaDB codes of a wrong setup that report a general SQLSTATE. */
  private static final Set<Integer> MYSQL_MISCONFIGURATION_CODES =
      Set.of(
          1044, // ER_DBACCESS_DENIED_ERROR
          1045, // ER_ACCESS_DENIED_ERROR
          1049, // ER_BAD_DB_ERROR
          1142, // ER_TABLEACCESS_DENIED_ERROR
          1143, // ER_COLUMNACCESS_DENIED_ERROR
          1146, // ER_NO_SUCH_TABLE
          1054); // ER_BAD_FIELD_ERROR

  private static final Set<Integer> H2_RETRY_CODES =
      Set.of(
          50200, // LOCK_TIMEOUT_1
          40001, // DEADLOCK_1
          90067, // CONNECTION_BROKEN_1
          90131); // CONCURRENT_UPDATE_1

  private static final Set<Integer> H2_MISCONFIGURATION_CODES =
      Set.of(
          90079, // SCHEMA_NOT_FOUND_1
          90096, // NOT_ENOUGH_RIGHTS_FOR_1
          90146); // DATABASE_NOT_FOUND_WITH_IF_EXISTS_1

  /** Classifies {@code e} (the first classifiable exception in its chain). */
  static Fault classify(SQLException e, Dialect dialect) {
    for (Throwable t = e; t != null; t = next(t)) {
      Fault fault = classifyOne(t, dialect);
      if (fault == Fault.RETRY || fault == Fault.MISCONFIGURED) {
        return fault;
      }
    }
    return Fault.UNKNOWN;
  }

  /** Whether retrying the same statement soon may succeed. */
  static boolean isTransient(SQLException e, Dialect dialect) {
    return classify(e, dialect) == Fault.RETRY;
  }

  /** Whether this is certainly a setup problem. */
  static boolean isMisconfiguration(SQLException e, Dialect dialect) {
    return classify(e, dialect) == Fault.MISCONFIGURED;
  }

  private static @Nullable Fault classifyOne(Throwable t, Dialect dialect) {
    if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
      return Fault.RETRY;
    }
    if (t instanceof java.io.IOException) {
      return Fault.RETRY;
    }
    if (!(t instanceof SQLException sql)) {
      return null;
    }
    Fault byVendor = byVendorCode(sql, dialect);
    if (byVendor != null) {
      return byVendor;
    }
    String state = sql.getSQLState();
    if (state == null || state.length() < 2) {
      return null;
    }
    state = state.toUpperCase(Locale.ROOT);
    switch (state) {
      case "25006", // read-only SQL transaction: a server in recovery or around a failover
      "25001", // active SQL transaction
      "25P02", // in failed SQL transaction
      "55P03", // lock not available
      "55006", // object in use
      "57014", // query canceled (statement timeout)
      "57P01", // admin shutdown
      "57P02", // crash shutdown
      "57P03", // cannot connect now (starting up, shutting down)
      "57P05", // idle session timeout
      "58030", // I/O error
      "HYT00", // timeout expired
      "HYT01": // connection timeout
        return Fault.RETRY;
      case "3D000", // invalid catalog name: no such database
      "3F000": // invalid schema name
        return Fault.MISCONFIGURED;
      default:
        break;
    }
    switch (state.substring(0, 2)) {
      case "08": // connection exception
      case "40": // transaction rollback: serialization failure, deadlock
      case "53": // insufficient resources: disk full, out of memory, too many connections
        return Fault.RETRY;
      case "28": // invalid authorization specification
      case "42": // syntax error or access rule violation: no such table or column, no privilege
        return Fault.MISCONFIGURED;
      default:
        return Fault.UNKNOWN;
    }
  }

  private static @Nullable Fault byVendorCode(SQLException sql, Dialect dialect) {
    int code = sql.getErrorCode();
    if (dialect == Dialect.MYSQL || dialect == Dialect.OTHER) {
      if (MYSQL_RETRY_CODES.contains(code)) {
        return Fault.RETRY;
      }
      if (dialect == Dialect.MYSQL && MYSQL_MISCONFIGURATION_CODES.contains(code)) {
        return Fault.MISCONFIGURED;
      }
    }
    if (dialect == Dialect.H2) {
      if (H2_RETRY_CODES.contains(code)) {
        return Fault.RETRY;
      }
      if (H2_MISCONFIGURATION_CODES.contains(code)) {
        return Fault.MISCONFIGURED;
      }
    }
    if (dialect == Dialect.SQLITE) {
      int primary = code & 0xff;
      String message = String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT);
      if (primary == SQLITE_BUSY
          || primary == SQLITE_LOCKED
          || primary == SQLITE_IOERR
          || primary == SQLITE_FULL) {
        return Fault.RETRY;
      }
      if (primary == SQLITE_PERM
          || primary == SQLITE_CANTOPEN
          || primary == SQLITE_AUTH
          || (primary == SQLITE_ERROR
              && (message.contains("no such table") || message.contains("no such column")))) {
        return Fault.MISCONFIGURED;
      }
    }
    return null;
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

  /** What a misconfiguration is about, for a message that names it. */
  enum Setup {
    /** No such table or column, or a statement the engine cannot run. */
    SCHEMA,
    /** The database user may not do this. */
    PRIVILEGE,
    /** The database refused the credentials. */
    AUTHENTICATION,
    /** No such database or schema. */
    DATABASE
  }

  /** The kind of a misconfiguration, from the SQLSTATE or vendor code. */
  static Setup setupProblem(SQLException e, Dialect dialect) {
    for (Throwable t = e; t != null; t = next(t)) {
      if (!(t instanceof SQLException sql)) {
        continue;
      }
      String state = String.valueOf(sql.getSQLState()).toUpperCase(Locale.ROOT);
      int code = sql.getErrorCode();
      if (state.startsWith("28") || (dialect == Dialect.MYSQL && (code == 1045 || code == 1044))) {
        return Setup.AUTHENTICATION;
      }
      if (state.equals("42501")
          || (dialect == Dialect.MYSQL && (code == 1142 || code == 1143))
          || (dialect == Dialect.H2 && code == 90096)
          || (dialect == Dialect.SQLITE
              && ((code & 0xff) == SQLITE_PERM || (code & 0xff) == SQLITE_AUTH))) {
        return Setup.PRIVILEGE;
      }
      if (state.startsWith("3D")
          || state.startsWith("3F")
          || (dialect == Dialect.MYSQL && code == 1049)
          || (dialect == Dialect.H2 && (code == 90079 || code == 90146))
          || (dialect == Dialect.SQLITE && (code & 0xff) == SQLITE_CANTOPEN)) {
        return Setup.DATABASE;
      }
    }
    return Setup.SCHEMA;
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
