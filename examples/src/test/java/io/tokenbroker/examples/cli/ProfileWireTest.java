package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProfileWireTest {
  @Test
  void toStringNeverShowsTheClientSecret() {
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
            "loopback");

    String text = wire.toString();

    assertFalse(text.contains("client-secret-value-42"), text);
    assertTrue(text.contains("acme"), text);
  }
}
