/** A {@link io.tokenbroker.oauth.TokenStore} in one SQL table, over any {@code DataSource}. */
module io.tokenbroker.store.jdbc {
  exports io.tokenbroker.store.jdbc;

  requires transitive io.tokenbroker.oauth;
  requires transitive java.sql;
  // H2, the embedded default, is an automatic module (the build silences javac's warning for it).
  requires com.h2database;
  requires static transitive org.jspecify;
}
