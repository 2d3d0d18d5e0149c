package io.tokenbroker.store.jdbc;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.testkit.RefreshLoop;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A child JVM for {@link PostgresFailoverRefreshTest}: {@link RefreshLoop} over a {@link
 * JdbcTokenStore} on PostgreSQL. The store's retries are written to standard error, each as a line
 * starting with {@code store:}.
 *
 * <p>Arguments: JDBC URL, table, keyset file, grant key, token endpoint, client id, run time in ms.
 * The client secret comes from {@value BrokerWorker#SECRET_VARIABLE}.
 */
public final class RefreshLoopWorker {
  /** Held, so that its level stays: the store's retries are logged at debug level. */
  private static final Logger STORE_LOG = Logger.getLogger(JdbcTokenStore.class.getName());

  private RefreshLoopWorker() {}

  public static void main(String[] args) throws Exception {
    // The store's retries on standard error, one line each, for the test to see the faults.
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(Level.FINE);
    handler.setFormatter(
        new SimpleFormatter() {
          @Override
          public String format(LogRecord record) {
            return "store: " + formatMessage(record) + System.lineSeparator();
          }
        });
    STORE_LOG.setLevel(Level.FINE);
    STORE_LOG.addHandler(handler);
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(args[0]);
    dataSource.setConnectTimeout(2);
    // Retries that outlast a half-second read-only window (about 2.5 to 5 s in all), as a
    // deployment facing failovers would configure them.
    JdbcTokenStore store =
        JdbcTokenStore.builder(dataSource)
            .table(args[1])
            .retries(6, Duration.ofMillis(200))
            .build();
    RefreshLoop.serve(
        store,
        Keysets.fromFile(Path.of(args[2])),
        GrantKey.of(args[3]),
        URI.create(args[4]),
        args[5],
        System.getenv(BrokerWorker.SECRET_VARIABLE),
        Duration.ofMillis(Long.parseLong(args[6])));
    System.exit(0);
  }
}
