package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfileWireTest {
  @Test
  void toStringNeverShowsTheClientSecretOrPrivateKey() {
    ProfileStore.Wire wire =
        new ProfileStore.Wire(
            1,
            "acme",
            "generic",
            Map.of("token-url", "https://idp.example/token"),
            "client-id",
            "client-secret-value-42",
            List.of("read"),
            "AUTHORIZATION_CODE",
            "loopback",
            "-----BEGIN PRIVATE KEY-----private-key-value-42",
            Map.of("audience", List.of("api")));

    String text = wire.toString();

    assertFalse(text.contains("client-secret-value-42"), text);
    assertFalse(text.contains("private-key-value-42"), text);
    assertTrue(text.contains("acme"), text);
  }
}
