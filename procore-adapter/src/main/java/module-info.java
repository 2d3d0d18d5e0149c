/** Procore for tokenbroker: start with {@link io.tokenbroker.procore.Procore}. */
module io.tokenbroker.procore {
  exports io.tokenbroker.procore;

  // Jackson reads Procore's JSON into this package's records by reflection.
  opens io.tokenbroker.procore to
      com.fasterxml.jackson.databind;

  requires transitive io.tokenbroker.oauth;
  requires com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;
}
