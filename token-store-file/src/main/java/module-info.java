/** A crash-safe, process-safe {@link io.tokenbroker.oauth.TokenStore} of one file per grant. */
module io.tokenbroker.store.file {
  exports io.tokenbroker.store.file;

  requires transitive io.tokenbroker.oauth;
  requires static transitive org.jspecify;
}
