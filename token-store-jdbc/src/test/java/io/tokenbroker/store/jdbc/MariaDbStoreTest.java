package io.tokenbroker.store.jdbc;

import javax.sql.DataSource;

class MariaDbStoreTest extends JdbcStoreBehaviorTest {
  @Override
  DataSource dataSource() {
    return MariaDbSupport.dataSource();
  }
}
