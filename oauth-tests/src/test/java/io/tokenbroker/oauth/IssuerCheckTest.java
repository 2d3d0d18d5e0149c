package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeClock;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RFC 9207: {@code iss} in authorization responses, the mix-up defence. */
class IssuerCheckTest {
  private static final String CLIENT_ID = "iss-client";
  private static final String SECRET = "iss-client-secret-0123456789";

  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server;

  private void start(boolean sendsIss) {
    server =
        FakeAuthorizationServer.builder().clock(clock).authorizationResponseIss(sendsIss).start();
    server.registerClient(CLIENT_ID, SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private TokenClient client(Provider provider) {
    return TokenClient.builder(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)))
        .clock(clock)
        .build();
  }

  private static URI withoutIss(URI callback) {
    return URI.create(callback.toString().replaceAll("&iss=[^&]*", ""));
  }

  private static URI withIss(URI callback, String iss) {
    return URI.create(callback.toString().replaceAll("&iss=[^&]*", "") + "&iss=" + iss);
  }

  @Test
  void aServerThatAnnouncesIssMustSendItsOwn() throws Exception {
    start(true);
    TokenClient client = client(Provider.discover(server.issuer()));

    AuthorizationRequest good = client.authorizationRequest(URI.create("https://app.example/cb"));
    URI callback = FakeAuthorizationServer.approve(good.uri());
    assertEquals(List.of(server.issuer().toString()), Browser.query(callback).get("iss"));
    assertTrue(good.issuerRequired());
    assertEquals(server.issuer().toString(), good.issuer().orElseThrow());
    good.complete(callback);

    AuthorizationRequest missing =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    URI stripped = withoutIss(FakeAuthorizationServer.approve(missing.uri()));
    ConsentException e = assertThrows(ConsentException.class, () -> missing.complete(stripped));
    assertEquals(ConsentException.Kind.ISSUER_MISMATCH, e.kind());

    AuthorizationRequest mixedUp =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    URI other =
        withIss(FakeAuthorizationServer.approve(mixedUp.uri()), "https%3A%2F%2Fattacker.example");
    e = assertThrows(ConsentException.class, () -> mixedUp.complete(other));
    assertEquals(ConsentException.Kind.ISSUER_MISMATCH, e.kind());
    assertEquals(1, server.tokenRequestCount(), "no code exchanged for a refused callback");
  }

  @Test
  void aPresentIssIsCheckedEvenWhenNotAnnounced() throws Exception {
    start(false);
    Provider provider =
        Provider.builder("fake")
            .issuer(server.issuer())
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    TokenClient client = client(provider);

    AuthorizationRequest plain = client.authorizationRequest(URI.create("https://app.example/cb"));
    plain.complete(FakeAuthorizationServer.approve(plain.uri())); // no iss, none promised: fine

    AuthorizationRequest mixedUp =
        client.authorizationRequest(URI.create("https://app.example/cb"));
    URI other =
        withIss(FakeAuthorizationServer.approve(mixedUp.uri()), "https%3A%2F%2Fattacker.example");
    ConsentException e = assertThrows(ConsentException.class, () -> mixedUp.complete(other));
    assertEquals(ConsentException.Kind.ISSUER_MISMATCH, e.kind());
  }

  @Test
  void theLoopbackReceiverRefusesAnotherIssuerAndTellsTheBrowser() throws Exception {
    start(true);
    TokenClient client = client(Provider.discover(server.issuer()));
    try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
      AuthorizationRequest request = client.authorizationRequest(receiver.redirectUri());
      URI callback = FakeAuthorizationServer.approve(request.uri());
      URI forged = withIss(callback, "https%3A%2F%2Fattacker.example");
      CompletableFuture<HttpResponse<String>> browser =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Browser.get(forged);
                } catch (Exception ex) {
                  throw new IllegalStateException(ex);
                }
              });

      // A forged callback is refused (400) and does not end the wait (issue 12): the timeout
      // reports it.
      ConsentException e =
          assertThrows(
              ConsentException.class, () -> receiver.awaitCallback(request, Duration.ofSeconds(5)));
      HttpResponse<String> page = browser.get();

      assertEquals(ConsentException.Kind.ISSUER_MISMATCH, e.kind());
      assertEquals(400, page.statusCode());
      assertTrue(page.body().contains("expected authorization server"), page.body());
    }
  }

  @Test
  void theLoopbackReceiverAcceptsTheRightIssuer() throws Exception {
    start(true);
    TokenClient client = client(Provider.discover(server.issuer()));
    try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
      AuthorizationRequest request = client.authorizationRequest(receiver.redirectUri());
      CompletableFuture<HttpResponse<String>> browser =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Browser.get(FakeAuthorizationServer.approve(request.uri()));
                } catch (Exception ex) {
                  throw new IllegalStateException(ex);
                }
              });

      URI callback = receiver.awaitCallback(request, Duration.ofSeconds(30));
      TokenSet tokens = request.complete(callback);

      assertEquals(200, browser.get().statusCode());
      assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
    }
  }
}
