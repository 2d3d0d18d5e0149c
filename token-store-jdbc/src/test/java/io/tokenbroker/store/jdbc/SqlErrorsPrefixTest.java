package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlErrorsPrefixTest {
  @Test
  void readOnlyTransactionIsRetryableNotMisconfiguration() {
    SQLException e = new SQLException("cannot execute UPDATE in a read-only transaction", "25006");
    assertTrue(SqlErrors.isTransient(e, Dialect.POSTGRESQL));
    assertFalse(SqlErrors.isMisconfiguration(e, Dialect.POSTGRESQL));
  }
}
