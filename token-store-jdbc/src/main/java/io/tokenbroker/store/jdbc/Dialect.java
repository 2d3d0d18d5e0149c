package io.tokenbroker.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The SQL engines the store knows, told apart by {@code DatabaseMetaData}. */
enum Dialect {
  POSTGRESQL("postgresql"),
  H2("h2"),
  /** MySQL and MariaDB: the key column is binary, so keys are bound as UTF-8 bytes. */
  MYSQL("mysql"),
  SQLITE("sqlite"),
  /** Anything else: standard DML only, no shipped DDL. */
  OTHER(null);

  /** The name of the table in the shipped DDL, replaced by the configured one. */
  static final String DEFAULT_TABLE = "tokenbroker_grants";

  /** The name of the pending consents table in the shipped DDL. */
  static final String DEFAULT_PENDING_TABLE = "tokenbroker_pending_consents";

  private final @Nullable String ddlResource;
  private final @Nullable String pendingDdlResource;

  Dialect(@Nullable String name) {
    this.ddlResource = name == null ? null : name + ".sql";
    this.pendingDdlResource = name == null ? null : name + "-pending-consents.sql";
  }

  static Dialect of(String productName) {
    String name = productName.toLowerCase(Locale.ROOT);
    if (name.contains("postgres")) {
      return POSTGRESQL;
    } else if (name.equals("h2")) {
      return H2;
    } else if (name.contains("mysql") || name.contains("mariadb")) {
      return MYSQL;
    } else if (name.contains("sqlite")) {
      return SQLITE;
    }
    return OTHER;
  }

  /** Engines that live inside the application: auto-create is on by default for them. */
  boolean embedded() {
    return this == H2 || this == SQLITE;
  }

  boolean hasDdl() {
    return ddlResource != null;
  }

  /** The DDL as shipped, comments included, for the default table name. */
  String shippedDdl() {
    return resource(ddlResource);
  }

  /** The pending consents DDL as shipped, comments included, for the default table name. */
  String shippedPendingDdl() {
    return resource(pendingDdlResource);
  }

  private String resource(@Nullable String name) {
    if (name == null) {
      throw new IllegalStateException("no DDL for " + this);
    }
    try (InputStream in = Dialect.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The executable CREATE TABLE statement for {@code qualifiedTable}, without comments. */
  String createTable(String qualifiedTable) {
    return withoutComments(shippedDdl()).replace(DEFAULT_TABLE, qualifiedTable);
  }

  /** The executable CREATE TABLE statement of the pending consents table {@code qualifiedTable}. */
  String createPendingTable(String qualifiedTable) {
    return withoutComments(shippedPendingDdl()).replace(DEFAULT_PENDING_TABLE, qualifiedTable);
  }

  private static String withoutComments(String ddl) {
    StringBuilder sql = new StringBuilder();
    for (String line : ddl.split("\n", -1)) {
      if (!line.strip().startsWith("--") && !line.isBlank()) {
        sql.append(line).append('\n');
      }
    }
    return sql.toString().strip();
  }

  /**
   * The key column as compared and ordered in paged reads, never by a locale's collation:
   * PostgreSQL is told to use the "C" collation whatever the column's, MySQL keys are bytes and
   * SQLite compares UTF-8 bytes (all three: code point order), H2 compares Java strings (UTF-16
   * order, as {@link io.tokenbroker.oauth.GrantKey#compareTo}). The two orders differ only between
   * characters above U+FFFF and characters U+E000 to U+FFFF.
   */
  String orderedKey() {
    return this == POSTGRESQL ? "grant_key COLLATE \"C\"" : "grant_key";
  }

  /** The clause that ends a query after {@code rows} rows. */
  String limit(int rows) {
    return this == OTHER ? " FETCH FIRST " + rows + " ROWS ONLY" : " LIMIT " + rows;
  }

  void bindKey(PreparedStatement statement, int index, String key) throws SQLException {
    if (this == MYSQL) {
      statement.setBytes(index, key.getBytes(StandardCharsets.UTF_8));
    } else {
      statement.setString(index, key);
    }
  }

  String readKey(ResultSet rows, int index) throws SQLException {
    if (this == MYSQL) {
      return new String(rows.getBytes(index), StandardCharsets.UTF_8);
    }
    return rows.getString(index);
  }

  /** The resource name of the shipped DDL, for messages. */
  String ddlResourcePath() {
    return resourcePath(ddlResource);
  }

  /** The resource name of the shipped pending consents DDL, for messages. */
  String pendingDdlResourcePath() {
    return resourcePath(pendingDdlResource);
  }

  private static String resourcePath(@Nullable String name) {
    return name == null
        ? "(none for this database; adapt one of the shipped files)"
        : "io/tokenbroker/store/jdbc/" + name;
  }
}
