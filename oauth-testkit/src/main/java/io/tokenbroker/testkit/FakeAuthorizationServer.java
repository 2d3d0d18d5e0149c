package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A real, scriptable OAuth 2.0 authorization server on 127.0.0.1 for tests, in the spirit of
 * OkHttp's {@code MockWebServer}. It implements RFC 6749 (client credentials, authorization code,
 * refresh), RFC 7636 (PKCE), RFC 7009 (revocation) and RFC 7662 (introspection) independently of
 * tokenbroker's client code, so it is a genuine check of it. Beyond those it speaks RFC 8414
 * metadata (and OpenID Connect's {@code openid-configuration}), RFC 7523 client assertions ({@code
 * private_key_jwt}, {@code client_secret_jwt}) and the JWT-bearer grant, RFC 8628 device
 * authorization, RFC 8707 {@code resource}, RFC 9126 pushed authorization requests, RFC 9207 {@code
 * iss} in authorization responses and RFC 9449 DPoP (token endpoint and a protected resource), each
 * with the checks a strict server makes (see "Standards" below).
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
 * <p><b>Standards.</b> {@code GET /.well-known/oauth-authorization-server[/issuer-path]} and {@code
 * [/issuer-path]/.well-known/openid-configuration} serve the metadata ({@link Builder#issuerPath},
 * {@link Builder#metadataDocuments}). A client registered with a {@linkplain
 * #registerClient(String, PublicKey, String, String...) public key} must authenticate with {@code
 * private_key_jwt}; one registered with {@link ClientAuthMethod#CLIENT_SECRET_JWT} with an HS256
 * assertion; assertions must name this server in {@code aud} (the issuer, the token endpoint or the
 * endpoint called), expire within five minutes, and never reuse a {@code jti}. {@code POST /token}
 * also takes {@code urn:ietf:params:oauth:grant-type:jwt-bearer} (the assertion's {@code iss} is a
 * client with a key) and {@code urn:ietf:params:oauth:grant-type:device_code}. {@code POST
 * /device_authorization} starts a device authorization; {@code GET /device?user_code=...} plays the
 * user (approving or denying as the {@link Decision} says; or call {@link #approveDevice}); polling
 * faster than the interval gets {@code slow_down} and a five seconds longer interval, an expired
 * code {@code expired_token}. {@code POST /par} stores a pushed request under a single-use,
 * expiring {@code request_uri}. A token request with a {@code DPoP} proof gets a DPoP-bound token
 * ({@code token_type DPoP}) whose refresh token works only with the same key; a proof with a wrong
 * {@code htm}/{@code htu}, an old {@code iat}, a reused {@code jti} or (with {@link
 * #setDpopNonceRequired}) without the current nonce is refused. {@code /resource} accepts bearer
 * tokens and DPoP-bound tokens with valid proofs ({@code ath} included).
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
public final class FakeAuthorizationServer extends SandboxServer {

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
    CLIENT_SECRET_POST("client_secret_post"),
    /**
     * A client assertion signed with the registered public key's private key only; implied by
     * {@link FakeAuthorizationServer#registerClient(String, PublicKey, String, String...)}.
     */
    PRIVATE_KEY_JWT("private_key_jwt"),
    /** A client assertion HS256-signed with the client secret only. */
    CLIENT_SECRET_JWT("client_secret_jwt");

    private final String wireName;

    ClientAuthMethod(String wireName) {
      this.wireName = wireName;
    }

    /** The RFC 7591 name, e.g. {@code client_secret_basic}. */
    public String wireName() {
      return wireName;
    }
  }

  /** Which metadata documents the server serves. */
  public enum MetadataDocuments {
    /** Both RFC 8414's and OpenID Connect's; the default. */
    BOTH,
    /** Only {@code /.well-known/oauth-authorization-server}. */
    OAUTH_ONLY,
    /** Only {@code /.well-known/openid-configuration}. */
    OPENID_ONLY,
    /** Neither. */
    NONE;

    boolean servesOAuth() {
      return this == BOTH || this == OAUTH_ONLY;
    }

    boolean servesOpenId() {
      return this == BOTH || this == OPENID_ONLY;
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
            b.clock(),
            b.random(),
            b.accessTokenLifetime(),
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
    engine.baseUri = server.baseUri();
    engine.issuerPath = b.issuerPath;
    engine.metadataDocuments = b.metadataDocuments;
    engine.requirePushedAuthorizationRequests = b.requirePushedAuthorizationRequests;
    engine.authorizationResponseIss = b.authorizationResponseIss;
    engine.pushedRequestLifetime = b.pushedRequestLifetime;
    engine.deviceCodeLifetime = b.deviceCodeLifetime;
    engine.devicePollingInterval = b.devicePollingInterval;
    engine.dpop.nonceRequired(b.dpopNonceRequired);
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

  /**
   * What the user's browser does with a consent URL of this server: GETs it once and returns where
   * the server sends the browser back (the {@code Location} of its redirect: the callback with
   * {@code code} and {@code state}, or with {@code error}, as {@link #setAuthorizationDecision}
   * decides).
   *
   * @throws AssertionError if the server does not answer with a redirect
   */
  public static URI approve(URI authorizationUrl) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .build()
            .send(HttpRequest.newBuilder(authorizationUrl).build(), BodyHandlers.ofString());
    return URI.create(
        response
            .headers()
            .firstValue("Location")
            .orElseThrow(
                () ->
                    new AssertionError(
                        "the authorization endpoint answered "
                            + response.statusCode()
                            + " without a redirect: "
                            + response.body())));
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

  /**
   * The issuer identifier: {@code http://127.0.0.1:<port>} plus the {@linkplain Builder#issuerPath
   * issuer path}, without a trailing slash.
   */
  public URI issuer() {
    return URI.create(engine.issuer());
  }

  /** The RFC 8414 §3.1 metadata URL: {@code /.well-known/oauth-authorization-server[/path]}. */
  public URI metadataEndpoint() {
    return URI.create(engine.endpoint(engine.oauthMetadataPath()));
  }

  /** The OpenID Connect discovery URL: {@code [/path]/.well-known/openid-configuration}. */
  public URI openIdConfigurationEndpoint() {
    return URI.create(engine.endpoint(engine.openIdMetadataPath()));
  }

  /** {@code /device_authorization} (RFC 8628). */
  public URI deviceAuthorizationEndpoint() {
    return server.baseUri().resolve("device_authorization");
  }

  /** {@code /device}: the verification URI; {@code ?user_code=...} decides for the user. */
  public URI deviceVerificationEndpoint() {
    return server.baseUri().resolve("device");
  }

  /** {@code /par} (RFC 9126). */
  public URI pushedAuthorizationRequestEndpoint() {
    return server.baseUri().resolve("par");
  }

  /** {@code /resource}: a protected resource taking bearer and DPoP-bound tokens. */
  public URI resourceEndpoint() {
    return server.baseUri().resolve("resource");
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

  /**
   * Registers (or replaces) a client that authenticates with {@code private_key_jwt} (RFC 7523),
   * signing with the private key of {@code publicKey} (RSA, or EC P-256); with a {@code keyId},
   * assertions must name it as {@code kid}. The key also signs the client's JWT-bearer assertions.
   * Redirect URIs as for {@link #registerClient(String, String, String...)}.
   */
  public FakeAuthorizationServer registerClient(
      String clientId, PublicKey publicKey, @Nullable String keyId, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(publicKey, "publicKey == null");
    engine.register(
        new OAuthEngine.Client(
            clientId,
            null,
            ClientAuthMethod.PRIVATE_KEY_JWT,
            uris(redirectUris),
            publicKey,
            keyId));
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

  /** Whether {@code /authorize} refuses requests that were not pushed (RFC 9126) from now on. */
  public void setRequirePushedAuthorizationRequests(boolean require) {
    engine.requirePushedAuthorizationRequests = require;
  }

  /** Whether authorization responses carry {@code iss} (RFC 9207) from now on. */
  public void setAuthorizationResponseIss(boolean send) {
    engine.authorizationResponseIss = send;
  }

  /**
   * Whether DPoP proofs (token endpoint and {@code /resource}) must carry the server's current
   * {@linkplain #dpopNonce() nonce} from now on; a proof without it gets {@code use_dpop_nonce} and
   * a {@code DPoP-Nonce} header (RFC 9449 §8, §9).
   */
  public void setDpopNonceRequired(boolean required) {
    engine.dpop.nonceRequired(required);
  }

  /** The DPoP nonce proofs must carry while nonces are required. */
  public String dpopNonce() {
    return engine.dpop.nonce();
  }

  /** Replaces the DPoP nonce; proofs carrying the old one are then refused. */
  public void rotateDpopNonce() {
    engine.dpop.rotateNonce();
  }

  /**
   * Approves the device authorization of {@code userCode}, as the user would at the verification
   * URI. Returns false if there is no such pending authorization.
   */
  public boolean approveDevice(String userCode) {
    return engine.decideDevice(requireNonNull(userCode, "userCode == null"), true);
  }

  /** Denies the device authorization of {@code userCode}; false if there is none. */
  public boolean denyDevice(String userCode) {
    return engine.decideDevice(requireNonNull(userCode, "userCode == null"), false);
  }

  /** The user codes of device authorizations still waiting for the user, oldest first. */
  public List<String> pendingUserCodes() {
    return engine.pendingUserCodes();
  }

  /** The {@code sub} of the last JWT-bearer assertion that was granted, or null. */
  public @Nullable String lastAssertionSubject() {
    return engine.lastAssertionSubject;
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

  // ---------------------------------------------------------------- recorded requests

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

  @Override
  protected LoopbackServer loopback() {
    return server;
  }

  @Override
  protected IssuedTokens issued() {
    return engine.issued;
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
  public static final class Builder extends ServerBuilder<Builder> {
    private int port;
    private @Nullable Duration refreshTokenLifetime;
    private Duration authorizationCodeLifetime = Duration.ofMinutes(10);
    private RefreshRotation refreshRotation = RefreshRotation.ROTATE;
    private boolean clientCredentialsRefreshToken;
    private Decision decision = Decision.APPROVE;
    private boolean requireClientIdOnAuthorize = true;
    private boolean anonymousRefresh;
    private ParameterLocation parameterLocation = ParameterLocation.FORM_BODY;
    private String issuerPath = "";
    private MetadataDocuments metadataDocuments = MetadataDocuments.BOTH;
    private boolean requirePushedAuthorizationRequests;
    private boolean authorizationResponseIss;
    private Duration pushedRequestLifetime = Duration.ofSeconds(60);
    private Duration deviceCodeLifetime = Duration.ofMinutes(10);
    private Duration devicePollingInterval = Duration.ofSeconds(5);
    private boolean dpopNonceRequired;

    private Builder() {
      super(Duration.ofHours(1));
    }

    @Override
    protected Builder self() {
      return this;
    }

    /**
     * A path for the issuer identifier, e.g. {@code /tenant}: the issuer becomes {@code
     * http://127.0.0.1:<port>/tenant} and its metadata lives at {@code
     * /.well-known/oauth-authorization-server/tenant} (RFC 8414 §3.1) and {@code
     * /tenant/.well-known/openid-configuration}. The endpoints stay where they are. Default none.
     */
    public Builder issuerPath(String path) {
      requireNonNull(path, "path == null");
      if (!path.isEmpty() && (!path.startsWith("/") || path.endsWith("/"))) {
        throw new IllegalArgumentException("issuerPath must start and not end with /: " + path);
      }
      this.issuerPath = path;
      return this;
    }

    /** Which metadata documents are served; default both. */
    public Builder metadataDocuments(MetadataDocuments documents) {
      this.metadataDocuments = requireNonNull(documents, "documents == null");
      return this;
    }

    /**
     * Whether {@code /authorize} takes only pushed requests (RFC 9126), announced in the metadata
     * as {@code require_pushed_authorization_requests}; default false.
     */
    public Builder requirePushedAuthorizationRequests(boolean require) {
      this.requirePushedAuthorizationRequests = require;
      return this;
    }

    /**
     * Whether authorization responses carry {@code iss}, announced in the metadata as {@code
     * authorization_response_iss_parameter_supported} (RFC 9207); default false.
     */
    public Builder authorizationResponseIss(boolean send) {
      this.authorizationResponseIss = send;
      return this;
    }

    /** How long a pushed request's {@code request_uri} may be used; default 60 s. */
    public Builder pushedRequestLifetime(Duration lifetime) {
      this.pushedRequestLifetime = positive(lifetime, "pushedRequestLifetime");
      return this;
    }

    /** How long device and user codes live ({@code expires_in}); default 10 minutes. */
    public Builder deviceCodeLifetime(Duration lifetime) {
      this.deviceCodeLifetime = positive(lifetime, "deviceCodeLifetime");
      return this;
    }

    /** The device polling {@code interval}, whole seconds; default 5 s. */
    public Builder devicePollingInterval(Duration interval) {
      this.devicePollingInterval = positive(interval, "devicePollingInterval");
      return this;
    }

    /** Whether DPoP proofs must carry the server's nonce; default false. */
    public Builder dpopNonceRequired(boolean required) {
      this.dpopNonceRequired = required;
      return this;
    }

    /** The port to bind on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = checkPort(port);
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
  }
}
