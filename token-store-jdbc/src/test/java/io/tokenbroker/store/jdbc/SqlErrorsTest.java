package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenbroker.store.jdbc.SqlErrors.Fault;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SQLSTATE mapping over every class of the SQL standard and PostgreSQL's appendix A (plus the
 * ODBC {@code HY} timeouts), with the states the store meets named one by one: what may pass is
 * retried, only a certainly wrong setup is misconfiguration, everything else is unknown (reported
 * as unavailable, never as misconfigured).
 */
class SqlErrorsTest {

  static Stream<Arguments> states() {
    return Stream.of(
        // class: representative state(s), expected fault
        Arguments.of("00000", Fault.UNKNOWN), // successful completion
        Arguments.of("01000", Fault.UNKNOWN), // warning
        Arguments.of("02000", Fault.UNKNOWN), // no data
        Arguments.of("03000", Fault.UNKNOWN), // SQL statement not yet complete
        Arguments.of("08000", Fault.RETRY), // connection exception
        Arguments.of("08001", Fault.RETRY), // cannot establish a connection
        Arguments.of("08003", Fault.RETRY), // connection does not exist
        Arguments.of("08006", Fault.RETRY), // connection failure
        Arguments.of("08P01", Fault.RETRY), // protocol violation
        Arguments.of("09000", Fault.UNKNOWN), // triggered action exception
        Arguments.of("0A000", Fault.UNKNOWN), // feature not supported (also a re-planned statement)
        Arguments.of("0B000", Fault.UNKNOWN), // invalid transaction initiation
        Arguments.of("0F000", Fault.UNKNOWN), // locator exception
        Arguments.of("0L000", Fault.UNKNOWN), // invalid grantor
        Arguments.of("0P000", Fault.UNKNOWN), // invalid role specification
        Arguments.of("0Z000", Fault.UNKNOWN), // diagnostics exception
        Arguments.of("20000", Fault.UNKNOWN), // case not found
        Arguments.of("21000", Fault.UNKNOWN), // cardinality violation
        Arguments.of("22001", Fault.UNKNOWN), // string data right truncation (a small column)
        Arguments.of("22P02", Fault.UNKNOWN), // invalid text representation
        Arguments.of("23505", Fault.UNKNOWN), // unique violation (duplicates handled apart)
        Arguments.of("24000", Fault.UNKNOWN), // invalid cursor state
        Arguments.of("25000", Fault.UNKNOWN), // invalid transaction state
        Arguments.of("25001", Fault.RETRY), // active SQL transaction
        Arguments.of("25006", Fault.RETRY), // read-only SQL transaction: around a failover
        Arguments.of("25P02", Fault.RETRY), // in failed SQL transaction
        Arguments.of("26000", Fault.UNKNOWN), // invalid SQL statement name
        Arguments.of("27000", Fault.UNKNOWN), // triggered data change violation
        Arguments.of("28000", Fault.MISCONFIGURED), // invalid authorization specification
        Arguments.of("28P01", Fault.MISCONFIGURED), // invalid password
        Arguments.of("2B000", Fault.UNKNOWN), // dependent privilege descriptors still exist
        Arguments.of("2D000", Fault.UNKNOWN), // invalid transaction termination
        Arguments.of("2F000", Fault.UNKNOWN), // SQL routine exception
        Arguments.of("34000", Fault.UNKNOWN), // invalid cursor name
        Arguments.of("38000", Fault.UNKNOWN), // external routine exception
        Arguments.of("39000", Fault.UNKNOWN), // external routine invocation exception
        Arguments.of("3B000", Fault.UNKNOWN), // savepoint exception
        Arguments.of("3D000", Fault.MISCONFIGURED), // invalid catalog name: no such database
        Arguments.of("3F000", Fault.MISCONFIGURED), // invalid schema name
        Arguments.of("40000", Fault.RETRY), // transaction rollback
        Arguments.of("40001", Fault.RETRY), // serialization failure
        Arguments.of("40003", Fault.RETRY), // statement completion unknown
        Arguments.of("40P01", Fault.RETRY), // deadlock detected
        Arguments.of("42000", Fault.MISCONFIGURED), // syntax error or access rule violation
        Arguments.of("42501", Fault.MISCONFIGURED), // insufficient privilege
        Arguments.of("42601", Fault.MISCONFIGURED), // syntax error
        Arguments.of("42703", Fault.MISCONFIGURED), // undefined column
        Arguments.of("42P01", Fault.MISCONFIGURED), // undefined table
        Arguments.of("42S02", Fault.MISCONFIGURED), // base table not found (MySQL, H2)
        Arguments.of("42S22", Fault.MISCONFIGURED), // column not found (MySQL)
        Arguments.of("44000", Fault.UNKNOWN), // with check option violation
        Arguments.of("53000", Fault.RETRY), // insufficient resources
        Arguments.of("53100", Fault.RETRY), // disk full
        Arguments.of("53200", Fault.RETRY), // out of memory
        Arguments.of("53300", Fault.RETRY), // too many connections
        Arguments.of("53400", Fault.RETRY), // configuration limit exceeded
        Arguments.of("54000", Fault.UNKNOWN), // program limit exceeded
        Arguments.of("55000", Fault.UNKNOWN), // object not in prerequisite state
        Arguments.of("55006", Fault.RETRY), // object in use
        Arguments.of("55P03", Fault.RETRY), // lock not available
        Arguments.of("57000", Fault.UNKNOWN), // operator intervention
        Arguments.of("57014", Fault.RETRY), // query canceled (statement timeout)
        Arguments.of("57P01", Fault.RETRY), // admin shutdown
        Arguments.of("57P02", Fault.RETRY), // crash shutdown
        Arguments.of("57P03", Fault.RETRY), // cannot connect now
        Arguments.of("57P04", Fault.UNKNOWN), // database dropped
        Arguments.of("57P05", Fault.RETRY), // idle session timeout
        Arguments.of("58000", Fault.UNKNOWN), // system error
        Arguments.of("58030", Fault.RETRY), // I/O error
        Arguments.of("72000", Fault.UNKNOWN), // snapshot too old
        Arguments.of("F0000", Fault.UNKNOWN), // configuration file error
        Arguments.of("HV000", Fault.UNKNOWN), // foreign data wrapper error
        Arguments.of("P0001", Fault.UNKNOWN), // PL/pgSQL raise exception
        Arguments.of("XX000", Fault.UNKNOWN), // internal error
        Arguments.of("XX001", Fault.UNKNOWN), // data corrupted
        Arguments.of("HY000", Fault.UNKNOWN), // general error
        Arguments.of("HYT00", Fault.RETRY), // timeout expired
        Arguments.of("HYT01", Fault.RETRY)); // connection timeout expired
  }

  @ParameterizedTest(name = "SQLSTATE {0} -> {1}")
  @MethodSource("states")
  void everySqlStateClassIsClassifiedByWhatToDo(String state, Fault expected) {
    SQLException e = new SQLException("driver message for " + state, state);
    for (Dialect dialect : Dialect.values()) {
      assertEquals(expected, SqlErrors.classify(e, dialect), state + " on " + dialect);
    }
    assertEquals(expected == Fault.RETRY, SqlErrors.isTransient(e, Dialect.POSTGRESQL));
    assertEquals(
        expected == Fault.MISCONFIGURED, SqlErrors.isMisconfiguration(e, Dialect.POSTGRESQL));
  }

  static Stream<Arguments> vendorCodes() {
    return Stream.of(
        Arguments.of(Dialect.MYSQL, "HY000", 1205, Fault.RETRY), // lock wait timeout
        Arguments.of(Dialect.MYSQL, "40001", 1213, Fault.RETRY), // deadlock
        Arguments.of(Dialect.MYSQL, "HY000", 1290, Fault.RETRY), // --read-only
        Arguments.of(Dialect.MYSQL, "25006", 1792, Fault.RETRY), // read-only transaction
        Arguments.of(Dialect.MYSQL, "HY000", 1836, Fault.RETRY), // read-only mode
        Arguments.of(Dialect.MYSQL, "HY000", 2013, Fault.RETRY), // lost connection
        Arguments.of(Dialect.MYSQL, "28000", 1045, Fault.MISCONFIGURED), // access denied
        Arguments.of(Dialect.MYSQL, "42000", 1142, Fault.MISCONFIGURED), // table access denied
        Arguments.of(Dialect.MYSQL, "HY000", 1146, Fault.MISCONFIGURED), // no such table
        Arguments.of(Dialect.MYSQL, "HY000", 9999, Fault.UNKNOWN),
        Arguments.of(Dialect.H2, "HYT00", 50200, Fault.RETRY), // lock timeout
        Arguments.of(Dialect.H2, "90067", 90067, Fault.RETRY), // connection broken
        Arguments.of(Dialect.H2, "90079", 90079, Fault.MISCONFIGURED), // schema not found
        Arguments.of(Dialect.H2, "90096", 90096, Fault.MISCONFIGURED), // not enough rights
        Arguments.of(Dialect.H2, "90097", 90097, Fault.UNKNOWN), // database is read only
        Arguments.of(Dialect.SQLITE, null, 5, Fault.RETRY), // BUSY
        Arguments.of(Dialect.SQLITE, null, 6, Fault.RETRY), // LOCKED
        Arguments.of(Dialect.SQLITE, null, 266, Fault.RETRY), // IOERR_READ
        Arguments.of(Dialect.SQLITE, null, 13, Fault.RETRY), // FULL
        Arguments.of(Dialect.SQLITE, null, 3, Fault.MISCONFIGURED), // PERM
        Arguments.of(Dialect.SQLITE, null, 14, Fault.MISCONFIGURED), // CANTOPEN
        Arguments.of(Dialect.SQLITE, null, 23, Fault.MISCONFIGURED), // AUTH
        Arguments.of(Dialect.SQLITE, null, 8, Fault.UNKNOWN)); // READONLY
  }

  @ParameterizedTest(name = "{0} code {2} -> {3}")
  @MethodSource("vendorCodes")
  void vendorCodesThatReportAGeneralState(Dialect dialect, String state, int code, Fault expected) {
    SQLException e = new SQLException("driver message", state, code);
    assertEquals(expected, SqlErrors.classify(e, dialect));
  }

  @org.junit.jupiter.api.Test
  void sqliteNoSuchTableOrColumnIsMisconfiguration() {
    assertEquals(
        Fault.MISCONFIGURED,
        SqlErrors.classify(
            new SQLException("[SQLITE_ERROR] no such table: x", null, 1), Dialect.SQLITE));
    assertEquals(
        Fault.UNKNOWN,
        SqlErrors.classify(
            new SQLException("[SQLITE_ERROR] something else", null, 1), Dialect.SQLITE));
  }

  @org.junit.jupiter.api.Test
  void exceptionTypesCausesAndNextExceptionsCount() {
    assertEquals(
        Fault.RETRY,
        SqlErrors.classify(new SQLTransientConnectionException("refused"), Dialect.OTHER));
    assertEquals(
        Fault.RETRY, SqlErrors.classify(new SQLRecoverableException("gone"), Dialect.OTHER));
    SQLException wrapped = new SQLException("I/O error", null, 0, new IOException("reset"));
    assertEquals(Fault.RETRY, SqlErrors.classify(wrapped, Dialect.OTHER));
    SQLException batch = new SQLException("batch failed", "XX000");
    batch.setNextException(new SQLException("could not serialize access", "40001"));
    assertEquals(Fault.RETRY, SqlErrors.classify(batch, Dialect.POSTGRESQL));
    assertEquals(Fault.UNKNOWN, SqlErrors.classify(new SQLException("no state"), Dialect.OTHER));
  }

  @org.junit.jupiter.api.Test
  void setupProblemsAreNamed() {
    assertEquals(
        SqlErrors.Setup.AUTHENTICATION,
        SqlErrors.setupProblem(new SQLException("password", "28P01"), Dialect.POSTGRESQL));
    assertEquals(
        SqlErrors.Setup.PRIVILEGE,
        SqlErrors.setupProblem(new SQLException("denied", "42501"), Dialect.POSTGRESQL));
    assertEquals(
        SqlErrors.Setup.DATABASE,
        SqlErrors.setupProblem(new SQLException("no db", "3D000"), Dialect.POSTGRESQL));
    assertEquals(
        SqlErrors.Setup.SCHEMA,
        SqlErrors.setupProblem(new SQLException("no table", "42P01"), Dialect.POSTGRESQL));
  }
}
