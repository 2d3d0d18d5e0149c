package io.tokenbroker.store.jdbc;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

class H2FileContractTest extends JdbcContractTest {
  @TempDir static Path directory;
  private static JdbcConnectionPool pool;

  @Override
  DataSource dataSource() {
    synchronized (H2FileContractTest.class) {
      if (pool == null) {
        pool = JdbcConnectionPool.create("jdbc:h2:file:" + directory.resolve("tokens"), "sa", "");
      }
      return pool;
    }
  }

  @AfterAll
  static void closePool() {
    if (pool != null) {
      pool.dispose();
    }
  }
}
