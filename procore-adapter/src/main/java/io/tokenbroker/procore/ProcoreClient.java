package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JavaType;
import io.tokenbroker.oauth.AuthorizedHttpClient;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Sleeper;
import io.tokenbroker.oauth.TokenBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A typed client for Procore's REST API whose requests go through a {@link TokenBroker}: every
 * request carries the grant's current access token, a 401 causes one refresh (only if the rejected
 * token is still current) and one retry, and rate limits are paced.
 *
 * <pre>{@code
 * ProcoreClient client = ProcoreClient.create(Procore.production(), broker, key);
 * Me me = client.me();
 * for (Company c : client.companies()) { ... }
 * CompanyClient company = client.company(companyId);     // sends Procore-Company-Id
 * company.projects(ProjectQuery.defaults().withVersion(ApiVersion.V1_1)).stream()...
 * Project p = company.project(projectId);
 * }</pre>
 *
 * <h2>The company header</h2>
 *
 * Procore requires {@code Procore-Company-Id} on every request except {@code /me} and {@code
 * /companies}, and service-account tokens need it on those as well. Company-scoped calls exist only
 * on {@link CompanyClient} ({@link #company(long)}), which sends the header on every request, so it
 * cannot be forgotten. For a service-account grant (client credentials, detected from the broker or
 * set with {@link Builder#serviceAccount}), the unscoped {@link #me()} and {@link #companies()}
 * throw {@link IllegalStateException}: use {@code company(id).me()} and {@code
 * company(id).companies()}.
 *
 * <h2>Pacing</h2>
 *
 * When the last answer said {@code X-Rate-Limit-Remaining: 0}, the next request first waits until
 * {@code X-Rate-Limit-Reset}, as Procore asks. A 429 waits until {@code X-Rate-Limit-Reset} (or
 * {@code Retry-After}, if later) plus a random jitter, then retries; a 503 with {@code Retry-After}
 * waits as told; a 502, 504 or 503 without it backs off exponentially, for idempotent methods only.
 * Resets are timed from the answer's {@code Date} header, so a skewed local clock does not shorten
 * or stretch a wait. A wait longer than {@link Builder#maxWait} is not made: the call fails at once
 * with {@link ProcoreApiException} whose {@code retryAfter()} says how long to wait (and, when the
 * budget was known to be spent, the request is not sent at all). Waiting uses the injected {@link
 * Sleeper} and {@link Clock}. {@link #lastRateLimit()} exposes the latest rate-limit headers.
 *
 * <h2>Writes</h2>
 *
 * {@link CompanyClient} sends {@code POST}, {@code PATCH}, {@code PUT} and {@code DELETE} with JSON
 * bodies, and {@link CompanyClient#projectScope(long)} scopes calls to a project. A {@code POST} or
 * {@code PATCH} is never sent twice after a failure that leaves open whether Procore acted.
 *
 * <h2>Failures</h2>
 *
 * {@link ProcoreApiException} for every API failure (status, server message, body, kind); token
 * failures stay the broker's {@code TokenBrokerException}s ({@code InvalidGrantException} when the
 * grant needs a new consent). Messages never contain tokens.
 *
 * <p>Thread-safe; share one instance per grant.
 */
public final class ProcoreClient {
  /** The {@code per_page} list calls send unless told otherwise: {@value}. */
  public static final int DEFAULT_PER_PAGE = 100;

  private static final java.util.Set<String> METHODS =
      java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

  private final Procore procore;
  private final GrantKey key;
  private final boolean serviceAccount;
  private final int defaultPerPage;
  private final Transport transport;

  private ProcoreClient(Builder b, boolean serviceAccount) {
    this.procore = b.procore;
    this.key = b.key;
    this.serviceAccount = serviceAccount;
    this.defaultPerPage = b.defaultPerPage;
    HttpClient http =
        b.httpClient != null
            ? b.httpClient
            : HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    AuthorizedHttpClient authorized =
        AuthorizedHttpClient.builder(http, b.broker, b.key)
            .maxAttempts(1) // pacing is done here, with Procore's headers
            .sleeper(b.sleeper)
            .clock(b.clock)
            .build();
    this.transport =
        new Transport(
            b.procore,
            authorized,
            new Transport.Settings(
                b.clock,
                b.sleeper,
                b.random,
                b.maxAttempts,
                b.maxWait,
                b.maxJitter,
                b.initialBackoff,
                b.requestTimeout));
  }

  /** A client with default settings for a registered grant of {@code procore}'s environment. */
  public static ProcoreClient create(Procore procore, TokenBroker broker, GrantKey key) {
    return builder(procore, broker, key).build();
  }

  public static Builder builder(Procore procore, TokenBroker broker, GrantKey key) {
    return new Builder(procore, broker, key);
  }

  public Procore procore() {
    return procore;
  }

  public GrantKey grantKey() {
    return key;
  }

  /** Whether requests are made as a service account (company header on every request). */
  public boolean isServiceAccount() {
    return serviceAccount;
  }

  /** The rate-limit headers of the latest response that had them. */
  public Optional<RateLimit> lastRateLimit() {
    return Optional.ofNullable(transport.lastRateLimit());
  }

  /**
   * {@code GET /rest/v1.0/me}: the user the token speaks for.
   *
   * @throws IllegalStateException for a service account: use {@code company(id).me()}
   */
  public Me me() {
    return me(ApiVersion.V1_0);
  }

  /** {@link #me()} with another API version. */
  public Me me(ApiVersion version) {
    requireUser("me()", "company(id).me()");
    return get(version, "/me", List.of(), null, Me.class);
  }

  /**
   * {@code GET /rest/v1.0/companies}: the companies the user can reach (free companies left out).
   *
   * @throws IllegalStateException for a service account: use {@code company(id).companies()}
   */
  public Paged<Company> companies() {
    return companies(false);
  }

  /** {@link #companies()}, including free companies when asked ({@code include_free_companies}). */
  public Paged<Company> companies(boolean includeFreeCompanies) {
    requireUser("companies()", "company(id).companies()");
    return companies(includeFreeCompanies, null);
  }

  /** The calls scoped to one company; each carries {@code Procore-Company-Id: companyId}. */
  public CompanyClient company(long companyId) {
    if (companyId <= 0) {
      throw new IllegalArgumentException("companyId must be positive: " + companyId);
    }
    return new CompanyClient(this, companyId);
  }

  // ---------------------------------------------------------------- shared with CompanyClient

  Paged<Company> companies(boolean includeFreeCompanies, @Nullable Long companyId) {
    List<Map.Entry<String, String>> query = new ArrayList<>();
    if (includeFreeCompanies) {
      query.add(Map.entry("include_free_companies", "true"));
    }
    return list(ApiVersion.V1_0, "/companies", query, null, companyId, Company.class);
  }

  <T> T get(
      ApiVersion version,
      String path,
      List<Map.Entry<String, String>> query,
      @Nullable Long companyId,
      Class<T> type) {
    return send("GET", version, path, query, companyId, null, type);
  }

  /**
   * Sends one request and reads its answer as {@code type} ({@code Void}: not read); v2.x answers
   * are read from their {@code "data"} envelope.
   */
  <T> T send(
      String method,
      ApiVersion version,
      String path,
      List<Map.Entry<String, String>> query,
      @Nullable Long companyId,
      @Nullable Object body,
      Class<T> type) {
    requireNonNull(type, "type == null");
    return send(
        method,
        version,
        path,
        query,
        companyId,
        body,
        Json.MAPPER.getTypeFactory().constructType(type));
  }

  @SuppressWarnings("TypeParameterUnusedInFormals") // type (a JavaType) is T at run time
  <T> T send(
      String method,
      ApiVersion version,
      String path,
      List<Map.Entry<String, String>> query,
      @Nullable Long companyId,
      @Nullable Object body,
      JavaType type) {
    requireNonNull(method, "method == null");
    requireNonNull(version, "version == null");
    String m = method.toUpperCase(java.util.Locale.ROOT);
    if (!METHODS.contains(m)) {
      throw new IllegalArgumentException("method must be one of " + METHODS + ": " + method);
    }
    URI uri = transport.uri(version, path, query);
    Transport.Response response = transport.send(m, uri, companyId, json(body));
    return transport.read(m, response, type, version.isEnveloped());
  }

  private static byte @Nullable [] json(@Nullable Object body) {
    if (body == null) {
      return null;
    }
    if (body instanceof String text) {
      return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    try {
      return Json.MAPPER.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the body cannot be written as JSON: " + body.getClass().getName(), e);
    }
  }

  <T> Paged<T> list(
      ApiVersion version,
      String path,
      List<Map.Entry<String, String>> query,
      @Nullable Integer perPage,
      @Nullable Long companyId,
      Class<T> type) {
    requireNonNull(version, "version == null");
    List<Map.Entry<String, String>> q = new ArrayList<>(query);
    int size = perPage != null ? perPage : defaultPerPage;
    if (q.stream().noneMatch(e -> e.getKey().equals("per_page"))) {
      q.add(Map.entry("per_page", Integer.toString(size)));
    }
    JavaType listType = Json.MAPPER.getTypeFactory().constructCollectionType(List.class, type);
    return new Paged<>(
        transport, transport.uri(version, path, q), companyId, listType, version.isEnveloped());
  }

  private void requireUser(String call, String instead) {
    if (serviceAccount) {
      throw new IllegalStateException(
          "grant '"
              + key
              + "' is a service account: Procore needs Procore-Company-Id on every "
              + "service-account request, so "
              + call
              + " is not available; use "
              + instead);
    }
  }

  @Override
  public String toString() {
    return "ProcoreClient["
        + procore.environment()
        + ", "
        + key
        + (serviceAccount ? ", service account" : "")
        + "]";
  }

  /**
   * Configures a {@link ProcoreClient}. Defaults: a JDK {@link HttpClient} that does not follow
   * redirects (10 s connect timeout), 30 s request timeout, system clock, {@link Sleeper#system()},
   * 4 attempts per request for 429/5xx/network failures, waits of at most 60 s, up to 1 s of
   * jitter, 500 ms initial backoff, {@code per_page} {@value #DEFAULT_PER_PAGE}. Not thread-safe.
   */
  public static final class Builder {
    private final Procore procore;
    private final TokenBroker broker;
    private final GrantKey key;
    private @Nullable HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();
    private RandomGenerator random = new SecureRandom();
    private int maxAttempts = 4;
    private Duration maxWait = Duration.ofSeconds(60);
    private Duration maxJitter = Duration.ofSeconds(1);
    private Duration initialBackoff = Duration.ofMillis(500);
    private @Nullable Boolean serviceAccount;
    private int defaultPerPage = DEFAULT_PER_PAGE;

    private Builder(Procore procore, TokenBroker broker, GrantKey key) {
      this.procore = requireNonNull(procore, "procore == null");
      this.broker = requireNonNull(broker, "broker == null");
      this.key = requireNonNull(key, "key == null");
    }

    /** Your {@link HttpClient} (proxy, TLS, executor); configure it not to follow redirects. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client == null");
      return this;
    }

    /** Time limit of one request; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * This machine's clock, which waits are measured on (resets are timed from the answers' {@code
     * Date}); default the system UTC clock.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * How pacing waits; default {@link Sleeper#system()}. Tests inject one that moves a fake clock.
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper == null");
      return this;
    }

    /** The source of jitter; default a {@link SecureRandom}. */
    public Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random == null");
      return this;
    }

    /**
     * Attempts per request for 429, 502-504 and network failures, including the first; default 4.
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts < 1: " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /** The longest single wait made before a retry; a longer one fails at once. Default 60 s. */
    public Builder maxWait(Duration wait) {
      this.maxWait = nonNegative(wait, "maxWait");
      return this;
    }

    /** The most random jitter added to a wait; default 1 s. */
    public Builder maxJitter(Duration jitter) {
      this.maxJitter = nonNegative(jitter, "maxJitter");
      return this;
    }

    /** The first backoff when a server gives no wait time; doubles per attempt. Default 500 ms. */
    public Builder initialBackoff(Duration backoff) {
      this.initialBackoff = nonNegative(backoff, "initialBackoff");
      return this;
    }

    /**
     * Whether the grant is a service account (company header everywhere). Default: detected, true
     * for a grant registered with {@code GrantType.CLIENT_CREDENTIALS}.
     */
    public Builder serviceAccount(boolean serviceAccount) {
      this.serviceAccount = serviceAccount;
      return this;
    }

    /**
     * The {@code per_page} sent on list calls that do not set one; default {@value
     * ProcoreClient#DEFAULT_PER_PAGE}, the largest page Procore documents (REST v2's maximum; v1's
     * defaults and maxima "vary by endpoint"), so that lists spend fewer calls of the hourly
     * budget.
     */
    public Builder defaultPerPage(int perPage) {
      if (perPage < 1) {
        throw new IllegalArgumentException("defaultPerPage < 1: " + perPage);
      }
      this.defaultPerPage = perPage;
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws io.tokenbroker.oauth.UnknownGrantException if the key is neither registered nor
     *     stored in the broker
     * @throws IllegalArgumentException if the grant belongs to another Procore environment
     */
    public ProcoreClient build() {
      GrantStatus status = broker.status(key);
      String provider = status.provider();
      if (provider != null && !provider.equals(procore.providerName())) {
        throw new IllegalArgumentException(
            "grant '"
                + key
                + "' belongs to '"
                + provider
                + "', but this client targets '"
                + procore.providerName()
                + "': Procore tokens are not valid across environments");
      }
      boolean dmsa =
          serviceAccount != null
              ? serviceAccount
              : status.grantType() == GrantType.CLIENT_CREDENTIALS;
      return new ProcoreClient(this, dmsa);
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }

    private static Duration nonNegative(Duration d, String name) {
      requireNonNull(d, name + " == null");
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " is negative: " + d);
      }
      return d;
    }
  }
}
