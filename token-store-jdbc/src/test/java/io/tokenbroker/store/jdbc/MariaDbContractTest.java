package io.tokenbroker.store.jdbc;

import javax.sql.DataSource;

class MariaDbContractTest extends JdbcContractTest {
  @Override
  DataSource dataSource() {
    return MariaDbSupport.dataSource();
  }
}
