package io.tokenbroker.testkit.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.IssuedTokens;
import io.tokenbroker.testkit.LoopbackServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.SandboxServer;
import io.tokenbroker.testkit.ServerBuilder;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An offline COR (projectcor.com) on 127.0.0.1, written from COR's public documentation (not from
 * any client code), for developing and testing against COR without an account.
 *
 * <pre>{@code
 * try (CorSandbox cor = CorSandbox.builder().clock(clock).rotation(Rotation.STRICT).start()) {
 *   cor.registerApiKey("my-key", "my-secret");
 *   URI api = cor.apiBaseUri();          // http://127.0.0.1:PORT/v1 (api.projectcor.com/v1)
 *   URI consent = cor.consentBaseUri();  // http://127.0.0.1:PORT (SUBDOMAIN.cor.works)
 *   cor.enqueue(CorFaults.tooManyRequests());
 * }
 * }</pre>
 *
 * <h2>Auth endpoints (exact wire format of COR's quickstart)</h2>
 *
 * <ul>
 *   <li>{@code POST /v1/oauth/token?grant_type=client_credentials} with {@code Authorization: Basic
 *       base64(API_KEY:CLIENT_SECRET)} of the raw values. Only the query string is read. Wrong or
 *       missing credentials: 401 {@code {"error":401,"message":"Unauthorized"}}. The answer carries
 *       a refresh token too, as COR's does.
 *   <li>{@code GET /oauth2/authorize?name=APP&response_type=code&redirect_uri=URI} on {@link
 *       #consentBaseUri()} (COR serves it on {@code SUBDOMAIN.cor.works}): consent is given at once
 *       ({@link ConsentDecision#APPROVE}) by the user {@link CorSeed#ME_USER_ID}, with a 302 to
 *       {@code redirect_uri?code=…}; {@code state} is not echoed unless {@link
 *       Builder#echoState(boolean)}. For the redirect URI {@code urn:ietf:wg:oauth:2.0:oob} the
 *       page shows the code in the element {@code id="code"}. Unknown app names get a 400 page.
 *   <li>{@code POST /v1/oauth2/token?grant_type=authorization_code&code=…}: query string only, no
 *       client authentication (unless {@link Builder#codeExchangeRequiresBasic}); codes are
 *       single-use and live 10 minutes; a bad, used or expired code (or a {@code redirect_uri}
 *       different from the consent's) gets the 401 above.
 *   <li>{@code POST /v1/auth/login}, form {@code email} and {@code password} (development only at
 *       COR): the answer's shape is the {@link LoginShape}; missing fields get a 417 validation
 *       array, wrong credentials the 401.
 *   <li>{@code POST /v1/oauth/refreshtoken}, form {@code refresh_token} only (no {@code
 *       grant_type}, no client authentication): a new access and refresh token; what happens to the
 *       old refresh token is the {@link Rotation}. Unknown, expired, revoked or rotated-away tokens
 *       get the 401.
 * </ul>
 *
 * <p>Parameters in the wrong place are refused with 400 {@code CORCustomError} {@code F010} before
 * anything is read: a body carrying parameters, or a query parameter other than the documented ones
 * (a client secret, say), on the token and code endpoints; any query parameter on login and
 * refresh, whose parameters travel in the form body.
 *
 * <h2>REST resources under {@code /v1}</h2>
 *
 * Every resource checks {@code Authorization: Bearer <token>} (a missing header, a token without
 * the {@code Bearer } prefix, an unknown, expired (by the injected clock) or {@linkplain
 * #invalidateAccessTokens() invalidated} token get the 401). Served, over the rows of a {@link
 * CorSeed}:
 *
 * <ul>
 *   <li>reads: {@code GET /me}, {@code /users}, {@code /users/{id}} (not in COR's OpenAPI, which
 *       documents only {@code PUT}/{@code DELETE} there: UNCONFIRMED), {@code /projects}, {@code
 *       /projects/{id}} (with {@code usersPositionsProject}, {@code categoriesProject}, {@code
 *       ratecard}), {@code /tasks}, {@code /tasks/{id}}, {@code /clients}, {@code /clients/{id}},
 *       {@code /hours};
 *   <li>searches: {@code GET /projects/search-by-name/{name}}, {@code
 *       /clients/search-by-name/{name}} and {@code /tasks/search-by-title/{title}} answer a plain
 *       array of the rows whose name or title contains the term, ignoring case (COR's matching is
 *       UNCONFIRMED); {@code /users/search-by-name/{name}} the paginated envelope, as documented;
 *   <li>writes: {@code POST /tasks}, {@code PUT}/{@code DELETE /tasks/{id}}, {@code POST
 *       /projects}, {@code PUT}/{@code DELETE /projects/{id}} (JSON; the project update also takes
 *       a form), {@code POST /clients} and {@code PUT /clients/{id}} (a form only, as COR's OpenAPI
 *       says; JSON gets 400 {@code CORCustomError F010}), {@code POST /hours} and {@code POST
 *       /hours/status-change}. Required fields ({@code title}; {@code name} and {@code client_id};
 *       {@code name}; {@code task_log_id} and {@code start}; {@code status} and {@code counters}),
 *       enums ({@code status}, {@code priority}, {@code income_type}, the status-change values),
 *       dates and referenced ids are checked; a failure gets 417 {@code
 *       [{"field","validation","message"}]}. Deletes answer 204.
 * </ul>
 *
 * <p>Lists answer {@code {"total":"<string>","perPage":n,"page":n,"lastPage":n,"data":[…]}}: {@code
 * perPage} defaults to 20 and is clamped to 50; {@code lastPage = max(1, ceil(total/perPage))}; a
 * page past the end has {@code data: []}; {@code page=false} returns all rows in the same envelope
 * with {@code page} and {@code lastPage} 1 and {@code perPage} the row count (<b>assumed</b>: COR
 * does not document that shape). {@code /projects} adds {@code meta_data}; {@code /hours} adds
 * {@code total_hours} (a string) and {@code total_cost} and sends {@code page} as a string. A
 * non-numeric page or perPage gets a 400 {@code CORCustomError}.
 *
 * <p>{@code filters}, {@code order} ({@code /tasks}) and {@code orderBy} ({@code /hours}) are
 * URL-encoded JSON objects; malformed JSON gets 400 {@code {"status":400,"name":"CORCustomError",
 * "code":"F010",…}}. A {@code filters} key COR does not document for the list (for {@code
 * /clients}, which documents none: a key that is not a {@code Client} field) gets 417 {@code
 * [{"field":"filters.<key>","validation":"in",…}]} instead of every row; this includes the outdated
 * {@code project_id} of the quickstart's task example. Implemented keys: projects {@code
 * dateStart}, {@code dateEnd} (start on or after, end on or before), {@code client_id}, {@code
 * team_id}, {@code user_id} (the PM), {@code brand_id}, {@code product_id}, {@code status} ({@code
 * in_process} and {@code active} select the same rows), {@code health}, {@code archived} (1
 * archived only, 2 active only); tasks {@code projects} and {@code pm} (an id or an array), {@code
 * status}, {@code priority}, {@code clients}; hours {@code dateStart}, {@code dateDeadline}, {@code
 * clients}, {@code projects}, {@code users}, {@code teams}; users {@code withHiddenUsers}; clients
 * {@code name} (contains, ignoring case) and the other fields (equal, ignoring case). The other
 * documented keys are accepted and have no effect.
 *
 * <p>{@code POST /hours} takes JSON {@code {task_log_id, start, stop?}}: a missing or unknown
 * {@code task_log_id}, a missing or unreadable {@code start}, or a {@code stop} before {@code
 * start} get 417; success answers COR's example shape {@code {id, task_log_id, start, stop,
 * status:"pending"}} (times as sent) and adds the entry to {@code GET /hours}, which reads times
 * back zone-less: a time sent with an offset is kept as the local time at the user's {@code gmt}
 * (COR's zone is UNCONFIRMED), a zone-less one as given. Unknown ids on single GETs, updates and
 * deletes get 404 {@code {"status":"ERROR","code":"NF404",…}}; unknown routes 404 {@code
 * {"status":"ERROR","code":"E_ROUTE_NOT_FOUND",…}}.
 *
 * <h2>Faults and observation</h2>
 *
 * {@link #enqueue(Fault)} scripts error answers ({@link CorFaults}) (all four documented body
 * shapes, 429/500/503 without headers). Every request is recorded ({@link #requests()}, {@link
 * #takeRequest()}); issued tokens and their state can be queried.
 *
 * <p>Thread-safe; requests are served concurrently. The sandbox never logs request contents or
 * tokens; {@link #toString()} shows only the address.
 */
public final class CorSandbox extends SandboxServer {
  private static final Set<String> AUTH_PATHS =
      Set.of("/v1/oauth/token", "/v1/oauth2/token", "/v1/auth/login", "/v1/oauth/refreshtoken");

  /** The consent page's path on {@link #consentBaseUri()}: {@value}. */
  public static final String AUTHORIZE_PATH = "/oauth2/authorize";

  /**
   * What a refresh does to the refresh token it used. COR's docs show a new refresh token in every
   * refresh answer but do not say whether the old one keeps working (UNCONFIRMED), hence the
   * choice.
   */
  public enum Rotation {
    /** The old refresh token keeps working (a new one is still issued). */
    OFF,
    /** The old refresh token stops working; presenting it again gets a 401. */
    ROTATE,
    /** The old refresh token keeps working for {@link Builder#grace} after its first use. */
    GRACE,
    /**
     * Like {@link #ROTATE}, and presenting a used refresh token revokes every token of that
     * authorization (reuse detection).
     */
    STRICT
  }

  /** The body shape of {@code /v1/auth/login} answers (COR's real shape is UNCONFIRMED). */
  public enum LoginShape {
    /** {@code {access_token, token_type, expires_in, refresh_token}}, as the OpenAPI says. */
    AUTH_RESPONSE,
    /**
     * {@code {"token": {access_token, type:"bearer", refreshToken, expirationTime:"<epoch ms>"}}},
     * as a third-party client parses it.
     */
    NESTED_TOKEN,
    /** {@code {"token": {access_token, type:"bearer", expires_in}, "refreshToken": …}}. */
    NESTED_TOKEN_REFRESH_BESIDE,
    /** {@code {"data": {"token": "<access token>"}}}: no expiry, no refresh token. */
    DATA_WRAPPER
  }

  /** What the consent page decides for the (absent) user. */
  public enum ConsentDecision {
    /** Redirect with a {@code code}. */
    APPROVE,
    /** Redirect with {@code error=access_denied} (COR's denial format is UNCONFIRMED). */
    DENY
  }

  private final CorAuth auth;
  private final CorResources resources;
  private final LoopbackServer server;
  private final URI consentBase;

  private CorSandbox(Builder b) {
    this.auth = new CorAuth(b);
    this.resources = new CorResources(b.clock(), b.seed);
    this.server =
        LoopbackServer.builder()
            .name("cor-sandbox")
            .port(b.port)
            .dispatcher(
                new LoopbackServer.Dispatcher() {
                  @Override
                  public Reply dispatch(RecordedRequest request) {
                    return route(request);
                  }

                  @Override
                  public Reply failed(RecordedRequest request, RuntimeException failure) {
                    return CorErrors.error(500, "Internal Server Error");
                  }
                })
            .defaultFaultScope(CorSandbox::isResource)
            .start();
    this.consentBase = URI.create("http://127.0.0.1:" + server.port());
  }

  /** A REST resource under {@code /v1}: not an auth endpoint, not the consent page. */
  private static boolean isResource(RecordedRequest request) {
    return request.path().startsWith("/v1/") && !AUTH_PATHS.contains(request.path());
  }

  /** Starts a sandbox with the defaults (see {@link Builder}) on a random port. */
  public static CorSandbox start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- addresses

  /**
   * {@code http://127.0.0.1:PORT/v1}: use it where COR's {@code https://api.projectcor.com/v1}
   * goes.
   */
  public URI apiBaseUri() {
    return URI.create(consentBase + "/v1");
  }

  /**
   * {@code http://127.0.0.1:PORT}: use it where COR's {@code https://SUBDOMAIN.cor.works} goes; the
   * consent page is at {@value #AUTHORIZE_PATH} below it.
   */
  public URI consentBaseUri() {
    return consentBase;
  }

  /** {@code http://127.0.0.1:PORT/oauth2/authorize}. */
  public URI authorizeUri() {
    return URI.create(consentBase + AUTHORIZE_PATH);
  }

  public int port() {
    return consentBase.getPort();
  }

  // ---------------------------------------------------------------- credentials and modes

  /**
   * Accepts {@code apiKey}/{@code clientSecret} for client credentials (tokens act as the me user).
   */
  public CorSandbox registerApiKey(String apiKey, String clientSecret) {
    requireNonNull(apiKey, "apiKey == null");
    requireNonNull(clientSecret, "clientSecret == null");
    if (apiKey.isEmpty() || apiKey.contains(":")) {
      throw new IllegalArgumentException("apiKey must be non-empty and hold no ':'");
    }
    auth.registerApiKey(apiKey, clientSecret);
    return this;
  }

  /**
   * Accepts {@code email}/{@code password} at {@code /v1/auth/login}; tokens act as the seeded user
   * with that email, or the me user when there is none.
   */
  public CorSandbox registerUser(String email, String password) {
    requireNonNull(email, "email == null");
    requireNonNull(password, "password == null");
    ObjectNode user = resources.userByEmail(email);
    auth.registerUser(email, password, user == null ? CorSeed.ME_USER_ID : user.get("id").asLong());
    return this;
  }

  /** Accepts consent requests for the app {@code name} (COR's {@code name} parameter). */
  public CorSandbox registerApp(String name) {
    requireNonNull(name, "name == null");
    auth.registerApp(name);
    return this;
  }

  public void setRotation(Rotation rotation) {
    auth.rotation(requireNonNull(rotation, "rotation == null"));
  }

  public Rotation rotation() {
    return auth.rotation();
  }

  public void setLoginShape(LoginShape shape) {
    auth.loginShape(requireNonNull(shape, "shape == null"));
  }

  public void setConsentDecision(ConsentDecision decision) {
    auth.decision(requireNonNull(decision, "decision == null"));
  }

  /** Whether the consent redirect echoes a {@code state} it was given (COR documents none). */
  public void setEchoState(boolean echo) {
    auth.echoState(echo);
  }

  /**
   * Makes every access token issued so far fail with 401 from now on (as if COR had expired them
   * early), without touching refresh tokens; returns how many were affected.
   */
  public int invalidateAccessTokens() {
    return auth.invalidateAccessTokens();
  }

  // ---------------------------------------------------------------- observation

  public boolean isAccessTokenValid(String token) {
    return auth.isAccessTokenValid(requireNonNull(token, "token == null"));
  }

  /** Whether {@code token} would be accepted by a refresh now. */
  public boolean isRefreshTokenValid(String token) {
    return auth.isRefreshTokenValid(requireNonNull(token, "token == null"));
  }

  /** How many requests had {@code method} and exactly {@code path}. */
  public int requestCount(String method, String path) {
    requireNonNull(method, "method == null");
    requireNonNull(path, "path == null");
    int n = 0;
    for (RecordedRequest r : requests()) {
      if (r.method().equals(method) && r.path().equals(path)) {
        n++;
      }
    }
    return n;
  }

  /** How many rows {@code collection} holds now (POST /hours adds to HOURS). */
  public int rowCount(CorSeed.Collection collection) {
    return resources.count(requireNonNull(collection, "collection == null"));
  }

  @Override
  protected LoopbackServer loopback() {
    return server;
  }

  @Override
  protected IssuedTokens issued() {
    return auth.issued;
  }

  @Override
  public String toString() {
    return "CorSandbox[" + consentBase + "]";
  }

  // ---------------------------------------------------------------- routes

  private Reply route(RecordedRequest request) {
    String path = request.path();
    String method = request.method();
    if (path.equals(AUTHORIZE_PATH) && method.equals("GET")) {
      return auth.authorize(request);
    }
    if (method.equals("POST")) {
      switch (path) {
        case "/v1/oauth/token" -> {
          return auth.clientCredentials(request);
        }
        case "/v1/oauth2/token" -> {
          return auth.exchangeCode(request);
        }
        case "/v1/auth/login" -> {
          return auth.login(request);
        }
        case "/v1/oauth/refreshtoken" -> {
          return auth.refresh(request);
        }
        default -> {}
      }
    }
    if (isResource(request)) {
      Long userId = auth.authenticate(request);
      if (userId == null) {
        return CorErrors.unauthorized();
      }
      return resources.handle(request, path.substring(3), userId);
    }
    return CorErrors.errorResponse(404, "E_ROUTE_NOT_FOUND", "Cannot " + method + " " + path);
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings for a {@link CorSandbox}. Defaults: system UTC clock, {@link SecureRandom}, random
   * port, access tokens valid 3600 s (COR's "typically 1 hour"), refresh tokens without expiry,
   * {@link Rotation#ROTATE} with a 30 s grace for {@link Rotation#GRACE}, {@link
   * LoginShape#AUTH_RESPONSE}, {@link ConsentDecision#APPROVE}, {@code state} not echoed, no client
   * authentication on the code exchange, {@link CorSeed#standard()} data. Not thread-safe.
   */
  public static final class Builder extends ServerBuilder<Builder> {
    int port;
    @Nullable Duration refreshTokenLifetime;
    Duration codeLifetime = Duration.ofMinutes(10);
    Duration grace = Duration.ofSeconds(30);
    Rotation rotation = Rotation.ROTATE;
    LoginShape loginShape = LoginShape.AUTH_RESPONSE;
    ConsentDecision decision = ConsentDecision.APPROVE;
    boolean echoState;
    boolean codeExchangeRequiresBasic;
    CorSeed seed = CorSeed.standard();

    private Builder() {
      super(Duration.ofHours(1));
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The port on 127.0.0.1; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = checkPort(port);
      return this;
    }

    /**
     * Refresh tokens expire this long after issue; by default they never do (UNCONFIRMED at COR).
     */
    public Builder refreshTokenLifetime(Duration lifetime) {
      this.refreshTokenLifetime = positive(lifetime, "refreshTokenLifetime");
      return this;
    }

    public Builder rotation(Rotation rotation) {
      this.rotation = requireNonNull(rotation, "rotation == null");
      return this;
    }

    /** How long a used refresh token keeps working under {@link Rotation#GRACE}; default 30 s. */
    public Builder grace(Duration grace) {
      this.grace = positive(grace, "grace");
      return this;
    }

    public Builder loginShape(LoginShape shape) {
      this.loginShape = requireNonNull(shape, "shape == null");
      return this;
    }

    public Builder consentDecision(ConsentDecision decision) {
      this.decision = requireNonNull(decision, "decision == null");
      return this;
    }

    /** Echo {@code state} on the consent redirect; default false (COR documents no state). */
    public Builder echoState(boolean echo) {
      this.echoState = echo;
      return this;
    }

    /**
     * Require {@code Basic base64(API_KEY:CLIENT_SECRET)} on the code exchange too; default false
     * (COR documents none; UNCONFIRMED).
     */
    public Builder codeExchangeRequiresBasic(boolean require) {
      this.codeExchangeRequiresBasic = require;
      return this;
    }

    /** The data served; default {@link CorSeed#standard()}. */
    public Builder seed(CorSeed seed) {
      this.seed = requireNonNull(seed, "seed == null");
      return this;
    }

    public CorSandbox start() {
      return new CorSandbox(this);
    }
  }
}
