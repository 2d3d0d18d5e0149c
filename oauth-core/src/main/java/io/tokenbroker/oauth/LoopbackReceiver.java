package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Receives the OAuth 2.0 authorization-code redirect on a local HTTP listener (RFC 8252 §7.3), for
 * command-line helpers and desktop tools that run the consent in the user's browser.
 *
 * <p>Security properties:
 *
 * <ul>
 *   <li><b>Loopback only.</b> The listener binds {@code 127.0.0.1} and nothing else, never the
 *       wildcard address: other machines cannot reach it, and the redirect URI is {@code
 *       http://127.0.0.1:PORT/PATH} (an IP literal, so no {@code localhost} name resolution).
 *   <li><b>Single use.</b> Exactly one genuine request to the callback path is taken as the
 *       callback. Any later callback is answered {@code 409} and cannot change the result; once the
 *       result is known the listener is stopped, so further connections are refused. Other paths
 *       get {@code 404}, other methods {@code 405}, and the receiver keeps waiting.
 *   <li><b>State check; forged callbacks do not end the wait.</b> The callback's {@code state} must
 *       equal the expected one (compared in constant time). A callback with a different state, a
 *       missing one (unless not {@linkplain Builder#stateRequired(boolean) required}), or a query
 *       that cannot be read is answered {@code 400} and <em>ignored</em>: the receiver keeps
 *       waiting for the genuine one, so a forged request cannot consume the consent. If nothing
 *       else arrives in time, the timeout reports the refused callbacks ({@link
 *       ConsentException.Kind#STATE_MISMATCH}). For vendors that do not echo {@code state}, {@code
 *       stateRequired(false)} accepts a <em>missing</em> state; a <em>different</em> state is
 *       always refused. A callback without state, code or error is unverifiable and refused too.
 *   <li><b>Issuer check.</b> {@link #awaitCallback(AuthorizationRequest, Duration)} also checks the
 *       callback's {@code iss} (RFC 9207): a response from another authorization server is refused
 *       like a forged state (400, the wait goes on), and reported at the timeout as {@link
 *       ConsentException.Kind#ISSUER_MISMATCH}.
 *   <li><b>Timeout.</b> {@link #awaitCallback(String, Duration)} waits at most the given time
 *       (default {@link #DEFAULT_TIMEOUT}), then fails with {@link ConsentException.Kind#TIMEOUT}
 *       and stops the listener.
 *   <li><b>No leaks.</b> The authorization code and the callback query are never logged, never put
 *       into exception messages and never echoed into the browser page; pages are self-contained
 *       (no external resources), {@code Cache-Control: no-store}, {@code Referrer-Policy:
 *       no-referrer} and a {@code Content-Security-Policy} that allows only the page's own inline
 *       style. Text from the callback shown on a page (an {@code error_description}) is
 *       HTML-escaped.
 * </ul>
 *
 * <p>Usage:
 *
 * <pre>{@code
 * try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
 *   URI redirectUri = receiver.redirectUri();          // http://127.0.0.1:54321/callback
 *   String state = ...;                                // fresh, unguessable
 *   openBrowser(authorizationUrl(redirectUri, state)); // the user consents
 *   URI callback = receiver.awaitCallback(state, Duration.ofMinutes(5));
 *   // exchange the code in `callback` (with the same redirectUri) for tokens
 * }
 * }</pre>
 *
 * <p>The callback may arrive before {@code awaitCallback} is called; it is held (the browser waits
 * for its page) until {@code awaitCallback} judges it.
 *
 * <p>Thread-safety: instances are safe for use from several threads. {@link #awaitCallback} may be
 * called once per receiver; {@link #close()} may be called at any time, from any thread, any number
 * of times.
 *
 * <p>Failure modes: {@link ConsentException} for a denied, forged, malformed or missing callback;
 * {@link UncheckedIOException} if the listener cannot be started (for a fixed port: the port is in
 * use); {@link CancellationException} if the receiver is closed (or the waiting thread interrupted)
 * before a result.
 */
public final class LoopbackReceiver implements AutoCloseable {
  /** The callback path used unless the builder sets another: {@value}. */
  public static final String DEFAULT_PATH = "/callback";

  /** The wait used by {@link #awaitCallback(String)}: 5 minutes. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private static final System.Logger LOG = System.getLogger(LoopbackReceiver.class.getName());
  private static final String DEFAULT_SUCCESS_MESSAGE =
      "Authorization complete. You can close this window and return to the application.";
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  /**
   * Callbacks held before {@code awaitCallback} tells the expected state; more are answered 503.
   */
  private static final int MAX_HELD = 8;

  private enum Phase {
    /** Listening; no genuine callback yet. */
    WAITING,
    /** A genuine callback (or a final error) was accepted and is being answered. */
    SETTLING,
    /** The result is known (or the wait timed out); the listener is stopped. */
    DONE,
    /** {@link #close()} was called before a result. */
    CLOSED
  }

  /** What one callback request means. */
  private record Verdict(
      @Nullable URI callback, @Nullable ConsentException failure, boolean refused, String page) {}

  /** What a genuine callback carries: the request's state and, per RFC 9207, its issuer. */
  private record Expected(String state, @Nullable String issuer, boolean issuerRequired) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final String path;
  private final URI redirectUri;
  private final boolean stateRequired;
  private final String successMessage;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // Guarded by lock.
  private Phase phase = Phase.WAITING;
  private final ArrayDeque<HttpExchange> held = new ArrayDeque<>();
  private @Nullable Expected expected;
  private @Nullable URI result;
  private @Nullable ConsentException failure;
  private int refused;
  private @Nullable ConsentException lastRefusal;
  private boolean awaitCalled;
  private boolean stopped;

  private LoopbackReceiver(Builder builder) {
    this.path = builder.path;
    this.stateRequired = builder.stateRequired;
    this.successMessage = builder.successMessage;
    InetAddress loopback;
    try {
      loopback = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // cannot happen for a 4-byte address
    }
    HttpServer created;
    try {
      created = HttpServer.create(new InetSocketAddress(loopback, builder.port), 8);
    } catch (BindException e) {
      throw new UncheckedIOException(
          builder.port == 0
              ? "Cannot listen on 127.0.0.1 (no free port?): " + e.getMessage()
              : "Cannot listen on 127.0.0.1:"
                  + builder.port
                  + ": the port is in use (or not allowed). Stop whatever uses it, choose another"
                  + " fixed port registered as a redirect URI with the provider, or use port 0 for"
                  + " a random port if the provider accepts any loopback port.",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot start the loopback receiver on 127.0.0.1:" + builder.port + ": " + e, e);
    }
    this.server = created;
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "tokenbroker-loopback-" + THREAD_IDS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    // One context for everything, so that paths are matched exactly (contexts match by prefix).
    server.createContext("/", this::handle);
    server.start();
    int port = server.getAddress().getPort();
    this.redirectUri = URI.create("http://127.0.0.1:" + port + path);
    LOG.log(Level.DEBUG, "Loopback receiver listening on {0}", redirectUri);
  }

  /** Starts a receiver on a random free port with the path {@value #DEFAULT_PATH}. */
  public static LoopbackReceiver start() {
    return builder().start();
  }

  /**
   * Starts a receiver on {@code port} (0 for a random free port) with the path {@value
   * #DEFAULT_PATH}.
   *
   * @throws IllegalArgumentException if {@code port} is outside 0..65535
   * @throws UncheckedIOException if the port is in use
   */
  public static LoopbackReceiver start(int port) {
    return builder().port(port).start();
  }

  /** A builder for a receiver with another path, port, state rule or page text. */
  public static Builder builder() {
    return new Builder();
  }

  /** The redirect URI to send in the authorization request: {@code http://127.0.0.1:PORT/PATH}. */
  public URI redirectUri() {
    return redirectUri;
  }

  /** The port the receiver listens on (the random one if it was started with port 0). */
  public int port() {
    return redirectUri.getPort();
  }

  /** Same as {@link #awaitCallback(String, Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public URI awaitCallback(String expectedState) {
    return awaitCallback(expectedState, DEFAULT_TIMEOUT);
  }

  /**
   * Waits for the one genuine callback and returns it as {@code http://127.0.0.1:PORT/PATH?QUERY}
   * (the query as received, still encoded), holding the authorization {@code code} and {@code
   * state}. The browser gets a small page telling the user they can close the window. Callbacks
   * that fail the state check, or cannot be read, are answered {@code 400} and do not end the wait.
   * The listener is stopped when this returns or throws.
   *
   * @param expectedState the {@code state} sent in the authorization request
   * @param timeout how long to wait for the callback; positive
   * @throws ConsentException {@link ConsentException.Kind#ACCESS_DENIED} for {@code
   *     error=access_denied}; {@link ConsentException.Kind#ERROR_RESPONSE} for any other {@code
   *     error}; {@link ConsentException.Kind#INVALID_CALLBACK} if a callback with the right state
   *     has no {@code code}; at the timeout, {@link ConsentException.Kind#TIMEOUT} if nothing
   *     arrived, or the kind of the last refused callback ({@link
   *     ConsentException.Kind#STATE_MISMATCH}: missing or different state; {@link
   *     ConsentException.Kind#INVALID_CALLBACK}: a repeated or badly encoded parameter)
   * @throws IllegalStateException if {@code awaitCallback} was already called on this receiver
   * @throws CancellationException if the receiver was closed, or the calling thread interrupted
   *     (its interrupt flag is then set again), before a result
   */
  public URI awaitCallback(String expectedState, Duration timeout) {
    return awaitCallback(expectedState, timeout, null, false);
  }

  /**
   * Waits for the callback of {@code request} (made for this receiver's {@link #redirectUri()}), as
   * {@link #awaitCallback(String, Duration)} does with its {@code state}, and also checks {@code
   * iss} as RFC 9207 says: a present {@code iss} must name the request's {@linkplain
   * AuthorizationRequest#issuer() issuer}, and a missing one is refused when the server promised to
   * send it. The browser is told why a callback was refused. Finish with {@link
   * AuthorizationRequest#complete(URI)}.
   *
   * @throws ConsentException as {@link #awaitCallback(String, Duration)}, and {@link
   *     ConsentException.Kind#ISSUER_MISMATCH} for a missing or wrong {@code iss}
   */
  public URI awaitCallback(AuthorizationRequest request, Duration timeout) {
    requireNonNull(request, "request == null");
    return awaitCallback(
        request.state(), timeout, request.issuer().orElse(null), request.issuerRequired());
  }

  private URI awaitCallback(
      String expectedState,
      Duration timeout,
      @Nullable String expectedIssuer,
      boolean issuerRequired) {
    requireNonNull(expectedState, "expectedState == null");
    requireNonNull(timeout, "timeout == null");
    if (expectedState.isEmpty()) {
      throw new IllegalArgumentException("expectedState is empty");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    long timeoutNanos = saturatedNanos(timeout);
    long deadline = System.nanoTime() + timeoutNanos;
    List<HttpExchange> early;
    Expected judging;
    lock.lock();
    try {
      if (awaitCalled) {
        throw new IllegalStateException("awaitCallback may be called only once per receiver");
      }
      awaitCalled = true;
      this.expected = new Expected(expectedState, expectedIssuer, issuerRequired);
      judging = this.expected;
      early = new ArrayList<>(held);
      held.clear();
    } finally {
      lock.unlock();
    }
    for (HttpExchange exchange : early) {
      settle(exchange, judging);
    }
    lock.lock();
    try {
      // SETTLING: a genuine callback is being answered; its result follows at once.
      while (phase == Phase.SETTLING
          || (phase == Phase.WAITING && result == null && failure == null)) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 && phase == Phase.WAITING) {
          break;
        }
        try {
          changed.awaitNanos(Math.max(remaining, TimeUnit.MILLISECONDS.toNanos(10)));
        } catch (InterruptedException e) {
          phase = Phase.CLOSED;
          respondToHeldAndStop(503, "The application stopped waiting for this sign-in.");
          Thread.currentThread().interrupt();
          throw new CancellationException(
              "Interrupted while waiting for the authorization callback at " + redirectUri);
        }
      }
      if (result != null) {
        return result;
      }
      if (failure != null) {
        throw failure;
      }
      if (phase == Phase.CLOSED) {
        throw new CancellationException(
            "The loopback receiver at " + redirectUri + " was closed before a callback arrived");
      }
      phase = Phase.DONE;
      throw timedOut(timeout);
    } finally {
      stopServer();
      lock.unlock();
    }
  }

  // Requires lock.
  private ConsentException timedOut(Duration timeout) {
    ConsentException last = lastRefusal;
    if (last == null) {
      return new ConsentException(
          "No authorization callback arrived at "
              + redirectUri
              + " within "
              + human(timeout)
              + ". Start the consent again (a new receiver, authorization URL and state) and"
              + " finish it in the browser in time, or pass a longer timeout to awaitCallback",
          ConsentException.Kind.TIMEOUT,
          null,
          null);
    }
    return new ConsentException(
        "No valid authorization callback arrived at "
            + redirectUri
            + " within "
            + human(timeout)
            + "; "
            + refused
            + (refused == 1 ? " callback was" : " callbacks were")
            + " refused, the last because "
            + last.getMessage()
            + ". Start the consent again with a new authorization URL and state",
        last.kind(),
        null,
        null);
  }

  /**
   * Stops the listener; a callback that arrived but was not judged yet is answered {@code 503}.
   * Idempotent. A thread blocked in {@link #awaitCallback} gets a {@link CancellationException}.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (phase == Phase.WAITING || phase == Phase.SETTLING) {
        phase = Phase.CLOSED;
        changed.signalAll();
      }
      respondToHeldAndStop(503, "The application stopped waiting for this sign-in.");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "LoopbackReceiver["
          + redirectUri
          + ", "
          + phase.name().toLowerCase(Locale.ROOT)
          + (held.isEmpty() ? "" : ", " + held.size() + " held")
          + (refused == 0 ? "" : ", " + refused + " refused")
          + "]";
    } finally {
      lock.unlock();
    }
  }

  // ---- HTTP side -------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String requestPath = exchange.getRequestURI().getRawPath();
      if (!path.equals(requestPath)) {
        // Only the path: the query may hold a code sent to a misconfigured redirect URI.
        LOG.log(
            Level.DEBUG,
            "Loopback receiver: 404 for unexpected path {0}",
            LoopbackHttp.printable(String.valueOf(requestPath)));
        LoopbackHttp.respond(
            exchange,
            404,
            LoopbackHttp.page("Not found", "This address is not the sign-in callback."));
        return;
      }
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        LoopbackHttp.respond(
            exchange,
            405,
            LoopbackHttp.page(
                "Method not allowed", "The sign-in callback accepts only GET requests."));
        return;
      }
      Expected judging;
      lock.lock();
      try {
        if (phase != Phase.WAITING) {
          judging = null;
        } else if (expected == null) {
          if (held.size() < MAX_HELD) {
            held.add(exchange);
            return; // judged by awaitCallback (or answered by close)
          }
          LoopbackHttp.respond(
              exchange,
              503,
              LoopbackHttp.page("Busy", "Too many sign-in callbacks at once; try again."));
          return;
        } else {
          judging = expected;
        }
      } finally {
        lock.unlock();
      }
      if (judging == null) {
        answerAlreadyUsed(exchange);
        return;
      }
      settle(exchange, judging);
    } catch (RuntimeException | IOException e) {
      exchange.close();
      throw e;
    }
  }

  private static void answerAlreadyUsed(HttpExchange exchange) {
    LOG.log(Level.DEBUG, "Loopback receiver: 409 for a callback after the first one");
    LoopbackHttp.respondQuietly(
        exchange,
        409,
        LoopbackHttp.page(
            "Sign-in link already used",
            "This sign-in callback was already received. Start the sign-in again from the"
                + " application if needed."));
  }

  /**
   * Judges one callback and answers it: a refused one gets 400 and changes nothing; a genuine one
   * (or a genuine error) becomes the result, unless another got there first (409).
   */
  private void settle(HttpExchange exchange, Expected expected) {
    Verdict verdict = judge(exchange, expected);
    if (verdict.refused()) {
      lock.lock();
      try {
        refused++;
        lastRefusal = verdict.failure();
      } finally {
        lock.unlock();
      }
      LOG.log(
          Level.DEBUG,
          "Loopback receiver: callback refused ({0}); still waiting",
          requireNonNull(verdict.failure()).kind());
      LoopbackHttp.respondQuietly(
          exchange, 400, LoopbackHttp.page("Sign-in failed", verdict.page()));
      return;
    }
    Phase seen;
    lock.lock();
    try {
      seen = phase;
      if (seen == Phase.WAITING) {
        phase = Phase.SETTLING;
      }
    } finally {
      lock.unlock();
    }
    if (seen == Phase.CLOSED) {
      LoopbackHttp.respondQuietly(
          exchange,
          503,
          LoopbackHttp.page(
              "Sign-in cancelled", "The application stopped waiting for this sign-in."));
      return;
    }
    if (seen != Phase.WAITING) {
      answerAlreadyUsed(exchange); // another callback was taken first
      return;
    }
    if (verdict.callback() != null) {
      LoopbackHttp.respondQuietly(exchange, 200, LoopbackHttp.page("Signed in", successMessage));
      LOG.log(
          Level.DEBUG, "Loopback receiver: authorization callback received at {0}", redirectUri);
    } else {
      LoopbackHttp.respondQuietly(
          exchange, 400, LoopbackHttp.page("Sign-in failed", verdict.page()));
      LOG.log(
          Level.DEBUG,
          "Loopback receiver: callback rejected ({0})",
          requireNonNull(verdict.failure()).kind());
    }
    lock.lock();
    try {
      if (phase == Phase.SETTLING) {
        phase = Phase.DONE;
        result = verdict.callback();
        failure = verdict.failure();
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private Verdict judge(HttpExchange exchange, Expected expected) {
    String rawQuery = exchange.getRequestURI().getRawQuery();
    URI callback = URI.create(redirectUri + (rawQuery == null ? "" : "?" + rawQuery));
    Map<String, String> params;
    try {
      params = LoopbackHttp.parseQuery(rawQuery);
    } catch (IllegalArgumentException e) {
      // Unreadable, so unverifiable: refused, and the genuine callback may still come.
      return refusal(
          "The callback is malformed: a parameter is repeated or badly encoded.",
          new ConsentException(
              "the callback was malformed: " + e.getMessage(), // our own text, without values
              ConsentException.Kind.INVALID_CALLBACK,
              null,
              null));
    }
    String state = params.get("state");
    if (state == null ? stateRequired : !LoopbackHttp.constantTimeEquals(state, expected.state())) {
      return refusal(
          "The sign-in response did not match this sign-in attempt (its state is "
              + (state == null ? "missing" : "different")
              + "). It may be stale or forged.",
          new ConsentException(
              "its state was "
                  + (state == null ? "missing" : "different from the one sent")
                  + " (stale or forged)",
              ConsentException.Kind.STATE_MISMATCH,
              null,
              null));
    }
    ConsentException wrongIssuer =
        AuthorizationRequest.issuerMismatch(
            params.get("iss"), expected.issuer(), expected.issuerRequired());
    if (wrongIssuer != null) {
      return refusal(
          "The sign-in response did not come from the expected authorization server. It may be"
              + " forged.",
          wrongIssuer);
    }
    String error = params.get("error");
    String code = params.get("code");
    if (state == null && error == null && (code == null || code.isEmpty())) {
      return refusal(
          "The sign-in response carried no authorization code.",
          new ConsentException(
              "it carried no state, code or error",
              ConsentException.Kind.INVALID_CALLBACK,
              null,
              null));
    }
    if (error != null) {
      String safeError = LoopbackHttp.printable(error);
      String description = params.get("error_description");
      String safeDescription = description == null ? null : LoopbackHttp.printable(description);
      boolean denied = error.equals("access_denied");
      String shown =
          (denied
                  ? "Access was denied."
                  : "The authorization server reported an error: " + safeError + ".")
              + (safeDescription == null || safeDescription.isBlank() ? "" : " " + safeDescription);
      return new Verdict(
          null,
          new ConsentException(
              denied
                  ? "The user or the authorization server denied access"
                  : "The authorization server returned an error instead of a code",
              denied ? ConsentException.Kind.ACCESS_DENIED : ConsentException.Kind.ERROR_RESPONSE,
              safeError,
              safeDescription),
          false,
          shown + " You can close this window and return to the application.");
    }
    if (code == null || code.isEmpty()) {
      return new Verdict(
          null,
          new ConsentException(
              "The authorization callback at "
                  + redirectUri
                  + " carried neither a code nor an error",
              ConsentException.Kind.INVALID_CALLBACK,
              null,
              null),
          false,
          "The sign-in response carried no authorization code. You can close this window and"
              + " return to the application.");
    }
    return new Verdict(callback, null, false, successMessage);
  }

  private static Verdict refusal(String shownText, ConsentException why) {
    return new Verdict(
        null,
        why,
        true,
        shownText
            + " This sign-in is still waiting: use the link from the application's latest"
            + " sign-in.");
  }

  // Requires lock.
  private void respondToHeldAndStop(int status, String text) {
    for (HttpExchange exchange : held) {
      LoopbackHttp.respondQuietly(exchange, status, LoopbackHttp.page("Sign-in cancelled", text));
    }
    held.clear();
    stopServer();
  }

  // Requires lock.
  private void stopServer() {
    if (stopped) {
      return;
    }
    stopped = true;
    server.stop(0);
    executor.shutdownNow();
    LOG.log(Level.DEBUG, "Loopback receiver at {0} stopped", redirectUri);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2; // "forever" without overflowing the deadline arithmetic
    }
  }

  private static String human(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + " ms";
    }
    long seconds = d.toSeconds();
    long h = seconds / 3600;
    long m = seconds % 3600 / 60;
    long s = seconds % 60;
    StringBuilder out = new StringBuilder();
    if (h > 0) {
      out.append(h).append(" h ");
    }
    if (m > 0) {
      out.append(m).append(" min ");
    }
    if (s > 0 || out.length() == 0) {
      out.append(s).append(" s ");
    }
    return out.toString().trim();
  }

  /**
   * Configures a {@link LoopbackReceiver}. Not thread-safe; each {@link #start()} starts a new
   * receiver.
   */
  public static final class Builder {
    private int port;
    private String path = DEFAULT_PATH;
    private boolean stateRequired = true;
    private String successMessage = DEFAULT_SUCCESS_MESSAGE;

    private Builder() {}

    /**
     * The port on 127.0.0.1; 0 (the default) picks a random free one. Use a fixed port only for a
     * provider that requires the exact redirect URI, port included, to be registered.
     */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be in 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The callback path, matched exactly; default {@value LoopbackReceiver#DEFAULT_PATH}. Must
     * start with {@code /} and hold only unreserved characters, {@code /}, {@code .} and {@code -}.
     */
    public Builder path(String path) {
      requireNonNull(path, "path == null");
      if (!path.matches("/[A-Za-z0-9._~/-]*")) {
        throw new IllegalArgumentException(
            "path must start with / and hold only letters, digits and ._~/- : " + path);
      }
      this.path = path;
      return this;
    }

    /**
     * Whether the callback must carry {@code state} (default {@code true}). Set {@code false} only
     * for a provider that does not echo {@code state}: a missing state is then accepted, but a
     * state different from the expected one still fails with {@link
     * ConsentException.Kind#STATE_MISMATCH}.
     */
    public Builder stateRequired(boolean stateRequired) {
      this.stateRequired = stateRequired;
      return this;
    }

    /** The text of the page the browser shows after a successful callback (HTML-escaped). */
    public Builder successMessage(String successMessage) {
      requireNonNull(successMessage, "successMessage == null");
      if (successMessage.isBlank()) {
        throw new IllegalArgumentException("successMessage is blank");
      }
      this.successMessage = successMessage;
      return this;
    }

    /**
     * Starts listening.
     *
     * @throws UncheckedIOException if the listener cannot bind (for a fixed port: it is in use)
     */
    public LoopbackReceiver start() {
      return new LoopbackReceiver(this);
    }
  }
}
