package io.tokenbroker.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.oauth.AuthorizedHttpClient;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A typed client for COR's REST API whose every request goes through a {@link TokenBroker} grant.
 *
 * <pre>{@code
 * CorClient cor = CorClient.create(broker, GrantKey.of("cor/acme"));
 * User me = cor.me();
 * cor.projects(ProjectFilter.builder().clientId(25855).build()).stream().forEach(...);
 * Hour entry = cor.logHours(10002,
 *     Instant.parse("2024-01-18T09:00:00Z"), Instant.parse("2024-01-18T11:30:00Z"));
 * }</pre>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Each request carries {@code Authorization: Bearer} with the broker's current token and
 *       {@code Accept: application/json}; a 401 makes the broker refresh (only if the rejected
 *       token is still current) and the request is retried once ({@link AuthorizedHttpClient}).
 *   <li>429 answers, and 5xx answers to GETs, are retried with backoff ({@link
 *       Builder#maxAttempts}, {@link Builder#maxRetryAfter}); COR publishes no rate-limit headers,
 *       but a {@code Retry-After} is honoured if one comes. {@code POST /hours} is never repeated
 *       after a 5xx, since COR may have logged the time.
 *   <li>Lists are {@link CorList}s, read lazily page by page with {@code perPage} capped at 50.
 * </ul>
 *
 * <h2>Failures</h2>
 *
 * {@link CorApiException} for every error answer (all of COR's body shapes and 417 validation
 * arrays), unreadable bodies and network failures; the broker's {@code TokenBrokerException}
 * subtypes when no token can be had (for example {@code InvalidGrantException} once the grant needs
 * a new consent). No message carries a token.
 *
 * <p>Thread-safe; share one instance per grant.
 */
public final class CorClient {
  private final AuthorizedHttpClient http;
  private final String apiBase;
  private final String basePath;
  private final Duration requestTimeout;
  private final int maxPerPage;

  private CorClient(Builder b) {
    AuthorizedHttpClient.Builder authorized =
        AuthorizedHttpClient.builder(
                b.httpClient != null ? b.httpClient : defaultHttpClient(), b.broker, b.key)
            .maxAttempts(b.maxAttempts)
            .maxRetryAfter(b.maxRetryAfter)
            .clock(b.clock);
    this.http = authorized.build();
    String base = b.apiBaseUri.toString();
    this.apiBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    String path = b.apiBaseUri.getRawPath() == null ? "" : b.apiBaseUri.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.requestTimeout = b.requestTimeout;
    this.maxPerPage = b.maxPerPage;
  }

  /** A client for {@code key} against {@link Cor#DEFAULT_API_BASE} with the default settings. */
  public static CorClient create(TokenBroker broker, GrantKey key) {
    return builder(broker, key).build();
  }

  public static Builder builder(TokenBroker broker, GrantKey key) {
    return new Builder(broker, key);
  }

  int maxPerPage() {
    return maxPerPage;
  }

  // ---------------------------------------------------------------- endpoints

  /** {@code GET /me}: the user the token acts as. */
  public User me() {
    return get("/me", Map.of(), User.class);
  }

  /** {@code GET /projects}, all projects. */
  public CorList<Project> projects() {
    return projects(ProjectFilter.none());
  }

  /** {@code GET /projects} with {@code filters}. */
  public CorList<Project> projects(ProjectFilter filter) {
    requireNonNull(filter, "filter == null");
    return list("/projects", filter.isEmpty() ? null : filter.toJson(), null, null, Project.class);
  }

  /**
   * {@code GET /projects/{id}}, with {@code usersPositionsProject}, {@code categoriesProject} and
   * {@code ratecard}.
   *
   * @throws CorApiException with status 404 if there is no such project
   */
  public Project project(long id) {
    return get("/projects/" + id, Map.of(), Project.class);
  }

  /** {@code GET /tasks}, all tasks. */
  public CorList<Task> tasks() {
    return tasks(TaskFilter.none());
  }

  /** {@code GET /tasks} with {@code filters}. */
  public CorList<Task> tasks(TaskFilter filter) {
    requireNonNull(filter, "filter == null");
    return list("/tasks", filter.isEmpty() ? null : filter.toJson(), null, null, Task.class);
  }

  /** {@code GET /tasks} with {@code filters} and {@code order}. */
  public CorList<Task> tasks(TaskFilter filter, TaskOrder order) {
    requireNonNull(filter, "filter == null");
    requireNonNull(order, "order == null");
    return list(
        "/tasks", filter.isEmpty() ? null : filter.toJson(), "order", order.toJson(), Task.class);
  }

  /** {@code GET /tasks/{id}}. */
  public Task task(long id) {
    return get("/tasks/" + id, Map.of(), Task.class);
  }

  /** {@code GET /clients}. */
  public CorList<Client> clients() {
    return list("/clients", null, null, null, Client.class);
  }

  /** {@code GET /clients/{id}}. */
  public Client client(long id) {
    return get("/clients/" + id, Map.of(), Client.class);
  }

  /** {@code GET /hours}, all time entries. */
  public CorList<Hour> hours() {
    return hours(HourFilter.none());
  }

  /** {@code GET /hours} with {@code filters}. */
  public CorList<Hour> hours(HourFilter filter) {
    requireNonNull(filter, "filter == null");
    return list("/hours", filter.isEmpty() ? null : filter.toJson(), null, null, Hour.class);
  }

  /** {@code GET /hours} with {@code filters} and {@code orderBy}. */
  public CorList<Hour> hours(HourFilter filter, HourOrder orderBy) {
    requireNonNull(filter, "filter == null");
    requireNonNull(orderBy, "orderBy == null");
    return list(
        "/hours",
        filter.isEmpty() ? null : filter.toJson(),
        "orderBy",
        orderBy.toJson(),
        Hour.class);
  }

  /**
   * {@code POST /hours}: logs time worked on task {@code taskLogId} from {@code start} to {@code
   * stop}, sent as ISO-8601 UTC ({@code 2024-01-18T09:00:00Z}, whole seconds) as in COR's example.
   * COR answers with the entry in status {@code pending}.
   *
   * @throws IllegalArgumentException if {@code stop} is before {@code start}
   * @throws CorApiException with a 417 validation array if COR rejects the input
   */
  public Hour logHours(long taskLogId, Instant start, Instant stop) {
    requireNonNull(start, "start == null");
    requireNonNull(stop, "stop == null");
    if (stop.isBefore(start)) {
      throw new IllegalArgumentException("stop is before start");
    }
    return postHours(taskLogId, start, stop);
  }

  /** {@code POST /hours} without {@code stop}: starts a timer on task {@code taskLogId}. */
  public Hour startTimer(long taskLogId, Instant start) {
    requireNonNull(start, "start == null");
    return postHours(taskLogId, start, null);
  }

  /** {@code GET /users} (hidden users only with {@link UserFilter.Builder#withHiddenUsers}). */
  public CorList<User> users() {
    return users(UserFilter.none());
  }

  /** {@code GET /users} with {@code filters}. */
  public CorList<User> users(UserFilter filter) {
    requireNonNull(filter, "filter == null");
    return list("/users", filter.isEmpty() ? null : filter.toJson(), null, null, User.class);
  }

  @Override
  public String toString() {
    return "CorClient[" + apiBase + "]";
  }

  // ---------------------------------------------------------------- plumbing

  private <T> CorList<T> list(
      String path,
      @Nullable String filters,
      @Nullable String orderName,
      @Nullable String order,
      Class<T> type) {
    Map<String, String> query = new LinkedHashMap<>();
    if (filters != null) {
      query.put("filters", filters);
    }
    if (orderName != null && order != null) {
      query.put(orderName, order);
    }
    return new CorList<>(this, path, query, type, maxPerPage);
  }

  private Hour postHours(long taskLogId, Instant start, @Nullable Instant stop) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("task_log_id", taskLogId);
    body.put("start", start.truncatedTo(ChronoUnit.SECONDS).toString());
    if (stop != null) {
      body.put("stop", stop.truncatedTo(ChronoUnit.SECONDS).toString());
    }
    String json;
    try {
      json = CorJson.MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(apiBase + "/hours"))
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, UTF_8))
            .build();
    HttpResponse<String> response = send(request, "POST", "/hours");
    return read(response, "POST", "/hours", Hour.class);
  }

  private <T> T get(String path, Map<String, String> params, Class<T> type) {
    HttpResponse<String> response = send(getRequest(path, params), "GET", path);
    return read(response, "GET", path, type);
  }

  <T> CorPage<T> fetchPage(String path, Map<String, String> params, Class<T> type) {
    HttpResponse<String> response = send(getRequest(path, params), "GET", path);
    String fullPath = basePath + path;
    if (response.statusCode() < 200 || response.statusCode() > 299) {
      throw CorApiException.fromResponse("GET", fullPath, response.statusCode(), response.body());
    }
    try {
      return readPage(response.body(), type);
    } catch (IOException | RuntimeException e) {
      throw CorApiException.unreadable("GET", fullPath, response.statusCode(), e);
    }
  }

  private static <T> CorPage<T> readPage(String body, Class<T> type) throws IOException {
    JsonNode root = CorJson.MAPPER.readTree(body);
    if (root == null) {
      throw new IOException("empty body");
    }
    JsonNode data;
    Map<String, Object> extra = new LinkedHashMap<>();
    long total;
    int perPage;
    int page;
    int lastPage;
    if (root.isArray()) {
      // page=false may answer a bare array (UNCONFIRMED); read it as one page.
      data = root;
      total = root.size();
      perPage = root.size();
      page = 1;
      lastPage = 1;
    } else if (root.isObject() && root.path("data").isArray()) {
      data = root.get("data");
      page = (int) number(root.get("page"), 1);
      total = number(root.get("total"), data.size());
      perPage = (int) number(root.get("perPage"), data.size());
      lastPage = (int) number(root.get("lastPage"), page);
      for (Map.Entry<String, JsonNode> e : root.properties()) {
        if (!List.of("total", "perPage", "page", "lastPage", "data").contains(e.getKey())) {
          extra.put(e.getKey(), CorJson.MAPPER.treeToValue(e.getValue(), Object.class));
        }
      }
    } else {
      throw new IOException("not a COR list envelope");
    }
    List<T> items = new ArrayList<>(data.size());
    for (JsonNode item : data) {
      items.add(CorJson.MAPPER.treeToValue(item, type));
    }
    return new CorPage<>(total, perPage, page, lastPage, items, extra);
  }

  /**
   * A number sent as a JSON number or as a string of digits ({@code total}, {@code /hours} page).
   */
  private static long number(@Nullable JsonNode node, long fallback) throws IOException {
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isTextual()) {
      try {
        return Long.parseLong(node.asText().trim());
      } catch (NumberFormatException e) {
        throw new IOException(
            "not a number: a string of " + node.asText().length() + " characters");
      }
    }
    throw new IOException("not a number: " + node.getNodeType());
  }

  private HttpRequest getRequest(String path, Map<String, String> params) {
    StringBuilder uri = new StringBuilder(apiBase).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      uri.append(sep)
          .append(URLEncoder.encode(e.getKey(), UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), UTF_8));
      sep = '&';
    }
    return HttpRequest.newBuilder(URI.create(uri.toString()))
        .timeout(requestTimeout)
        .header("Accept", "application/json")
        .GET()
        .build();
  }

  private HttpResponse<String> send(HttpRequest request, String method, String path) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw CorApiException.noResponse(method, basePath + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CorApiException.noResponse(method, basePath + path, e);
    }
  }

  private <T> T read(HttpResponse<String> response, String method, String path, Class<T> type) {
    String fullPath = basePath + path;
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw CorApiException.fromResponse(method, fullPath, status, response.body());
    }
    try {
      T value = CorJson.MAPPER.readValue(response.body(), type);
      if (value == null) {
        throw new IOException("empty body");
      }
      return value;
    } catch (IOException | RuntimeException e) {
      throw CorApiException.unreadable(method, fullPath, status, e);
    }
  }

  private static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** Configures a {@link CorClient}. Not thread-safe. */
  public static final class Builder {
    private final TokenBroker broker;
    private final GrantKey key;
    private URI apiBaseUri = Cor.DEFAULT_API_BASE;
    private @Nullable HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 3;
    private Duration maxRetryAfter = Duration.ofSeconds(60);
    private Clock clock = Clock.systemUTC();
    private int maxPerPage = 50;

    private Builder(TokenBroker broker, GrantKey key) {
      this.broker = requireNonNull(broker, "broker == null");
      this.key = requireNonNull(key, "key == null");
    }

    /**
     * The API base; default {@code https://api.projectcor.com/v1} ({@code CorSandbox.apiBaseUri()}
     * in tests).
     */
    public Builder apiBaseUri(URI uri) {
      this.apiBaseUri = Cor.requireHttpUri(uri, "apiBaseUri");
      return this;
    }

    /** The HttpClient for API calls (proxy, TLS); default one that never follows redirects. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client == null");
      return this;
    }

    /** Time limit for one request; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /** Attempts per request for 429/5xx pacing, including the first; default 3. */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts < 1: " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * The longest wait between attempts (a longer {@code Retry-After} ends the retries), which also
     * caps the jittered backoff used when COR sends no {@code Retry-After}; default 60 s.
     */
    public Builder maxRetryAfter(Duration max) {
      requireNonNull(max, "max == null");
      if (max.isNegative()) {
        throw new IllegalArgumentException("maxRetryAfter is negative: " + max);
      }
      this.maxRetryAfter = max;
      return this;
    }

    /** The clock that reads HTTP-date {@code Retry-After} values; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * The largest {@code perPage} sent, and the page size of iteration; default 50, COR's
     * documented maximum. (Whether COR clamps or rejects larger values is UNCONFIRMED.)
     */
    public Builder maxPerPage(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxPerPage < 1: " + max);
      }
      this.maxPerPage = max;
      return this;
    }

    public CorClient build() {
      return new CorClient(this);
    }
  }
}
