package io.tokenbroker.oauth.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlsTest {
  private static final String CANARY = "S3CRET-canary-0123456789";

  @Test
  void aRefusedUrlIsQuotedWithoutUserInfoQueryOrFragment() {
    for (String bad :
        new String[] {
          "http://user:" + CANARY + "@auth.example/token?client_secret=" + CANARY + "#" + CANARY,
          "ftp://auth.example/token?secret=" + CANARY,
          "/token?secret=" + CANARY,
          "mailto:" + CANARY + "@example.com",
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Urls.requireSecure(URI.create(bad), "tokenEndpoint"));
      assertFalse(e.getMessage().contains(CANARY), e.getMessage());
      assertTrue(e.getMessage().startsWith("tokenEndpoint must "), e.getMessage());
    }
  }

  @Test
  void theRedactedFormKeepsWhatLocatesTheEndpoint() {
    assertEquals(
        "http://…@auth.example:8443/oauth/token?…#…",
        Urls.redacted(URI.create("http://u:p@auth.example:8443/oauth/token?a=b#f")));
    assertEquals(
        "https://auth.example/oauth/token",
        Urls.redacted(URI.create("https://auth.example/oauth/token")));
    assertEquals("/token?…", Urls.redacted(URI.create("/token?secret=x")));
    assertEquals("mailto:…", Urls.redacted(URI.create("mailto:someone@example.com")));
  }
}
