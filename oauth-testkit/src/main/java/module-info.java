/**
 * Test support for tokenbroker: the fake authorization server, the COR and Procore sandboxes, all
 * on one {@link io.tokenbroker.testkit.LoopbackServer}, and the shared test helpers. Start with
 * {@link io.tokenbroker.testkit.FakeAuthorizationServer}.
 */
module io.tokenbroker.testkit {
  exports io.tokenbroker.testkit;
  exports io.tokenbroker.testkit.cor;
  exports io.tokenbroker.testkit.procore;

  // RecordingBrokerListener and TokenStoreContract implement and test core's API; SecretLeakCheck
  // and TokenStoreContract are JUnit 5 code; Reply.json takes a Jackson JsonNode.
  requires transitive io.tokenbroker.oauth;
  requires transitive org.junit.jupiter.api;
  requires transitive com.fasterxml.jackson.databind;
  requires org.junit.platform.commons;
  requires java.logging;
  requires jdk.httpserver;
  requires static transitive org.jspecify;
}
