/** COR for tokenbroker: start with {@link io.tokenbroker.cor.Cor}. */
module io.tokenbroker.cor {
  exports io.tokenbroker.cor;

  // Jackson reads and writes COR's JSON into this package's records by reflection.
  opens io.tokenbroker.cor to
      com.fasterxml.jackson.databind;

  requires transitive io.tokenbroker.oauth;
  requires com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;
}
