package io.tokenbroker.store.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class H2MemoryContractTest extends JdbcContractTest {
  private static final JdbcDataSource DATA_SOURCE = new JdbcDataSource();

  static {
    DATA_SOURCE.setURL("jdbc:h2:mem:contract;DB_CLOSE_DELAY=-1");
  }

  @Override
  DataSource dataSource() {
    return DATA_SOURCE;
  }
}
