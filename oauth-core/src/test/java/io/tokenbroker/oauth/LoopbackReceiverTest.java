package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LoopbackReceiverTest {
  private static final String STATE = "st-7f3a9c";
  private static final String CODE = "SplxlOBeZQQYbYS6WxSbIA-secret-code";
  private static final Duration WAIT = Duration.ofSeconds(2);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(1))
          .build();
  private final List<LoopbackReceiver> receivers = new ArrayList<>();

  @AfterEach
  void closeReceivers() {
    receivers.forEach(LoopbackReceiver::close);
  }

  private LoopbackReceiver track(LoopbackReceiver receiver) {
    receivers.add(receiver);
    return receiver;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static URI at(LoopbackReceiver receiver, String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + receiver.port() + pathAndQuery);
  }

  private CompletableFuture<HttpResponse<String>> getAsync(URI uri) {
    return http.sendAsync(
        HttpRequest.newBuilder(uri).timeout(WAIT).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> join(CompletableFuture<HttpResponse<String>> f)
      throws Exception {
    return f.get(5, TimeUnit.SECONDS);
  }

  private static void assertSafePage(HttpResponse<String> response) {
    assertEquals(
        "text/html; charset=utf-8", response.headers().firstValue("Content-Type").orElseThrow());
    assertEquals("no-store", response.headers().firstValue("Cache-Control").orElseThrow());
    String csp = response.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.startsWith("default-src 'none'"), csp);
    assertFalse(csp.contains("unsafe"), csp);
    assertEquals("no-referrer", response.headers().firstValue("Referrer-Policy").orElseThrow());
    String body = response.body();
    assertTrue(body.startsWith("<!DOCTYPE html>"), body);
    assertFalse(body.contains(CODE), "page must not echo the code");
    assertFalse(body.contains("src="), "page must not load resources");
    assertFalse(body.contains("href="), "page must not link resources");
  }

  private static void assertNoSecret(ConsentException e) {
    assertFalse(e.getMessage().contains(CODE), e.getMessage());
    assertFalse(e.toString().contains(CODE), e.toString());
    assertFalse(e.getMessage().contains("code="), e.getMessage());
  }

  private static void assertRefused(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      fail("expected port " + port + " to be closed");
    } catch (IOException expected) {
      // refused: nothing listens any more
    }
  }

  @Test
  void successReturnsTheCallbackUriWithCodeAndState() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    URI redirect = receiver.redirectUri();
    assertEquals("http", redirect.getScheme());
    assertEquals("127.0.0.1", redirect.getHost());
    assertEquals("/callback", redirect.getPath());
    assertTrue(redirect.getPort() > 0);
    assertEquals(receiver.port(), redirect.getPort());

    var response =
        getAsync(URI.create(redirect + "?code=" + CODE + "&state=" + STATE + "&iss=x%2Fy"));
    URI callback = receiver.awaitCallback(STATE, WAIT);

    assertEquals(
        redirect + "?code=" + CODE + "&state=" + STATE + "&iss=x%2Fy", callback.toString());
    HttpResponse<String> page = join(response);
    assertEquals(200, page.statusCode());
    assertSafePage(page);
    assertTrue(page.body().contains("You can close this window"), page.body());
    assertRefused(receiver.port()); // stopped after the result
  }

  private record Sent(URI uri, CompletableFuture<HttpResponse<String>> response) {}

  /** Sends two callbacks and returns once the receiver holds both (no awaitCallback yet). */
  private List<Sent> twoCallbacksHeld(LoopbackReceiver receiver) throws Exception {
    URI firstUri = at(receiver, "/callback?code=first-" + CODE + "&state=" + STATE);
    URI secondUri = at(receiver, "/callback?code=second-" + CODE + "&state=" + STATE);
    Sent first = new Sent(firstUri, getAsync(firstUri));
    Sent second = new Sent(secondUri, getAsync(secondUri));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!receiver.toString().contains("2 held")) {
      assertTrue(System.nanoTime() < deadline, receiver.toString());
      Thread.sleep(5);
    }
    return List.of(first, second);
  }

  @Test
  void callbacksAreHeldUntilJudgedAndOnlyOneIsTaken() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    List<Sent> sent = twoCallbacksHeld(receiver);
    assertFalse(sent.get(0).response().isDone(), "the browser waits until the callback is judged");
    assertFalse(sent.get(1).response().isDone());

    URI callback = receiver.awaitCallback(STATE, WAIT);

    Sent taken = sent.get(0).uri().equals(callback) ? sent.get(0) : sent.get(1);
    Sent other = taken == sent.get(0) ? sent.get(1) : sent.get(0);
    assertEquals(taken.uri(), callback);
    assertEquals(200, join(taken.response()).statusCode());
    HttpResponse<String> rejectedPage = join(other.response());
    assertEquals(409, rejectedPage.statusCode());
    assertSafePage(rejectedPage);
  }

  @Test
  void forgedCallbacksAreAnswered400AndTheReceiverKeepsWaitingForTheRealOne() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    CompletableFuture<URI> result =
        CompletableFuture.supplyAsync(() -> receiver.awaitCallback(STATE, Duration.ofSeconds(8)));

    for (String forged :
        List.of("code=forged-1&state=evil", "code=forged-2", "code=a&code=b&state=" + STATE)) {
      HttpResponse<String> page = join(getAsync(at(receiver, "/callback?" + forged)));
      assertEquals(400, page.statusCode(), forged);
      assertSafePage(page);
      assertFalse(result.isDone(), "a forged callback does not end the consent: " + forged);
    }
    URI real = at(receiver, "/callback?code=" + CODE + "&state=" + STATE);
    HttpResponse<String> page = join(getAsync(real));

    assertEquals(200, page.statusCode());
    assertEquals(real, result.get(5, TimeUnit.SECONDS));
  }

  /**
   * Sends {@code query} to the callback while {@code awaitCallback} waits: it must be answered 400
   * without ending the wait; then the genuine callback completes the consent.
   */
  private HttpResponse<String> refusedWhileWaiting(LoopbackReceiver receiver, String query)
      throws Exception {
    CompletableFuture<URI> result =
        CompletableFuture.supplyAsync(() -> receiver.awaitCallback(STATE, Duration.ofSeconds(8)));
    HttpResponse<String> page = join(getAsync(at(receiver, "/callback" + query)));
    assertEquals(400, page.statusCode(), query);
    assertSafePage(page);
    assertTrue(page.body().contains("still waiting"), page.body());
    assertFalse(result.isDone(), "a refused callback does not end the wait: " + query);
    URI genuine = at(receiver, "/callback?code=" + CODE + "&state=" + STATE);
    assertEquals(200, join(getAsync(genuine)).statusCode());
    assertEquals(genuine, result.get(5, TimeUnit.SECONDS));
    return page;
  }

  @Test
  void wrongOrMissingStateIsRefusedWithA400Page() throws Exception {
    for (String query :
        List.of(
            "?code=" + CODE + "&state=evil-9q2",
            "?code=" + CODE,
            "?code=" + CODE + "&state=" + STATE.substring(0, 3),
            "?code=" + CODE + "&state=" + STATE + "x",
            "?code=" + CODE + "&state=",
            "?error=access_denied&state=forged",
            "?error=access_denied")) {
      HttpResponse<String> page = refusedWhileWaiting(track(LoopbackReceiver.start()), query);
      assertFalse(page.body().contains("evil-9q2"), "no need to echo the state");
    }
  }

  @Test
  void aDifferentStateIsRefusedEvenWhenStateIsNotRequired() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.builder().stateRequired(false).start());
    refusedWhileWaiting(receiver, "?code=" + CODE + "&state=other");
  }

  @Test
  void unreadableOrEmptyCallbacksAreRefused() throws Exception {
    refusedWhileWaiting(
        track(LoopbackReceiver.start()), "?code=" + CODE + "&code=other&state=" + STATE);
    refusedWhileWaiting(track(LoopbackReceiver.builder().stateRequired(false).start()), "");
  }

  @Test
  void refusedCallbacksAreReportedWhenNothingElseArrivesInTime() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    CompletableFuture<URI> result =
        CompletableFuture.supplyAsync(() -> receiver.awaitCallback(STATE, WAIT));
    assertEquals(
        400,
        join(getAsync(at(receiver, "/callback?code=" + CODE + "&state=evil-9q2"))).statusCode());
    assertEquals(400, join(getAsync(at(receiver, "/callback?code=" + CODE))).statusCode());

    ExecutionException wrapped =
        assertThrows(ExecutionException.class, () -> result.get(5, TimeUnit.SECONDS));

    ConsentException e = (ConsentException) wrapped.getCause();
    assertEquals(ConsentException.Kind.STATE_MISMATCH, e.kind());
    assertTrue(e.getMessage().contains("2 callbacks were refused"), e.getMessage());
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
    assertNoSecret(e);
    assertFalse(e.getMessage().contains("evil-9q2"), e.getMessage());
    assertRefused(receiver.port());
  }

  @Test
  void missingStateIsAcceptedWhenNotRequired() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.builder().stateRequired(false).start());
    var response = getAsync(at(receiver, "/callback?code=" + CODE));

    URI callback = receiver.awaitCallback(STATE, WAIT);

    assertEquals(receiver.redirectUri() + "?code=" + CODE, callback.toString());
    assertEquals(200, join(response).statusCode());
  }

  @Test
  void secondCallbackAfterTheResultIsRejectedAndDoesNotChangeIt() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    var first = getAsync(at(receiver, "/callback?code=" + CODE + "&state=" + STATE));
    URI callback = receiver.awaitCallback(STATE, WAIT);
    assertEquals(200, join(first).statusCode());

    assertThrows(
        IOException.class,
        () -> send(HttpRequest.newBuilder(at(receiver, "/callback?code=other&state=" + STATE))));
    assertThrows(IllegalStateException.class, () -> receiver.awaitCallback(STATE, WAIT));
    assertTrue(callback.getRawQuery().contains("code=" + CODE));
  }

  @Test
  void wrongPathAndWrongMethodAreRejectedAndTheReceiverKeepsWaiting() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());

    for (String path :
        List.of("/favicon.ico", "/other", "/callbackx?code=x&state=" + STATE, "/callback/x", "/")) {
      HttpResponse<String> page = send(HttpRequest.newBuilder(at(receiver, path)));
      assertEquals(404, page.statusCode(), path);
      assertSafePage(page);
    }
    HttpResponse<String> post =
        send(
            HttpRequest.newBuilder(at(receiver, "/callback?code=x&state=" + STATE))
                .POST(HttpRequest.BodyPublishers.ofString("code=x")));
    assertEquals(405, post.statusCode());
    assertEquals("GET", post.headers().firstValue("Allow").orElseThrow());

    var response = getAsync(at(receiver, "/callback?code=" + CODE + "&state=" + STATE));
    URI callback = receiver.awaitCallback(STATE, WAIT);
    assertEquals(at(receiver, "/callback?code=" + CODE + "&state=" + STATE), callback);
    assertEquals(200, join(response).statusCode());
  }

  @Test
  void customPathAndSuccessMessage() throws Exception {
    LoopbackReceiver receiver =
        track(
            LoopbackReceiver.builder()
                .path("/oauth/done")
                .successMessage("All set <b>now</b>")
                .start());
    assertEquals("/oauth/done", receiver.redirectUri().getPath());
    assertEquals(404, send(HttpRequest.newBuilder(at(receiver, "/callback"))).statusCode());

    var response = getAsync(at(receiver, "/oauth/done?code=" + CODE + "&state=" + STATE));
    receiver.awaitCallback(STATE, WAIT);
    HttpResponse<String> page = join(response);
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("All set &lt;b&gt;now&lt;/b&gt;"), page.body());
  }

  @Test
  void timeoutSaysHowLongItWaitedAndHowToRetry() {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    long started = System.nanoTime();

    ConsentException e =
        assertThrows(
            ConsentException.class, () -> receiver.awaitCallback(STATE, Duration.ofMillis(150)));

    assertTrue(System.nanoTime() - started >= Duration.ofMillis(150).toNanos());
    assertEquals(ConsentException.Kind.TIMEOUT, e.kind());
    assertTrue(e.getMessage().contains("150 ms"), e.getMessage());
    assertTrue(e.getMessage().contains("again"), e.getMessage());
    assertTrue(e.getMessage().contains(receiver.redirectUri().toString()), e.getMessage());
    assertRefused(receiver.port());
  }

  @Test
  void accessDeniedIsAClearExceptionAndTheDescriptionIsEscapedInThePage() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    String description = "User said <script>alert('x')</script> & \"no\"";
    var response =
        getAsync(
            at(
                receiver,
                "/callback?error=access_denied&error_description="
                    + enc(description)
                    + "&state="
                    + STATE));

    ConsentException e =
        assertThrows(ConsentException.class, () -> receiver.awaitCallback(STATE, WAIT));

    assertEquals(ConsentException.Kind.ACCESS_DENIED, e.kind());
    assertEquals("access_denied", e.oauthError().orElseThrow());
    assertEquals(description, e.errorDescription().orElseThrow());
    assertTrue(e.getMessage().contains("denied"), e.getMessage());
    HttpResponse<String> page = join(response);
    assertEquals(400, page.statusCode());
    assertSafePage(page);
    assertFalse(page.body().contains("<script>"), page.body());
    assertTrue(
        page.body()
            .contains(
                "User said &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;no&quot;"),
        page.body());
  }

  @Test
  void otherErrorIsAnErrorResponse() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    var response =
        getAsync(
            at(
                receiver,
                "/callback?error=invalid_scope&error_description=Unknown+scope%0Ainjected&state="
                    + STATE));

    ConsentException e =
        assertThrows(ConsentException.class, () -> receiver.awaitCallback(STATE, WAIT));

    assertEquals(ConsentException.Kind.ERROR_RESPONSE, e.kind());
    assertEquals("invalid_scope", e.oauthError().orElseThrow());
    assertEquals("Unknown scope injected", e.errorDescription().orElseThrow());
    assertFalse(e.getMessage().contains("\n"), "control characters are stripped");
    HttpResponse<String> page = join(response);
    assertEquals(400, page.statusCode());
    assertTrue(page.body().contains("invalid_scope"), page.body());
  }

  @Test
  void noCodeAndNoErrorIsAnInvalidCallback() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    var response = getAsync(at(receiver, "/callback?state=" + STATE));

    ConsentException e =
        assertThrows(ConsentException.class, () -> receiver.awaitCallback(STATE, WAIT));

    assertEquals(ConsentException.Kind.INVALID_CALLBACK, e.kind());
    assertEquals(400, join(response).statusCode());
  }

  @Test
  void notReachableOnANonLoopbackAddress() throws Exception {
    List<InetAddress> addresses = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      try {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
      } catch (SocketException e) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()) {
          addresses.add(address);
        }
      }
    }
    Assumptions.assumeFalse(addresses.isEmpty(), "this machine has no non-loopback address");
    // IPv4 first: the listener is IPv4; try at most a few addresses to stay fast.
    addresses.sort((a, b) -> Boolean.compare(a instanceof Inet6Address, b instanceof Inet6Address));

    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    // Sanity: the receiver does answer on loopback.
    assertEquals(404, send(HttpRequest.newBuilder(at(receiver, "/probe"))).statusCode());
    for (InetAddress address : addresses.subList(0, Math.min(3, addresses.size()))) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(address, receiver.port()), 300);
        fail("the receiver is reachable on " + address.getHostAddress());
      } catch (IOException expected) {
        // refused (or filtered): not reachable
      }
    }
  }

  @Test
  void fixedPortWorks() throws Exception {
    // A port found free may be taken by another process before the receiver binds it (the probe
    // is closed first): then another is tried.
    LoopbackReceiver receiver = null;
    int port = 0;
    for (int attempt = 0; receiver == null; attempt++) {
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = probe.getLocalPort();
      }
      try {
        receiver = track(LoopbackReceiver.start(port));
      } catch (UncheckedIOException inUse) {
        if (attempt >= 4) {
          throw inUse;
        }
      }
    }
    assertEquals(URI.create("http://127.0.0.1:" + port + "/callback"), receiver.redirectUri());

    var response = getAsync(at(receiver, "/callback?code=" + CODE + "&state=" + STATE));
    assertNotNull(receiver.awaitCallback(STATE, WAIT));
    assertEquals(200, join(response).statusCode());
  }

  @Test
  void busyFixedPortGivesAClearError() throws Exception {
    try (ServerSocket busy =
        new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
      int port = busy.getLocalPort();
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> track(LoopbackReceiver.start(port)));
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
  }

  @Test
  void closeFreesThePortAndIsIdempotent() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    int port = receiver.port();
    assertEquals(404, send(HttpRequest.newBuilder(at(receiver, "/x"))).statusCode());

    receiver.close();
    receiver.close();

    assertRefused(port);
    try (LoopbackReceiver again = LoopbackReceiver.start(port)) {
      assertEquals(port, again.port());
    }
  }

  @Test
  void closeWhileWaitingCancelsTheWait() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    CompletableFuture<URI> waiting =
        CompletableFuture.supplyAsync(() -> receiver.awaitCallback(STATE, Duration.ofSeconds(30)));

    receiver.close();

    CompletionException e =
        assertThrows(
            CompletionException.class, () -> waiting.orTimeout(5, TimeUnit.SECONDS).join());
    assertTrue(e.getCause() instanceof CancellationException, e.toString());
  }

  @Test
  void closeAnswersAHeldCallback() throws Exception {
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    List<Sent> held = twoCallbacksHeld(receiver);

    receiver.close();

    for (Sent sent : held) {
      HttpResponse<String> page = join(sent.response());
      assertEquals(503, page.statusCode());
      assertSafePage(page);
    }
    assertThrows(CancellationException.class, () -> receiver.awaitCallback(STATE, WAIT));
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> LoopbackReceiver.start(-1));
    assertThrows(IllegalArgumentException.class, () -> LoopbackReceiver.start(65_536));
    assertThrows(IllegalArgumentException.class, () -> LoopbackReceiver.builder().path("callback"));
    assertThrows(IllegalArgumentException.class, () -> LoopbackReceiver.builder().path("/a?b"));
    LoopbackReceiver receiver = track(LoopbackReceiver.start());
    assertThrows(NullPointerException.class, () -> receiver.awaitCallback((String) null, WAIT));
    assertThrows(IllegalArgumentException.class, () -> receiver.awaitCallback("", WAIT));
    assertThrows(
        IllegalArgumentException.class, () -> receiver.awaitCallback(STATE, Duration.ZERO));
  }
}
