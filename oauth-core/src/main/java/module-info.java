/**
 * tokenbroker's core: {@link io.tokenbroker.oauth.TokenBroker} and the rest of the API in package
 * {@code io.tokenbroker.oauth}. The {@code io.tokenbroker.oauth.internal} package (Nimbus glue,
 * HTTP, sealing, JSON) is not exported.
 */
module io.tokenbroker.oauth {
  exports io.tokenbroker.oauth;

  // Keysets and TokenBroker.Builder take and return Tink's KeysetHandle and Aead;
  // AuthorizedHttpClient wraps java.net.http's HttpClient.
  requires transitive com.google.crypto.tink;
  requires transitive java.net.http;
  requires com.fasterxml.jackson.databind;
  // Nimbus's OAuth 2.0 SDK and json-smart declare no module name: these are the automatic modules
  // named after their jar files (the build silences javac's requires-automatic warning for them).
  requires oauth2.oidc.sdk;
  requires json.smart;
  // Nimbus JOSE+JWT (a real module): client assertions, DPoP proofs, JWKs.
  requires com.nimbusds.jose.jwt;
  requires jdk.httpserver;
  // The bounded grant cache (TokenBroker.Builder#maxCachedGrants).
  requires com.github.benmanes.caffeine;
  // Public signatures carry its @Nullable: readers of our API need it too (at compile time).
  requires static transitive org.jspecify;
}
