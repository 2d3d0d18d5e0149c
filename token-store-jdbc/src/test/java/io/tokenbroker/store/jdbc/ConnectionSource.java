package io.tokenbroker.store.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A {@link DataSource} for tests that is only its {@link #getConnection()}; the rest is inert. */
@FunctionalInterface
interface ConnectionSource extends DataSource {
  @Override
  Connection getConnection() throws SQLException;

  @Override
  default Connection getConnection(String user, String password) throws SQLException {
    return getConnection();
  }

  @Override
  default PrintWriter getLogWriter() {
    return null;
  }

  @Override
  default void setLogWriter(PrintWriter out) {}

  @Override
  default void setLoginTimeout(int seconds) {}

  @Override
  default int getLoginTimeout() {
    return 0;
  }

  @Override
  default Logger getParentLogger() {
    return Logger.getGlobal();
  }

  @Override
  default <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  default boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
