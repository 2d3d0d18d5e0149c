package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.testkit.StoreWrites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DdlAndOptionsTest {
  private static DataSource h2(String name) {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
    return h2;
  }

  @ParameterizedTest
  @EnumSource(
      value = Dialect.class,
      names = {"POSTGRESQL", "H2", "MYSQL", "SQLITE"})
  void readmePrintsTheShippedDdlVerbatim(Dialect dialect) throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String ddl = dialect.shippedDdl().strip();
    assertTrue(readme.contains("```sql\n" + ddl + "\n```"), "README lacks the DDL of " + dialect);
  }

  @ParameterizedTest
  @EnumSource(
      value = Dialect.class,
      names = {"POSTGRESQL", "H2", "MYSQL", "SQLITE"})
  void readmePrintsThePendingConsentsDdlVerbatim(Dialect dialect) throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    String ddl = dialect.shippedPendingDdl().strip();
    assertTrue(
        readme.contains("```sql\n" + ddl + "\n```"),
        "README lacks the pending consents DDL of " + dialect);
    String sql = dialect.createPendingTable("auth.pending");
    assertTrue(sql.startsWith("CREATE TABLE IF NOT EXISTS auth.pending ("), sql);
    assertFalse(sql.contains("--"), sql);
    for (String column : List.of("consent_id", "sealed", "expires_at", "created_at")) {
      assertTrue(sql.contains(column + " "), column + " in " + sql);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Dialect.class,
      names = {"POSTGRESQL", "H2", "MYSQL", "SQLITE"})
  void ddlHasEveryColumnAndTakesTheConfiguredName(Dialect dialect) {
    String sql = dialect.createTable("auth.oauth_grants");
    assertTrue(sql.startsWith("CREATE TABLE IF NOT EXISTS auth.oauth_grants ("), sql);
    assertFalse(sql.contains("--"), sql);
    assertFalse(sql.contains("tokenbroker_grants"), sql);
    for (String column :
        new String[] {
          "grant_key",
          "version",
          "sealed",
          "expires_at",
          "lease_owner",
          "lease_expires_at",
          "created_at",
          "updated_at"
        }) {
      assertTrue(sql.contains(column + " "), column + " in " + sql);
    }
  }

  @Test
  void dialectIsToldFromTheProductName() {
    assertEquals(Dialect.POSTGRESQL, Dialect.of("PostgreSQL"));
    assertEquals(Dialect.H2, Dialect.of("H2"));
    assertEquals(Dialect.MYSQL, Dialect.of("MySQL"));
    assertEquals(Dialect.MYSQL, Dialect.of("MariaDB"));
    assertEquals(Dialect.SQLITE, Dialect.of("SQLite"));
    assertEquals(Dialect.OTHER, Dialect.of("Apache Derby"));
    assertTrue(Dialect.H2.embedded() && Dialect.SQLITE.embedded());
    assertFalse(Dialect.POSTGRESQL.embedded() || Dialect.MYSQL.embedded());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "1grants",
        "grants; DROP TABLE users",
        "grants--",
        "\"grants\"",
        "auth.grants",
        "grants ",
        "gränts",
        "a_name_that_is_longer_than_sixty_three_characters_which_databases_refuse"
      })
  void tableAndSchemaMustBePlainIdentifiers(String name) {
    JdbcTokenStore.Builder builder = JdbcTokenStore.builder(h2("identifiers"));
    IllegalArgumentException table =
        assertThrows(IllegalArgumentException.class, () -> builder.table(name));
    assertTrue(table.getMessage().contains("plain SQL identifier"), table.getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder.schema(name));
  }

  @Test
  void otherOptionsAreValidated() {
    JdbcTokenStore.Builder builder = JdbcTokenStore.builder(h2("options"));
    assertThrows(NullPointerException.class, () -> JdbcTokenStore.builder(null));
    assertThrows(IllegalArgumentException.class, () -> builder.leaseOwner(" "));
    assertThrows(IllegalArgumentException.class, () -> builder.leaseOwner("x".repeat(81)));
    assertThrows(IllegalArgumentException.class, () -> builder.leaseOwner("a\nb"));
    assertThrows(IllegalArgumentException.class, () -> builder.retries(0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> builder.retries(1, Duration.ofMillis(-1)));
  }

  @Test
  void tableInASchema() throws Exception {
    DataSource h2 = h2("schemas");
    try (Connection c = h2.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA auth");
    }
    JdbcTokenStore store = JdbcTokenStore.builder(h2).schema("auth").table("oauth_grants").build();
    StoredGrant grant = new StoredGrant(GrantKey.of("k"), 1, new byte[] {1}, null);
    assertEquals(1, StoreWrites.put(store, grant.key(), grant.sealed(), null));
    assertEquals(grant, store.load(GrantKey.of("k")).orElseThrow());
    assertTrue(store.toString().contains("auth.oauth_grants"), store.toString());

    TokenStoreException e =
        assertThrows(
            TokenStoreException.class,
            () -> JdbcTokenStore.builder(h2).schema("nowhere").table("oauth_grants").build());
    assertEquals(TokenStoreException.Kind.MISCONFIGURED, e.kind());
  }

  @Test
  void autoCreateIsRefusedWhereNoDdlIsShipped() {
    assertFalse(Dialect.OTHER.hasDdl());
    assertThrows(IllegalStateException.class, Dialect.OTHER::shippedDdl);
  }
}
