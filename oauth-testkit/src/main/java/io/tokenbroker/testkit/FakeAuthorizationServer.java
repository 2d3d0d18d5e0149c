package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.UncheckedIOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
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
 * /revoke}; {@code POST /introspect}. Failures answer with RFC 6749 §5.2 JSON errors: 400, or 401
 * with {@code WWW-Authenticate: Basic} for {@code invalid_client}.
 *
 * <p><b>Strict placement.</b> The token, refresh, revocation and introspection endpoints read their
 * parameters only where the {@link ParameterLocation} in force says: by default the form body, as
 * RFC 6749 §3.2 requires. A parameter anywhere else (a refresh token, code, verifier or client
 * secret copied into the URL, a form sent to a JSON endpoint) gets 400 {@code invalid_request}
 * before anything is consumed. Clients authenticate with HTTP Basic (id and secret each
 * form-encoded, RFC 6749 §2.3.1), with {@code client_id}/{@code client_secret} parameters, or, for
 * public clients, with {@code client_id} alone; a client registered with a {@link ClientAuthMethod}
 * must use that one.
 *
 * <p><b>Authorization.</b> With the default {@link Decision#APPROVE} decision, {@code /authorize}
 * redirects (302) straight to {@code redirect_uri?code=...&state=...}; with {@link Decision#DENY},
 * to {@code redirect_uri?error=access_denied&state=...}. For the out-of-band redirect URI {@code
 * urn:ietf:wg:oauth:2.0:oob} it answers 200 with an HTML page whose element {@code id="code"} holds
 * the code. Codes are single-use (reuse revokes the grant they created) and expire after {@link
 * Builder#authorizationCodeLifetime} by the injected clock.
 *
 * <p><b>Scripting.</b> The server is a {@link LoopbackServer.Dispatcher} on a {@link
 * LoopbackServer}. {@link #enqueue(Fault)} queues faults for the next token and refresh requests; a
 * {@linkplain #setDispatcher fault dispatcher} can fault any request. Every request is recorded
 * ({@link #takeRequest()}, {@link #requests()}), and issued tokens, counters and grant state can be
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

  /** What {@code /authorize} decides on behalf of the (absent) resource owner. */
  public enum Decision {
    /** Consent is given at once: the redirect carries a code. */
    APPROVE,
    /** Consent is refused: the redirect carries {@code error=access_denied}. */
    DENY
  }

  /**
   * Where the token, refresh, revocation and introspection endpoints read request parameters. Any
   * parameter elsewhere is refused with 400 {@code invalid_request}.
   */
  public enum ParameterLocation {
    /** An {@code application/x-www-form-urlencoded} body, as RFC 6749 requires; the default. */
    FORM_BODY,
    /** A JSON object body (some vendors). */
    JSON_BODY,
    /** The query string of the POST, with no body parameters (COR does this). */
    QUERY_STRING
  }

  /**
   * How a confidential client must send its secret (RFC 7591 {@code token_endpoint_auth_method}).
   */
  public enum ClientAuthMethod {
    /** HTTP Basic only. */
    CLIENT_SECRET_BASIC("client_secret_basic"),
    /** {@code client_id} and {@code client_secret} request parameters only. */
    CLIENT_SECRET_POST("client_secret_post");

    private final String wireName;

    ClientAuthMethod(String wireName) {
      this.wireName = wireName;
    }

    /** The RFC 7591 name, e.g. {@code client_secret_basic}. */
    public String wireName() {
      return wireName;
    }
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

  private final OAuthEngine engine;
  private final LoopbackServer server;

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
            b.clientCredentialsRefreshToken,
            b.parameterLocation);
    this.server =
        LoopbackServer.builder()
            .name("fake-authorization-server")
            .port(b.port)
            .dispatcher(engine)
            .defaultFaultScope(FakeAuthorizationServer::isTokenPath)
            .start();
  }

  private static boolean isTokenPath(RecordedRequest request) {
    return request.path().equals("/token") || request.path().equals("/refresh");
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
    return server.baseUri();
  }

  /** The port the server listens on. */
  public int port() {
    return server.port();
  }

  /** {@code /token}. */
  public URI tokenEndpoint() {
    return server.baseUri().resolve("token");
  }

  /** {@code /refresh}: like {@link #tokenEndpoint()}, but no {@code grant_type} means refresh. */
  public URI refreshEndpoint() {
    return server.baseUri().resolve("refresh");
  }

  /** {@code /authorize}. */
  public URI authorizationEndpoint() {
    return server.baseUri().resolve("authorize");
  }

  /** {@code /revoke} (RFC 7009). */
  public URI revocationEndpoint() {
    return server.baseUri().resolve("revoke");
  }

  /** {@code /introspect} (RFC 7662). */
  public URI introspectionEndpoint() {
    return server.baseUri().resolve("introspect");
  }

  // ---------------------------------------------------------------- clients and settings

  /**
   * Registers (or replaces) a confidential client that may send its secret either way (HTTP Basic
   * or parameters). With no {@code redirectUris} any absolute URI (or {@code
   * urn:ietf:wg:oauth:2.0:oob}) is accepted; otherwise the redirect URI must be one of them
   * exactly.
   */
  public FakeAuthorizationServer registerClient(
      String clientId, String clientSecret, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(clientSecret, "clientSecret == null");
    engine.register(
        new OAuthEngine.Client(clientId, clientSecret.getBytes(UTF_8), null, uris(redirectUris)));
    return this;
  }

  /**
   * Registers (or replaces) a confidential client that must send its secret by {@code method}: the
   * other way gets 401 {@code invalid_client}. Redirect URIs as for {@link #registerClient(String,
   * String, String...)}.
   */
  public FakeAuthorizationServer registerClient(
      String clientId, String clientSecret, ClientAuthMethod method, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(clientSecret, "clientSecret == null");
    requireNonNull(method, "method == null");
    engine.register(
        new OAuthEngine.Client(clientId, clientSecret.getBytes(UTF_8), method, uris(redirectUris)));
    return this;
  }

  /** Registers (or replaces) a public client: it has no secret; see {@link #registerClient}. */
  public FakeAuthorizationServer registerPublicClient(String clientId, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    engine.register(new OAuthEngine.Client(clientId, null, null, uris(redirectUris)));
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

  /** Changes where request parameters must travel from now on. */
  public void setParameterLocation(ParameterLocation location) {
    engine.parameterLocation = requireNonNull(location, "location == null");
  }

  /** Whether {@code client_credentials} responses include a refresh token from now on. */
  public void setClientCredentialsRefreshToken(boolean issue) {
    engine.clientCredentialsRefreshToken = issue;
  }

  /**
   * Installs (or, with null, removes) a fault dispatcher consulted for every request (any path)
   * that no enqueued fault took: it returns null to let the server process the request normally, or
   * a {@link Fault} (e.g. {@link Fault#json(int, String)}) to answer it. It must be thread-safe; an
   * exception becomes a 500 {@code server_error} answer.
   */
  public void setDispatcher(LoopbackServer.@Nullable FaultDispatcher dispatcher) {
    server.setFaultDispatcher(dispatcher);
  }

  /**
   * Queues {@code fault} for the next token or refresh request not yet given a fault (FIFO), or,
   * with {@link Fault#on}, for the next request to that path.
   */
  public void enqueue(Fault fault) {
    server.enqueue(fault);
  }

  // ---------------------------------------------------------------- recorded requests

  /**
   * The oldest request not yet taken, waiting up to 10 seconds for one.
   *
   * @throws IllegalStateException if no request arrives in time
   */
  public RecordedRequest takeRequest() throws InterruptedException {
    return server.takeRequest();
  }

  /** The oldest request not yet taken, waiting up to {@code timeout}; null if none arrived. */
  public @Nullable RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  /** Every request received so far, in arrival order, whether taken or not. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** How many requests (to any path) the server has received. */
  public int requestCount() {
    return server.requestCount();
  }

  /** How many requests reached the token and refresh endpoints, faulted ones included. */
  public int tokenRequestCount() {
    int count = 0;
    for (RecordedRequest request : server.requests()) {
      if (isTokenPath(request)) {
        count++;
      }
    }
    return count;
  }

  /**
   * How many token and refresh endpoint requests carried {@code grantType} (a {@code /refresh}
   * request without {@code grant_type} counts as {@code refresh_token}), faulted ones included.
   */
  public int tokenRequestCount(String grantType) {
    requireNonNull(grantType, "grantType == null");
    int count = 0;
    for (RecordedRequest request : server.requests()) {
      if (isTokenPath(request) && grantType.equals(grantType(request))) {
        count++;
      }
    }
    return count;
  }

  private static @Nullable String grantType(RecordedRequest request) {
    String grantType = request.parameter("grant_type");
    return grantType == null && request.path().equals("/refresh") ? "refresh_token" : grantType;
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
    server.close();
  }

  @Override
  public String toString() {
    return "FakeAuthorizationServer[" + server.baseUri() + "]";
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings for a {@link FakeAuthorizationServer}. Defaults: system UTC clock, {@link
   * SecureRandom}, random port, access tokens valid 3600 s, refresh tokens without expiry,
   * authorization codes valid 10 minutes, {@link RefreshRotation#ROTATE}, no refresh token for
   * {@code client_credentials}, {@link Decision#APPROVE}, {@code client_id} required on {@code
   * /authorize}, client authentication required on refresh, parameters in the form body. Not
   * thread-safe; {@link #start()} may be called more than once to start independent servers.
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
    private ParameterLocation parameterLocation = ParameterLocation.FORM_BODY;

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
     * Where request parameters must travel; default {@link ParameterLocation#FORM_BODY} (RFC 6749).
     */
    public Builder parameterLocation(ParameterLocation location) {
      this.parameterLocation = requireNonNull(location, "location == null");
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
