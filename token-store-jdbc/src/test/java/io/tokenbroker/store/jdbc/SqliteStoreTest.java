package io.tokenbroker.store.jdbc;

import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class SqliteStoreTest extends JdbcStoreBehaviorTest {
  @TempDir static Path directory;
  private static SQLiteDataSource dataSource;

  @Override
  DataSource dataSource() {
    synchronized (SqliteStoreTest.class) {
      if (dataSource == null) {
        dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + directory.resolve("tokens.sqlite"));
      }
      return dataSource;
    }
  }
}
