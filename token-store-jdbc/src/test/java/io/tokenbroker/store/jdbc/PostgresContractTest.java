package io.tokenbroker.store.jdbc;

import javax.sql.DataSource;

class PostgresContractTest extends JdbcContractTest {
  @Override
  DataSource dataSource() {
    return EmbeddedPostgresSupport.dataSource();
  }
}
