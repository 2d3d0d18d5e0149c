package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A real, scriptable OAuth 2.0 authorization server on 127.0.0.1 for tests, in the spirit of
 * OkHttp's {@code MockWebServer}. It implements RFC 6749 (client credentials, authorization code,
 * refresh), RFC 7636 (PKCE), RFC 7009 (revocation) and RFC 7662 (introspection) independently of
 * tokenbroker's client code, so it is a genuine check of it.
 *
 * <pre>{@code
 * try (FakeAuthorizationServer server = FakeAuthorizationServer.builder()
 *     .clock(fakeClock)
 *     .refreshRotation(RefreshRotation.STRICT)
 *     .start()) {
 *   server.registerClient("my-client", "s3cret");
 *   server.enqueue(Fault.status(503).withRetryAfter("2")); // the first token call fails
 *   // ... point the code under test at server.tokenEndpoint() ...
 *   RecordedRequest request = server.takeRequest();
 *   assertEquals("client_credentials", request.parameter("grant_type"));
 *   assertEquals(2, server.tokenRequestCount());
 * }
 * }</pre>
 *
 * <p><b>Endpoints.</b> {@code POST /token}; {@code POST /refresh} (the same, but a request without
 * {@code grant_type} is a refresh, as some vendors do); {@code GET|POST /authorize}; {@code POST
 * /revoke}; {@code POST /introspect}. Parameters may travel in a form body, in the query string
 * (merged with the body), or in a JSON object body. Clients authenticate with HTTP Basic (id and
 * secret each form-encoded, RFC 6749 §2.3.1), with {@code client_id}/{@code client_secret}
 * parameters, or, for public clients, with {@code client_id} alone. Failures answer with RFC 6749
 * §5.2 JSON errors: 400, or 401 with {@code WWW-Authenticate: Basic} for {@code invalid_client}.
 *
 * <p><b>Authorization.</b> With the default {@link Decision#APPROVE} decision, {@code /authorize}
 * redirects (302) straight to {@code redirect_uri?code=...&state=...}; with {@link Decision#DENY},
 * to {@code redirect_uri?error=access_denied&state=...}. For the out-of-band redirect URI {@code
 * urn:ietf:wg:oauth:2.0:oob} it answers 200 with an HTML page whose element {@code id="code"} holds
 * the code. Codes are single-use (reuse revokes the grant they created) and expire after {@link
 * Builder#authorizationCodeLifetime} by the injected clock.
 *
 * <p><b>Scripting.</b> {@link #enqueue(Fault)} queues faults for the next token and refresh
 * requests; a {@link Dispatcher} can answer any request. Every request is recorded ({@link
 * #takeRequest()}, {@link #requests()}), and issued tokens, counters and grant state can be
 * queried.
 *
 * <p><b>Thread-safety.</b> All methods may be called from any thread while requests are being
 * served; requests are served concurrently (a thread per request, a large accept backlog). {@link
 * #close()} stops the server and abandons requests in flight (including delayed ones).
 *
 * <p>Secrets: the server never logs request contents or tokens; {@link #toString()} shows only the
 * base URI.
 */
public final class FakeAuthorizationServer implements AutoCloseable {
  private static final System.Logger LOG =
      System.getLogger(FakeAuthorizationServer.class.getName());
  private static final int BACKLOG = 4096;
  private static final Duration DEFAULT_TAKE_TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicInteger SERVER_IDS = new AtomicInteger();

  /** What {@code /authorize} decides on behalf of the (absent) resource owner. */
  public enum Decision {
    /** Consent is given at once: the redirect carries a code. */
    APPROVE,
    /** Consent is refused: the redirect carries {@code error=access_denied}. */
    DENY
  }

  /** Which kind of token {@link #introspect(String)} found. */
  public enum TokenKind {
    /** An access token from any grant. */
    ACCESS_TOKEN,
    /** A refresh token. */
    REFRESH_TOKEN
  }

  /**
   * What the server knows about a token value; all fields but {@code active} are null for a value
   * it never issued. For refresh tokens, {@code scope} is the grant's and {@code expiresAt} is null
   * unless {@link Builder#refreshTokenLifetime} was set. Contains no secret.
   */
  public record TokenInfo(
      boolean active,
      @Nullable TokenKind kind,
      @Nullable String clientId,
      @Nullable String scope,
      @Nullable Instant issuedAt,
      @Nullable Instant expiresAt) {}

  /**
   * Answers requests in place of the server's own logic. Called on a server thread for every
   * request (after any {@link #enqueue enqueued} fault was taken); return null to let the server
   * process the request normally, or a {@link Fault} (e.g. {@link Fault#json(int, String)}) to
   * answer it. Must be thread-safe. An exception becomes a 500 answer.
   */
  @FunctionalInterface
  public interface Dispatcher {
    @Nullable Fault dispatch(RecordedRequest request);
  }

  private final OAuthEngine engine;
  private final HttpServer server;
  private final ExecutorService executor;
  private final URI baseUri;
  private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  private volatile @Nullable Dispatcher dispatcher;
  private final AtomicInteger sequence = new AtomicInteger();
  private final BlockingQueue<RecordedRequest> unconsumed = new LinkedBlockingQueue<>();
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private final AtomicInteger tokenRequests = new AtomicInteger();
  private final Map<String, AtomicInteger> tokenRequestsByGrantType = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();

  private FakeAuthorizationServer(Builder b) {
    this.engine =
        new OAuthEngine(
            b.clock,
            b.random,
            b.accessTokenLifetime,
            b.refreshTokenLifetime,
            b.authorizationCodeLifetime,
            b.requireClientIdOnAuthorize,
            b.anonymousRefresh,
            b.refreshRotation,
            b.decision,
            b.clientCredentialsRefreshToken);
    int id = SERVER_IDS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t =
              new Thread(r, "fake-authorization-server-" + id + "-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    this.executor = Executors.newCachedThreadPool(factory);
    try {
      InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
      this.server = HttpServer.create(new InetSocketAddress(loopback, b.port), BACKLOG);
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException("cannot bind 127.0.0.1:" + b.port, e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    this.baseUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  /** Starts a server with the defaults (see {@link Builder}) on a random port. */
  public static FakeAuthorizationServer start() {
    return builder().start();
  }

  /** A builder for a server with non-default settings. */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- addresses

  /** {@code http://127.0.0.1:<port>/}. */
  public URI baseUri() {
    return baseUri;
  }

  /** The port the server listens on. */
  public int port() {
    return baseUri.getPort();
  }

  /** {@code /token}. */
  public URI tokenEndpoint() {
    return baseUri.resolve("token");
  }

  /** {@code /refresh}: like {@link #tokenEndpoint()}, but no {@code grant_type} means refresh. */
  public URI refreshEndpoint() {
    return baseUri.resolve("refresh");
  }

  /** {@code /authorize}. */
  public URI authorizationEndpoint() {
    return baseUri.resolve("authorize");
  }

  /** {@code /revoke} (RFC 7009). */
  public URI revocationEndpoint() {
    return baseUri.resolve("revoke");
  }

  /** {@code /introspect} (RFC 7662). */
  public URI introspectionEndpoint() {
    return baseUri.resolve("introspect");
  }

  // ---------------------------------------------------------------- clients and settings

  /**
   * Registers (or replaces) a confidential client. With no {@code redirectUris} any absolute URI
   * (or {@code urn:ietf:wg:oauth:2.0:oob}) is accepted; otherwise the redirect URI must be one of
   * them exactly.
   */
  public FakeAuthorizationServer registerClient(
      String clientId, String clientSecret, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(clientSecret, "clientSecret == null");
    engine.register(
        new OAuthEngine.Client(clientId, clientSecret.getBytes(UTF_8), uris(redirectUris)));
    return this;
  }

  /** Registers (or replaces) a public client: it has no secret; see {@link #registerClient}. */
  public FakeAuthorizationServer registerPublicClient(String clientId, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    engine.register(new OAuthEngine.Client(clientId, null, uris(redirectUris)));
    return this;
  }

  private static Set<String> uris(String[] redirectUris) {
    requireNonNull(redirectUris, "redirectUris == null");
    LinkedHashSet<String> set = new LinkedHashSet<>();
    for (String uri : redirectUris) {
      set.add(requireNonNull(uri, "redirect URI == null"));
    }
    return Collections.unmodifiableSet(set);
  }

  /** Changes the refresh-token rotation mode for refresh requests from now on. */
  public void setRefreshRotation(RefreshRotation rotation) {
    engine.rotation = requireNonNull(rotation, "rotation == null");
  }

  /** The refresh-token rotation mode in force. */
  public RefreshRotation refreshRotation() {
    return engine.rotation;
  }

  /** Changes what {@code /authorize} decides from now on. */
  public void setAuthorizationDecision(Decision decision) {
    engine.decision = requireNonNull(decision, "decision == null");
  }

  /** Whether {@code client_credentials} responses include a refresh token from now on. */
  public void setClientCredentialsRefreshToken(boolean issue) {
    engine.clientCredentialsRefreshToken = issue;
  }

  /** Installs (or, with null, removes) a dispatcher consulted for every request. */
  public void setDispatcher(@Nullable Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  /** Queues {@code fault} for the next token or refresh request not yet given a fault (FIFO). */
  public void enqueue(Fault fault) {
    faults.add(requireNonNull(fault, "fault == null"));
  }

  // ---------------------------------------------------------------- recorded requests

  /**
   * The oldest request not yet taken, waiting up to 10 seconds for one.
   *
   * @throws IllegalStateException if no request arrives in time
   */
  public RecordedRequest takeRequest() throws InterruptedException {
    RecordedRequest request = takeRequest(DEFAULT_TAKE_TIMEOUT);
    if (request == null) {
      throw new IllegalStateException("no request within " + DEFAULT_TAKE_TIMEOUT);
    }
    return request;
  }

  /** The oldest request not yet taken, waiting up to {@code timeout}; null if none arrived. */
  public @Nullable RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout == null");
    return unconsumed.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Every request received so far, in arrival order, whether taken or not. */
  public List<RecordedRequest> requests() {
    synchronized (recorded) {
      return List.copyOf(recorded);
    }
  }

  /** How many requests (to any path) the server has received. */
  public int requestCount() {
    return sequence.get();
  }

  /** How many requests reached the token and refresh endpoints, faulted ones included. */
  public int tokenRequestCount() {
    return tokenRequests.get();
  }

  /**
   * How many token and refresh endpoint requests carried {@code grantType} (a {@code /refresh}
   * request without {@code grant_type} counts as {@code refresh_token}).
   */
  public int tokenRequestCount(String grantType) {
    requireNonNull(grantType, "grantType == null");
    AtomicInteger count = tokenRequestsByGrantType.get(grantType);
    return count == null ? 0 : count.get();
  }

  /** How many {@code invalid_grant} errors the token and refresh endpoints answered. */
  public int invalidGrantCount() {
    return engine.invalidGrantCount();
  }

  // ---------------------------------------------------------------- tokens

  /** Every access token issued so far, oldest first (including ones whose response was lost). */
  public List<String> issuedAccessTokens() {
    return engine.issuedAccessTokens();
  }

  /** Every refresh token issued so far, oldest first (including ones whose response was lost). */
  public List<String> issuedRefreshTokens() {
    return engine.issuedRefreshTokens();
  }

  /** Every authorization code issued so far, oldest first. */
  public List<String> issuedAuthorizationCodes() {
    return engine.issuedCodes();
  }

  /** The last access token issued, or null if none was. */
  public @Nullable String lastAccessToken() {
    List<String> tokens = engine.issuedAccessTokens();
    return tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
  }

  /** The last refresh token issued, or null if none was. */
  public @Nullable String lastRefreshToken() {
    List<String> tokens = engine.issuedRefreshTokens();
    return tokens.isEmpty() ? null : tokens.get(tokens.size() - 1);
  }

  /**
   * Whether the grant that {@code token} (an access or refresh token) belongs to is still alive,
   * i.e. not revoked by revocation, code reuse or strict-rotation reuse. False for unknown values.
   * A rotated-away refresh token of a live grant still answers true.
   */
  public boolean isGrantAlive(String token) {
    return engine.isGrantAlive(requireNonNull(token, "token == null"));
  }

  /** What the server knows about {@code token}, as {@code /introspect} would see it. */
  public TokenInfo introspect(String token) {
    return engine.introspect(requireNonNull(token, "token == null"));
  }

  /**
   * Revokes {@code token} as if its owner had called {@code /revoke}: an access token alone, or a
   * refresh token's whole grant (e.g. to simulate a user withdrawing consent). Returns whether the
   * value was known.
   */
  public boolean revoke(String token) {
    return engine.revoke(requireNonNull(token, "token == null"));
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops listening, closes open connections and abandons requests in flight. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "FakeAuthorizationServer[" + baseUri + "]";
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private void handle(HttpExchange exchange) {
    try {
      byte[] body = exchange.getRequestBody().readAllBytes();
      RecordedRequest request =
          RecordedRequest.parse(
              sequence.incrementAndGet(),
              exchange.getRequestMethod(),
              exchange.getRequestURI(),
              exchange.getRequestHeaders(),
              body);
      synchronized (recorded) {
        recorded.add(request);
      }
      unconsumed.add(request);

      String path = request.path();
      boolean tokenPath = path.equals("/token") || path.equals("/refresh");
      Fault fault = null;
      if (tokenPath) {
        countTokenRequest(request, path.equals("/refresh"));
        fault = faults.poll();
      }
      Dispatcher d = dispatcher;
      if (fault == null && d != null) {
        fault = d.dispatch(request);
      }
      if (fault != null && !fault.delay().isZero()) {
        Thread.sleep(fault.delay().toMillis());
      }
      if (fault != null && fault.kind() == Fault.Kind.RESPOND) {
        sendFault(exchange, fault);
        return;
      }
      Reply reply = route(request);
      if (fault != null && fault.kind() == Fault.Kind.DROP_AFTER_GRANT) {
        // Closing an exchange before sending headers closes the connection: no byte is answered.
        return;
      }
      if (fault != null && fault.kind() == Fault.Kind.PATCH_SUCCESS) {
        reply = reply.patched(fault.patch());
      }
      send(exchange, reply, fault == null ? Map.of() : fault.headers());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "connection failed: " + e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "fake authorization server failed on a request", e);
      try {
        send(
            exchange,
            Reply.error(500, "server_error", "the fake failed: " + e.getClass().getName()),
            Map.of());
      } catch (IOException | RuntimeException ignored) {
        // Headers may already be out; the connection is closed below.
      }
    } finally {
      exchange.close();
    }
  }

  private Reply route(RecordedRequest request) {
    switch (request.path()) {
      case "/token":
        return engine.token(request, false);
      case "/refresh":
        return engine.token(request, true);
      case "/authorize":
        return engine.authorize(request);
      case "/revoke":
        return engine.revoke(request);
      case "/introspect":
        return engine.introspect(request);
      default:
        return Reply.error(404, "not_found", "no such endpoint");
    }
  }

  private void countTokenRequest(RecordedRequest request, boolean refreshEndpoint) {
    tokenRequests.incrementAndGet();
    String grantType = request.parameter("grant_type");
    if (grantType == null && refreshEndpoint) {
      grantType = "refresh_token";
    }
    if (grantType != null) {
      tokenRequestsByGrantType
          .computeIfAbsent(grantType, k -> new AtomicInteger())
          .incrementAndGet();
    }
  }

  private static void send(HttpExchange exchange, Reply reply, Map<String, String> extraHeaders)
      throws IOException {
    if (reply.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    }
    reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    extraHeaders.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    byte[] body = reply.body();
    // No keep-alive: the JDK server closes surplus idle connections, which races with clients
    // reusing them ("header parser received no bytes") under bursts of concurrent requests.
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void sendFault(HttpExchange exchange, Fault fault) throws IOException {
    if (fault.contentType() != null) {
      exchange.getResponseHeaders().set("Content-Type", fault.contentType());
    }
    fault.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    int oversized = fault.oversizedBytes();
    if (oversized < 0) {
      byte[] body = fault.body();
      exchange.getResponseHeaders().set("Connection", "close");
      exchange.sendResponseHeaders(fault.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      return;
    }
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(fault.status(), oversized);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(Fault.OVERSIZED_PREFIX);
      byte[] padding = new byte[64 * 1024];
      Arrays.fill(padding, (byte) 'x');
      long remaining =
          (long) oversized - Fault.OVERSIZED_PREFIX.length - Fault.OVERSIZED_SUFFIX.length;
      while (remaining > 0) {
        int n = (int) Math.min(remaining, padding.length);
        out.write(padding, 0, n);
        remaining -= n;
      }
      out.write(Fault.OVERSIZED_SUFFIX);
    }
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings for a {@link FakeAuthorizationServer}. Defaults: system UTC clock, {@link
   * SecureRandom}, random port, access tokens valid 3600 s, refresh tokens without expiry,
   * authorization codes valid 10 minutes, {@link RefreshRotation#ROTATE}, no refresh token for
   * {@code client_credentials}, {@link Decision#APPROVE}, {@code client_id} required on {@code
   * /authorize}, client authentication required on refresh. Not thread-safe; {@link #start()} may
   * be called more than once to start independent servers.
   */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Random random = new SecureRandom();
    private int port;
    private Duration accessTokenLifetime = Duration.ofHours(1);
    private @Nullable Duration refreshTokenLifetime;
    private Duration authorizationCodeLifetime = Duration.ofMinutes(10);
    private RefreshRotation refreshRotation = RefreshRotation.ROTATE;
    private boolean clientCredentialsRefreshToken;
    private Decision decision = Decision.APPROVE;
    private boolean requireClientIdOnAuthorize = true;
    private boolean anonymousRefresh;

    private Builder() {}

    /** The clock for token and code expiry, e.g. a {@link FakeClock}. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /** The source of token and code values (e.g. a seeded {@link Random} for reproducible runs). */
    public Builder random(Random random) {
      this.random = requireNonNull(random, "random == null");
      return this;
    }

    /** The port to bind on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
      return this;
    }

    /** How long access tokens live; sent as {@code expires_in} in whole seconds. */
    public Builder accessTokenLifetime(Duration lifetime) {
      this.accessTokenLifetime = positive(lifetime, "accessTokenLifetime");
      return this;
    }

    /** How long refresh tokens live (not announced in responses); default: forever. */
    public Builder refreshTokenLifetime(Duration lifetime) {
      this.refreshTokenLifetime = positive(lifetime, "refreshTokenLifetime");
      return this;
    }

    /** How long an authorization code may be redeemed; default 10 minutes. */
    public Builder authorizationCodeLifetime(Duration lifetime) {
      this.authorizationCodeLifetime = positive(lifetime, "authorizationCodeLifetime");
      return this;
    }

    /** The initial refresh-token rotation mode; default {@link RefreshRotation#ROTATE}. */
    public Builder refreshRotation(RefreshRotation rotation) {
      this.refreshRotation = requireNonNull(rotation, "rotation == null");
      return this;
    }

    /** Whether {@code client_credentials} responses include a refresh token; default false. */
    public Builder clientCredentialsRefreshToken(boolean issue) {
      this.clientCredentialsRefreshToken = issue;
      return this;
    }

    /** The initial decision of {@code /authorize}; default {@link Decision#APPROVE}. */
    public Builder authorizationDecision(Decision decision) {
      this.decision = requireNonNull(decision, "decision == null");
      return this;
    }

    /**
     * Whether {@code /authorize} requires {@code client_id}; default true. When false, a request
     * without it (some vendors send an app {@code name} instead) is accepted with any absolute
     * {@code redirect_uri}, and its code may be redeemed by any authenticated client.
     */
    public Builder requireClientIdOnAuthorize(boolean require) {
      this.requireClientIdOnAuthorize = require;
      return this;
    }

    /**
     * Whether a refresh request carrying no client identification at all is accepted, the refresh
     * token alone identifying the grant (some vendors' refresh endpoints); default false. Wrong
     * credentials are still rejected.
     */
    public Builder anonymousRefresh(boolean allow) {
      this.anonymousRefresh = allow;
      return this;
    }

    /**
     * Binds 127.0.0.1 and starts serving.
     *
     * @throws UncheckedIOException if the port cannot be bound
     */
    public FakeAuthorizationServer start() {
      return new FakeAuthorizationServer(this);
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
