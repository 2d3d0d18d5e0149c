package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.TokenStoreException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class PostgresStoreTest extends JdbcStoreBehaviorTest {
  @Override
  DataSource dataSource() {
    return EmbeddedPostgresSupport.dataSource();
  }

  @Test
  void autoCreateIsOffByDefaultOnServerDatabases() {
    TokenStoreException e =
        assertThrows(
            TokenStoreException.class,
            () -> JdbcTokenStore.builder(dataSource()).table("created_by_a_dba").build());
    assertEquals(TokenStoreException.Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("postgresql.sql"), e.getMessage());
  }
}
