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
  POSTGRESQL("postgresql.sql"),
  H2("h2.sql"),
  /** MySQL and MariaDB: the key column is binary, so keys are bound as UTF-8 bytes. */
  MYSQL("mysql.sql"),
  SQLITE("sqlite.sql"),
  /** Anything else: standard DML only, no shipped DDL. */
  OTHER(null);

  /** The name of the table in the shipped DDL, replaced by the configured one. */
  static final String DEFAULT_TABLE = "tokenbroker_grants";

  private final @Nullable String ddlResource;

  Dialect(@Nullable String ddlResource) {
    this.ddlResource = ddlResource;
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
    if (ddlResource == null) {
      throw new IllegalStateException("no DDL for " + this);
    }
    try (InputStream in = Dialect.class.getResourceAsStream(ddlResource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + ddlResource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The executable CREATE TABLE statement for {@code qualifiedTable}, without comments. */
  String createTable(String qualifiedTable) {
    StringBuilder sql = new StringBuilder();
    for (String line : shippedDdl().split("\n", -1)) {
      if (!line.strip().startsWith("--") && !line.isBlank()) {
        sql.append(line).append('\n');
      }
    }
    return sql.toString().strip().replace(DEFAULT_TABLE, qualifiedTable);
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
    return ddlResource == null
        ? "(none for this database; adapt one of the shipped files)"
        : "io/tokenbroker/store/jdbc/" + ddlResource;
  }
}
