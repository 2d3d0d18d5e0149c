package io.tokenbroker.testkit.procore;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.testkit.IssuedTokens;
import io.tokenbroker.testkit.LoopbackServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.SandboxServer;
import io.tokenbroker.testkit.ServerBuilder;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An offline Procore: the login host and the API host of one Procore environment, each on its own
 * port of 127.0.0.1, reproducing what Procore documents, for tests and demos.
 *
 * <pre>{@code
 * try (ProcoreSandbox procore = ProcoreSandbox.builder().clock(fakeClock).start()) {
 *   procore.registerClient("app-id", "app-secret");             // OOB and http://localhost
 *   procore.registerServiceAccount("dmsa-id", "dmsa-secret");  // client credentials
 *   URI login = procore.loginUrl();  // stands for https://login.procore.com
 *   URI api = procore.apiUrl();      // stands for https://api.procore.com
 * }
 * }</pre>
 *
 * <h2>Login host (OAuth 2.0)</h2>
 *
 * <ul>
 *   <li>{@code GET /oauth/authorize}: {@code client_id} must be registered and {@code redirect_uri}
 *       one of its redirect URIs exactly. The (absent) user consents at once: 302 to {@code
 *       redirect_uri?code=…&state=…} ({@code state} echoed when sent), or, for {@code
 *       urn:ietf:wg:oauth:2.0:oob}, a 200 HTML page whose {@code <code id="authorization_code">}
 *       shows the code. Codes are single-use and live 10 minutes by the injected clock. Unknown
 *       clients and redirect URIs get an HTML error page (401/400) and no redirect. With {@link
 *       #denyConsent(boolean)}, the redirect carries {@code error=access_denied} (UNCONFIRMED for
 *       Procore; RFC 6749 behaviour).
 *   <li>{@code POST /oauth/token} (also {@code /oauth/token/}): multipart ({@code curl -F}),
 *       urlencoded and JSON bodies; {@code client_id}/{@code client_secret} in the body (HTTP Basic
 *       only with {@link Builder#acceptBasicAuth}). Grants {@code authorization_code}, {@code
 *       refresh_token} and {@code client_credentials} (service accounts only). Success: {@code
 *       {access_token, token_type:"bearer", expires_in, refresh_token, created_at}}, without {@code
 *       refresh_token} for client credentials. Errors: 400 {@code invalid_grant} with Doorkeeper's
 *       description, 401 {@code invalid_client}, 400 {@code invalid_request}/{@code
 *       unsupported_grant_type}/{@code unauthorized_client} (statuses assumed).
 *   <li><b>Strict refresh:</b> a refresh token works once. Any presentation burns it, even one that
 *       then fails (wrong secret). The new pair revokes the old access token ({@link
 *       Builder#refreshRevokesAccessToken}, UNCONFIRMED). Refresh tokens never expire otherwise.
 *   <li>{@code GET /oauth/token/info} with {@code Authorization: Bearer}: {@code
 *       {resource_owner_id, scopes:[], expires_in_seconds, application:{uid}, created_at}}; {@code
 *       resource_owner_id} is null for client-credentials tokens.
 *   <li>{@code POST /oauth/revoke}: form {@code token}, {@code client_id}, {@code client_secret};
 *       200 {@code {}} always. A token of the authenticated client dies together with its pair (the
 *       access token or, as Doorkeeper allows, the refresh token may be sent).
 * </ul>
 *
 * <h2>API host</h2>
 *
 * <ul>
 *   <li>Reads: {@code /rest/v1.0/me}, {@code /rest/v1.0/companies} (bare array; free companies only
 *       with {@code include_free_companies=true}), {@code /rest/v1.0|v1.1/projects?company_id=}
 *       (bare array; {@code filters[by_status]} Active (default)/Inactive/All, {@code
 *       filters[name]}, {@code filters[id][]}, {@code filters[created_at]} and {@code
 *       filters[updated_at]} as ISO-8601 ranges {@code FROM...TO} (inclusive; dates or date-times
 *       with an offset; anything else 400), {@code sort} by {@code id}, {@code name}, {@code
 *       created_at} or {@code updated_at} with a leading {@code -} for descending (others 400; the
 *       fields Procore sorts by are UNCONFIRMED), {@code serializer_view=compact}) and {@code
 *       /rest/v1.0|v1.1/projects/{id}?company_id=}.
 *   <li>Project dates, the resource whose versions scope the project differently: {@code GET
 *       /rest/v1.0/project_dates?project_id=} answers {@code {schedule_dates, project_dates: […]}}
 *       with numeric ids; {@code GET /rest/v2.0/companies/{company_id}/projects/{id}/project_dates}
 *       answers v2's envelope {@code {"data": […]}} with string ids, 10 a page by default and at
 *       most 100, as Procore's REST v2 announcement says.
 *   <li>Writes: {@code POST /rest/v1.0/projects} ({@code {company_id, project: {name, …}}}, 201)
 *       and {@code PATCH /rest/v1.0/projects/{id}} ({@code {project: {…}}}): JSON only; {@code
 *       company_id} must be the header's company; a blank {@code name} or a {@code country_code}
 *       that is not ISO-3166 alpha-2 gets 422 {@code {"errors": {"name": ["can't be blank"]}}}
 *       (Rails' shape; Procore's per-endpoint bodies are UNCONFIRMED); a missing {@code project}
 *       400. Other methods on a project get 405. A write raises the webhook event {@code
 *       "Projects"} {@code create}/{@code update}.
 *   <li>Webhooks ({@code /rest/v1.0/webhooks/hooks}, {@code …/{id}}, {@code …/{hook_id}/triggers},
 *       {@code …/triggers/{id}}, {@code …/{hook_id}/deliveries}): list, create (201), update
 *       ({@code PATCH}) and delete (200, empty) hooks; list, create (201) and delete triggers; list
 *       deliveries with {@code filters[status]} (also read as {@code filter[status]}, as Procore's
 *       guide writes it) {@code any}/{@code successful}/{@code failing}/{@code discarded}, {@code
 *       page_size} (default 100) and {@code page_start} (the last id of the previous page). Every
 *       request names exactly one of {@code company_id} and {@code project_id} (query for reads and
 *       deletes, JSON body for writes; both or neither: 400); a project must be readable in the
 *       header's company. Hooks need {@code api_version} and an HTTPS {@code destination_url}
 *       (plain HTTP on loopback); {@code namespace} is {@code a-z0-9-}; triggers need {@code
 *       resource_name} and an {@code event_type} of {@code create}, {@code update}, {@code delete}:
 *       else 422 with {@code errors}. Hooks listed without {@code namespace} are those without one
 *       ({@code *} lists all; UNCONFIRMED). {@link #deliverWebhooks()} POSTs pending events in the
 *       hook's payload format (v2.0, v3.0 or v4.0).
 *   <li>Bearer check first: a missing, unknown, expired or revoked token (including one from
 *       another environment, i.e. another sandbox) is 401 "The access token is invalid".
 *   <li>{@code Procore-Company-Id} (any case) is required except on {@code /me} and {@code
 *       /companies}; service-account tokens need it there too, and {@code /me} needs it with a
 *       {@code company_id}/{@code project_id} parameter. Missing: {@link
 *       Builder#missingCompanyHeaderStatus} (default 400, UNCONFIRMED) with "Missing
 *       Procore-Company-Id header!…". An unknown company or one where the app is not installed: 403
 *       "App is not connected to this company". A header differing from {@code company_id}: 400
 *       (the sandbox's own choice). Unreadable and unknown resources: 404.
 *   <li>Pagination: {@code page}, {@code per_page} (default {@link Builder#defaultPerPage}, capped
 *       at {@link Builder#maxPerPage}; both UNCONFIRMED); headers {@code Total}, {@code Per-Page}
 *       and {@code Link} with absolute {@code /rest/vX.Y/} URLs joined by {@code ", "}: page 1 has
 *       next and last, page 2 first, next, last, later pages all four, the last page no next; an
 *       empty {@code Link} when everything fits on one page.
 *   <li>Rate limits per token (per token and company for service accounts): an hourly window and a
 *       10 s spike window. {@code X-Rate-Limit-Limit/Remaining/Reset} on every API response, for
 *       whichever window is nearer exhaustion; 429 with a plain-text body when a window is used up
 *       ({@code Retry-After} only with {@link Builder#retryAfterOn429}). The JDK server stamps
 *       every answer's {@code Date} with the system clock, so {@code X-Rate-Limit-Reset} (Unix
 *       seconds) is on that clock too: the system time plus what is left of the window on the
 *       injected clock, rounded up. Timed from {@code Date}, as Procore's reset should be, it gives
 *       the window's remaining time to within a second.
 *   <li>{@link ProcoreFaults#serviceUnavailable(long)} injects 503 + {@code Retry-After}. {@link
 *       #enqueue enqueue} queues a fault for the next request it matches: the token endpoint or the
 *       API for {@link ProcoreFaults}, the API for a generic {@link io.tokenbroker.testkit.Fault}
 *       unless {@linkplain io.tokenbroker.testkit.Fault#on scoped}.
 *   <li>Tolerates what the official SDKs send ({@code Accepts}, {@code Procore-Sdk-*}, lowercase
 *       {@code procore-company-id}).
 * </ul>
 *
 * <p><b>Hosts.</b> Two servers on two ports; with {@link Builder#oauthOnApiHost}, the API host also
 * serves {@code /oauth/*} (the JS SDK posts there; whether Procore still does is UNCONFIRMED). One
 * sandbox is one environment: tokens and clients of another sandbox are unknown here, as production
 * tokens are on Procore's sandbox.
 *
 * <p>Thread-safe; requests are served concurrently. Request contents and tokens are never logged
 * (only the sandbox's own failures are); {@code toString()} shows only the environment and the two
 * URLs. {@link #close()} stops both servers and abandons requests in flight.
 */
public final class ProcoreSandbox extends SandboxServer {
  /** The access-token lifetime Procore documents since 2023-09: 5400 s. */
  public static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(90);

  /** The lifetime older documentation (and the seed page) shows: 7200 s. */
  public static final Duration LEGACY_ACCESS_TOKEN_LIFETIME = Duration.ofHours(2);

  /** The out-of-band redirect URI. */
  public static final String OUT_OF_BAND = OAuthState.OUT_OF_BAND;

  /** Which of the sandbox's two hosts received a request ({@link RecordedRequest#host()}). */
  public enum Host {
    /** The login host ({@code login.procore.com}): OAuth 2.0. */
    LOGIN("login"),
    /** The API host ({@code api.procore.com}): {@code /rest/vX.Y/...}. */
    API("api");

    private final String hostName;

    Host(String hostName) {
      this.hostName = hostName;
    }

    /** The {@link RecordedRequest#host()} of requests to this host. */
    public String hostName() {
      return hostName;
    }
  }

  private final String environment;
  private final boolean oauthOnApiHost;
  private final ProcoreSeed data;
  private final OAuthState oauth;
  private final ApiRoutes api;
  private final WebhookState webhooks;
  private final LoopbackServer server;
  private final URI loginUrl;
  private final URI apiUrl;

  private ProcoreSandbox(Builder b) {
    this.environment = b.environment;
    this.oauthOnApiHost = b.oauthOnApiHost;
    this.data = b.data;
    this.oauth =
        new OAuthState(
            b.clock(),
            b.random(),
            b.accessTokenLifetime(),
            b.codeLifetime,
            b.refreshRevokesAccessToken,
            b.acceptBasicAuth,
            b.data.user().id());
    this.webhooks = new WebhookState(b.clock(), b.random());
    this.api =
        new ApiRoutes(
            b.clock(),
            Clock.systemUTC(), // the clock of the Date header the JDK server stamps
            oauth,
            new RateLimiter(b.hourlyLimit, b.hourlyWindow, b.spikeLimit, b.spikeWindow),
            b.data,
            new ApiRoutes.Settings(
                b.defaultPerPage,
                b.maxPerPage,
                b.missingCompanyHeaderStatus,
                b.requireCompanyHeader,
                b.prevOnSecondPage,
                b.retryAfterOn429),
            webhooks);
    this.server =
        LoopbackServer.builder()
            .name("procore-sandbox")
            .host(Host.LOGIN.hostName(), b.loginPort)
            .host(Host.API.hostName(), b.apiPort)
            .dispatcher(
                new LoopbackServer.Dispatcher() {
                  @Override
                  public Reply dispatch(RecordedRequest request) {
                    return route(request);
                  }

                  @Override
                  public Reply faulted(RecordedRequest request, Reply canned) {
                    // A canned API answer still carries the rate-limit headers, as Procore's do.
                    return isApiRequest(request)
                        ? canned.withHeaders(api.peekHeaders(request)).withHeaders(canned.headers())
                        : canned;
                  }

                  @Override
                  public Reply failed(RecordedRequest request, RuntimeException failure) {
                    return ApiRoutes.apiError(
                        500, "the sandbox failed: " + failure.getClass().getName());
                  }
                })
            .defaultFaultScope(ProcoreSandbox::isApiRequest)
            .start();
    this.loginUrl = URI.create("http://127.0.0.1:" + server.port(Host.LOGIN.hostName()));
    this.apiUrl = URI.create("http://127.0.0.1:" + server.port(Host.API.hostName()));
    api.apiBase(apiUrl.toString());
  }

  /** A sandbox with the defaults (see {@link Builder}). */
  public static ProcoreSandbox start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- addresses

  /** The environment this sandbox stands for, e.g. {@code sandbox} or {@code production}. */
  public String environment() {
    return environment;
  }

  /** The login host's base URL, {@code http://127.0.0.1:<port>} (no trailing slash). */
  public URI loginUrl() {
    return loginUrl;
  }

  /** The API host's base URL, {@code http://127.0.0.1:<port>} (no trailing slash). */
  public URI apiUrl() {
    return apiUrl;
  }

  public URI authorizationEndpoint() {
    return URI.create(loginUrl + "/oauth/authorize");
  }

  public URI tokenEndpoint() {
    return URI.create(loginUrl + "/oauth/token");
  }

  public URI tokenInfoEndpoint() {
    return URI.create(loginUrl + "/oauth/token/info");
  }

  public URI revocationEndpoint() {
    return URI.create(loginUrl + "/oauth/revoke");
  }

  /** The data served. */
  public ProcoreSeed data() {
    return data;
  }

  // ---------------------------------------------------------------- clients and switches

  /**
   * Registers (or replaces) an app for the authorization-code flow. With no {@code redirectUris},
   * {@code urn:ietf:wg:oauth:2.0:oob} and {@code http://localhost} are registered; redirect URIs
   * must match one of them exactly.
   */
  public ProcoreSandbox registerClient(
      String clientId, String clientSecret, String... redirectUris) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(clientSecret, "clientSecret == null");
    requireNonNull(redirectUris, "redirectUris == null");
    Set<String> uris = new LinkedHashSet<>();
    for (String uri : redirectUris) {
      uris.add(requireNonNull(uri, "redirect URI == null"));
    }
    if (uris.isEmpty()) {
      uris.add(OUT_OF_BAND);
      uris.add("http://localhost");
    }
    oauth.registerClient(clientId, clientSecret, Set.copyOf(uris));
    return this;
  }

  /**
   * Registers (or replaces) a developer-managed service account: it uses {@code client_credentials}
   * and is installed in {@code companyIds} (every company where the app is installed, if none are
   * given).
   *
   * @return the service account's user ID
   */
  public long registerServiceAccount(String clientId, String clientSecret, long... companyIds) {
    requireNonNull(clientId, "clientId == null");
    requireNonNull(clientSecret, "clientSecret == null");
    Set<Long> companies = new LinkedHashSet<>();
    for (long id : companyIds) {
      companies.add(id);
    }
    return oauth.registerServiceAccount(clientId, clientSecret, companies);
  }

  /** Installs or uninstalls (disconnects) the app in a company from now on. */
  public void setAppInstalled(long companyId, boolean installed) {
    api.setAppInstalled(companyId, installed);
  }

  /** Whether {@code /oauth/authorize} refuses consent ({@code error=access_denied}) from now on. */
  public void denyConsent(boolean deny) {
    oauth.denyConsent(deny);
  }

  /**
   * POSTs every pending webhook event to its hook's {@code destination_url}, with the hook's {@code
   * destination_headers} and {@code Content-Type: application/json}, and records each as a delivery
   * ({@code GET .../deliveries}): outcome {@code ok} for a 2xx answer, {@code retried} otherwise.
   * Events are raised by the sandbox's own writes ({@code POST} and {@code PATCH /projects}: {@code
   * "Projects"} {@code create}/{@code update}) for hooks with a matching trigger. Procore delivers
   * on its own; here the test decides when, so that nothing races.
   *
   * @return how many events were sent
   */
  public int deliverWebhooks() {
    return webhooks.deliver();
  }

  // ---------------------------------------------------------------- state for assertions

  /** Whether {@code token} is a live access token here (issued, not expired, not revoked). */
  public boolean isAccessTokenValid(String token) {
    return oauth.isAccessTokenValid(requireNonNull(token, "token == null"));
  }

  /** Whether {@code token} is a refresh token here that was never presented nor revoked. */
  public boolean isRefreshTokenUsable(String token) {
    return oauth.isRefreshTokenUsable(requireNonNull(token, "token == null"));
  }

  /** Requests that reached {@code /oauth/token} (on either host), faulted ones included. */
  public int tokenRequestCount() {
    int count = 0;
    for (RecordedRequest request : server.requests()) {
      if (isTokenRequest(request) && servesOAuth(request)) {
        count++;
      }
    }
    return count;
  }

  /** Requests to {@code /oauth/token} with this {@code grant_type} that were processed. */
  public int tokenRequestCount(String grantType) {
    return oauth.tokenRequests(requireNonNull(grantType, "grantType == null"));
  }

  /** How many {@code invalid_grant} answers the token endpoint gave. */
  public int invalidGrantCount() {
    return oauth.invalidGrants();
  }

  /** Requests that reached the API host's {@code /rest/} paths. */
  public int apiRequestCount() {
    int count = 0;
    for (RecordedRequest request : server.requests()) {
      if (isApiRequest(request)) {
        count++;
      }
    }
    return count;
  }

  /** Every request received on {@code host}, in arrival order. */
  public List<RecordedRequest> requests(Host host) {
    requireNonNull(host, "host == null");
    List<RecordedRequest> out = new ArrayList<>();
    for (RecordedRequest r : requests()) {
      if (r.host().equals(host.hostName())) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  protected LoopbackServer loopback() {
    return server;
  }

  @Override
  protected IssuedTokens issued() {
    return oauth.issued;
  }

  @Override
  public String toString() {
    return "ProcoreSandbox[" + environment + ", login=" + loginUrl + ", api=" + apiUrl + "]";
  }

  // ---------------------------------------------------------------- routes

  /** A {@code POST} to {@code /oauth/token}, with or without the quickstart's trailing slash. */
  static boolean isTokenRequest(RecordedRequest request) {
    return request.method().equals("POST") && normalized(request.path()).equals("/oauth/token");
  }

  /** A request to the API host's {@code /rest/} paths. */
  static boolean isApiRequest(RecordedRequest request) {
    return request.host().equals(Host.API.hostName()) && request.path().startsWith("/rest/");
  }

  private static String normalized(String path) {
    // Procore's quickstart posts to /oauth/token/.
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  private boolean servesOAuth(RecordedRequest request) {
    return request.host().equals(Host.LOGIN.hostName()) || oauthOnApiHost;
  }

  private Reply route(RecordedRequest request) {
    String path = normalized(request.path());
    if (path.startsWith("/oauth/") && servesOAuth(request)) {
      return routeOAuth(request, path);
    }
    if (isApiRequest(request)) {
      return api.handle(request);
    }
    return ApiRoutes.apiError(404, "Not Found");
  }

  private Reply routeOAuth(RecordedRequest request, String path) {
    String method = request.method();
    return switch (path) {
      case "/oauth/authorize" ->
          method.equals("GET") ? oauth.authorize(request) : methodNotAllowed();
      case "/oauth/token" -> method.equals("POST") ? oauth.token(request) : methodNotAllowed();
      case "/oauth/token/info" -> oauth.tokenInfo(request);
      case "/oauth/revoke" -> method.equals("POST") ? oauth.revoke(request) : methodNotAllowed();
      default -> Reply.oauthError(404, "not_found", "no such endpoint");
    };
  }

  private static Reply methodNotAllowed() {
    return Reply.oauthError(405, "invalid_request", "method not allowed");
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings for a {@link ProcoreSandbox}. Defaults: environment {@code sandbox}, system UTC clock,
   * {@link SecureRandom}, random ports, access tokens of {@link #ACCESS_TOKEN_LIFETIME 5400 s},
   * codes of 10 minutes, the old access token revoked on refresh, no HTTP Basic client
   * authentication, OAuth on the login host only, {@link ProcoreSeed#defaults()}, 100 items per
   * page (at most 1000), 3600 requests an hour and 25 per 10 s, missing company header 400, no
   * {@code prev} link on page 2, no {@code Retry-After} on 429. Not thread-safe; {@link #start()}
   * may be called more than once.
   */
  public static final class Builder extends ServerBuilder<Builder> {
    private String environment = "sandbox";
    private int loginPort;
    private int apiPort;
    private Duration codeLifetime = Duration.ofMinutes(10);
    private boolean refreshRevokesAccessToken = true;
    private boolean acceptBasicAuth;
    private boolean oauthOnApiHost;
    private ProcoreSeed data = ProcoreSeed.defaults();
    private int defaultPerPage = 100;
    private int maxPerPage = 1000;
    private long hourlyLimit = 3600;
    private Duration hourlyWindow = Duration.ofHours(1);
    private long spikeLimit = 25;
    private Duration spikeWindow = Duration.ofSeconds(10);
    private int missingCompanyHeaderStatus = 400;
    private boolean requireCompanyHeader = true;
    private boolean prevOnSecondPage;
    private boolean retryAfterOn429;

    private Builder() {
      super(ACCESS_TOKEN_LIFETIME);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The environment's name, e.g. {@code production}; only for display and test assertions. */
    public Builder environment(String environment) {
      requireNonNull(environment, "environment == null");
      if (environment.isBlank()) {
        throw new IllegalArgumentException("environment is blank");
      }
      this.environment = environment;
      return this;
    }

    /** Fixed ports (0 picks a free one, the default). */
    public Builder ports(int loginPort, int apiPort) {
      this.loginPort = checkPort(loginPort);
      this.apiPort = checkPort(apiPort);
      return this;
    }

    /** Authorization-code lifetime; default 10 minutes. */
    public Builder authorizationCodeLifetime(Duration lifetime) {
      this.codeLifetime = positive(lifetime, "authorizationCodeLifetime");
      return this;
    }

    /** Whether a refresh revokes the previous access token; default true (UNCONFIRMED). */
    public Builder refreshRevokesAccessToken(boolean revokes) {
      this.refreshRevokesAccessToken = revokes;
      return this;
    }

    /** Whether HTTP Basic client authentication is accepted; default false (UNCONFIRMED). */
    public Builder acceptBasicAuth(boolean accept) {
      this.acceptBasicAuth = accept;
      return this;
    }

    /** Whether the API host also serves {@code /oauth/*}, as the JS SDK expects; default false. */
    public Builder oauthOnApiHost(boolean serve) {
      this.oauthOnApiHost = serve;
      return this;
    }

    /** The user, companies and projects served; default {@link ProcoreSeed#defaults()}. */
    public Builder data(ProcoreSeed data) {
      this.data = requireNonNull(data, "data == null");
      return this;
    }

    /** {@code per_page} when a request does not say; default 100 (UNCONFIRMED). */
    public Builder defaultPerPage(int perPage) {
      if (perPage < 1) {
        throw new IllegalArgumentException("defaultPerPage < 1: " + perPage);
      }
      this.defaultPerPage = perPage;
      return this;
    }

    /** The largest {@code per_page} honoured; larger requests get this many; default 1000. */
    public Builder maxPerPage(int perPage) {
      if (perPage < 1) {
        throw new IllegalArgumentException("maxPerPage < 1: " + perPage);
      }
      this.maxPerPage = perPage;
      return this;
    }

    /**
     * The two rate-limit windows: {@code hourly} requests per {@code hourlyWindow} (default 3600
     * per hour) and {@code spike} per {@code spikeWindow} (default 25 per 10 s).
     */
    public Builder rateLimits(
        long hourly, Duration hourlyWindow, long spike, Duration spikeWindow) {
      if (hourly < 1 || spike < 1) {
        throw new IllegalArgumentException("rate limits must be positive");
      }
      this.hourlyLimit = hourly;
      this.hourlyWindow = positive(hourlyWindow, "hourlyWindow");
      this.spikeLimit = spike;
      this.spikeWindow = positive(spikeWindow, "spikeWindow");
      return this;
    }

    /** The status for a missing {@code Procore-Company-Id}; default 400 (UNCONFIRMED). */
    public Builder missingCompanyHeaderStatus(int status) {
      if (status < 400 || status > 499) {
        throw new IllegalArgumentException("status must be 4xx: " + status);
      }
      this.missingCompanyHeaderStatus = status;
      return this;
    }

    /** Whether a missing {@code Procore-Company-Id} is rejected; default true. */
    public Builder requireCompanyHeader(boolean require) {
      this.requireCompanyHeader = require;
      return this;
    }

    /**
     * Whether page 2 carries a {@code prev} link, as the Ruby SDK's README shows; default false.
     */
    public Builder prevOnSecondPage(boolean prev) {
      this.prevOnSecondPage = prev;
      return this;
    }

    /** Whether a 429 also carries {@code Retry-After}; default false (UNCONFIRMED). */
    public Builder retryAfterOn429(boolean send) {
      this.retryAfterOn429 = send;
      return this;
    }

    /**
     * Binds two ports of 127.0.0.1 and starts serving.
     *
     * @throws UncheckedIOException if a port cannot be bound
     */
    public ProcoreSandbox start() {
      return new ProcoreSandbox(this);
    }
  }
}
