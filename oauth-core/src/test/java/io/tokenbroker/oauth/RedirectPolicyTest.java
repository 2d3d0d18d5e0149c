package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/** A token endpoint's redirect must never carry the refresh token and client secret elsewhere. */
class RedirectPolicyTest {
  private static final ClientRegistration REGISTRATION =
      ClientRegistration.of(
          Provider.builder("p").tokenEndpoint(URI.create("https://idp.example/token")).build(),
          "client",
          ClientSecret.of("secret-value-123"));

  @Test
  void clientsThatFollowRedirectsAreRefused() {
    for (HttpClient.Redirect policy :
        new HttpClient.Redirect[] {HttpClient.Redirect.NORMAL, HttpClient.Redirect.ALWAYS}) {
      HttpClient follows = HttpClient.newBuilder().followRedirects(policy).build();
      IllegalArgumentException broker =
          assertThrows(
              IllegalArgumentException.class, () -> TokenBroker.builder().httpClient(follows));
      IllegalArgumentException client =
          assertThrows(
              IllegalArgumentException.class,
              () -> TokenClient.builder(REGISTRATION).httpClient(follows));
      assertTrue(broker.getMessage().contains("redirect"), broker.getMessage());
      assertTrue(client.getMessage().contains("Redirect.NEVER"), client.getMessage());
    }
  }

  @Test
  void clientsThatNeverFollowRedirectsAreAccepted() {
    HttpClient never = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    assertDoesNotThrow(() -> TokenBroker.builder().httpClient(never));
    assertDoesNotThrow(() -> TokenClient.builder(REGISTRATION).httpClient(never));
  }
}
