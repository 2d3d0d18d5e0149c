package io.tokenbroker.store.jdbc;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.testkit.TokenStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The shared store contract over one engine; each test gets a fresh table. Damage is done in SQL: a
 * row whose sealed bytes are gone is what the store itself can recognise as corrupt (damage inside
 * the sealed bytes is the sealer's to find).
 */
abstract class JdbcContractTest extends TokenStoreContract {
  private static final AtomicInteger TABLES = new AtomicInteger();

  private final String table =
      "contract_" + getClass().getSimpleName().toLowerCase() + "_" + TABLES.incrementAndGet();

  abstract DataSource dataSource();

  @Override
  protected TokenStore createStore(Clock clock) {
    return JdbcTokenStore.builder(dataSource())
        .table(table)
        .pendingConsentTable(table + "_pending")
        .autoCreate(true)
        .clock(clock)
        .retries(3, Duration.ofMillis(10))
        .build();
  }

  @Override
  protected void corruptEntry(GrantKey key) {
    // A version no write can make: the row breaks the schema's rules.
    update("UPDATE " + table + " SET version = -1 WHERE grant_key = ?", key.value());
  }

  @Override
  protected void copyEntry(GrantKey from, GrantKey to) {
    update(
        "UPDATE "
            + table
            + " SET sealed = (SELECT s.sealed FROM "
            + table
            + " s WHERE s.grant_key = ?) WHERE grant_key = ?",
        from.value(),
        to.value());
  }

  private void update(String sql, String... keys) {
    try (Connection connection = dataSource().getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      Dialect dialect = Dialect.of(connection.getMetaData().getDatabaseProductName());
      for (int i = 0; i < keys.length; i++) {
        dialect.bindKey(statement, i + 1, keys[i]);
      }
      if (statement.executeUpdate() != 1) {
        throw new AssertionError("no row changed by " + sql);
      }
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }
}
