package io.tokenbroker.store.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;

/** One embedded PostgreSQL server for the whole test JVM, started on first use. */
final class EmbeddedPostgresSupport {
  private static EmbeddedPostgres server;

  private EmbeddedPostgresSupport() {}

  static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      EmbeddedPostgres started = server;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      started.close();
                    } catch (IOException e) {
                      // the JVM is going away; the server's own hook cleans up
                    }
                  }));
    }
    return server;
  }

  static DataSource dataSource() {
    return server().getPostgresDatabase();
  }
}
