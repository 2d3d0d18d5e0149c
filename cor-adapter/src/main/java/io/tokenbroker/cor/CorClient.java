package io.tokenbroker.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.oauth.AuthorizedHttpClient;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.RetryAfter;
import io.tokenbroker.oauth.Sleeper;
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
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A typed client for COR's REST API whose every request goes through a {@link TokenBroker} grant.
 *
 * <pre>{@code
 * CorClient cor = CorClient.create(broker, GrantKey.of("cor/acme"));
 * User me = cor.me();
 * cor.projects(ProjectFilter.builder().clientId(25855).build()).stream().forEach(...);
 * Task task = cor.createTask(TaskInput.builder("Design homepage").projectId(5001).build());
 * Hour entry = cor.logHours(task.id(),
 *     Instant.parse("2024-01-18T09:00:00Z"), Instant.parse("2024-01-18T11:30:00Z"));
 * // Anything not typed yet:
 * JsonNode fees = cor.send("GET", "/clients/2001/fees", Map.of(), null, JsonNode.class);
 * CorList<JsonNode> teams = cor.list("/teams", Map.of(), JsonNode.class);
 * }</pre>
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Each request carries {@code Authorization: Bearer} with the broker's current token and
 *       {@code Accept: application/json}; a 401 makes the broker refresh (only if the rejected
 *       token is still current) and the request is retried once ({@link AuthorizedHttpClient}).
 *   <li>Every request, read or write, is paced and retried after a 429 ({@link
 *       Builder#maxAttempts}, {@link Builder#maxRetryAfter}): COR documents "implement backoff and
 *       retry" for it, and a 429 means COR refused the request without acting on it, so even a
 *       {@code POST} is safe to send again. COR publishes no rate-limit headers; a {@code
 *       Retry-After} is honoured if one comes (and one beyond {@code maxRetryAfter} ends the
 *       retries at once), otherwise the waits are jittered exponential backoff.
 *   <li>Reads ({@code GET}) are also retried after a 5xx. Writes ({@code POST}, {@code PUT}, {@code
 *       PATCH}, {@code DELETE}) are <b>never repeated after a 5xx or a lost answer</b>, since COR
 *       may have acted.
 *   <li>Waits go through the {@link Sleeper} given to {@link Builder#sleeper} (default {@link
 *       Sleeper#system()}).
 *   <li>Lists are {@link CorList}s, read lazily page by page with {@code perPage} capped at 50.
 *   <li>Other hosts that take the same token (COR's resource-allocation and integrations APIs,
 *       {@link Cor#RESOURCE_ALLOCATION_BASE}, {@link Cor#INTEGRATIONS_BASE}): build a second client
 *       with {@link Builder#apiBaseUri} and use {@link #send} and {@link #list}.
 * </ul>
 *
 * <h2>Times</h2>
 *
 * COR reads time entries back as zone-less local times ({@code "2024-01-18 09:00:00"}). {@link
 * #logHours(long, LocalDateTime, LocalDateTime)} sends such local times; {@link #userOffset()}
 * reads the user's UTC offset ({@code gmt} of {@code GET /me}) once, and {@link
 * #toInstant(CorDateTime)} uses it to turn a zone-less value into an instant. Which zone COR stores
 * local times in is UNCONFIRMED; the user's {@code gmt} is this library's assumption.
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
  private static final DateTimeFormatter COR_LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*");

  private final AuthorizedHttpClient reads;
  private final AuthorizedHttpClient writes;
  private final String apiBase;
  private final String basePath;
  private final Duration requestTimeout;
  private final Clock clock;
  private final int maxPerPage;
  private final AtomicReference<@Nullable Optional<ZoneOffset>> userOffset =
      new AtomicReference<>();

  private CorClient(Builder b) {
    HttpClient client = b.httpClient != null ? b.httpClient : defaultHttpClient();
    this.reads = paced(client, b).build();
    this.writes = paced(client, b).retryServerErrors(false).build();
    String base = b.apiBaseUri.toString();
    this.apiBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    String path = b.apiBaseUri.getRawPath() == null ? "" : b.apiBaseUri.getRawPath();
    this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.requestTimeout = b.requestTimeout;
    this.clock = b.clock;
    this.maxPerPage = b.maxPerPage;
  }

  private static AuthorizedHttpClient.Builder paced(HttpClient client, Builder b) {
    return AuthorizedHttpClient.builder(client, b.broker, b.key)
        .maxAttempts(b.maxAttempts)
        .maxRetryAfter(b.maxRetryAfter)
        .clock(b.clock)
        .sleeper(b.sleeper);
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

  // ---------------------------------------------------------------- any call

  /**
   * Any COR call: {@code method} on {@code path} (below the API base, e.g. {@code "/teams"} or
   * {@code "/clients/2001/fees"}), with {@code query} (encoded here) and a JSON {@code body}.
   *
   * <p>{@code body} is {@code null} (none), a {@link String} sent as it is (JSON text), or any
   * object Jackson can write (a map, a record, a {@code JsonNode}). The answer is read as {@code
   * type} (a model of this package, {@code JsonNode}, a map, a record of yours); with {@code
   * Void.class} it is not read and {@code null} is returned (for COR's 204s). Retries follow the
   * method (see the class documentation): any method is paced after a 429, writes are never
   * repeated after a 5xx.
   *
   * @throws IllegalArgumentException for a method other than GET, POST, PUT, PATCH, DELETE, or a
   *     path that does not start with {@code /} or holds a query
   * @throws CorApiException for an error answer, an unreadable one, or no answer
   */
  public <T extends @Nullable Object> T send(
      String method, String path, Map<String, String> query, @Nullable Object body, Class<T> type) {
    requireNonNull(method, "method == null");
    requireNonNull(type, "type == null");
    String m = method.toUpperCase(Locale.ROOT);
    if (!METHODS.contains(m)) {
      throw new IllegalArgumentException("method must be one of " + METHODS + ": " + method);
    }
    HttpRequest.BodyPublisher publisher =
        body == null ? HttpRequest.BodyPublishers.noBody() : json(body);
    HttpResponse<String> response =
        send(request(m, path, query, body == null ? null : "application/json", publisher), m, path);
    return read(response, m, path, type);
  }

  /**
   * Any COR list that answers COR's envelope ({@code {total, perPage, page, lastPage, data}}):
   * {@code path} with {@code query} (e.g. {@code filters} as JSON text), read as {@code type}, page
   * by page like the typed lists.
   *
   * @throws IllegalArgumentException if {@code query} holds {@code page} or {@code perPage} (use
   *     {@link CorList#page} and {@link CorList#perPage}), or the path is not usable
   */
  public <T> CorList<T> list(String path, Map<String, String> query, Class<T> type) {
    requireNonNull(query, "query == null");
    requireNonNull(type, "type == null");
    checkPath(path);
    if (query.containsKey("page") || query.containsKey("perPage")) {
      throw new IllegalArgumentException(
          "page and perPage are set by CorList (page(n), perPage(n), unpaginated())");
    }
    return new CorList<>(this, path, query, type, maxPerPage);
  }

  // ---------------------------------------------------------------- users

  /** {@code GET /me}: the user the token acts as. */
  public User me() {
    return get("/me", User.class);
  }

  /**
   * {@code GET /users/{id}}. COR's OpenAPI documents {@code PUT} and {@code DELETE} on this path
   * but not {@code GET} (UNCONFIRMED).
   *
   * @throws CorApiException of kind {@code NOT_FOUND} if there is no such user
   */
  public User user(long id) {
    return get("/users/" + id, User.class);
  }

  /** {@code GET /users} (hidden users only with {@link UserFilter.Builder#withHiddenUsers}). */
  public CorList<User> users() {
    return users(UserFilter.none());
  }

  /** {@code GET /users} with {@code filters}. */
  public CorList<User> users(UserFilter filter) {
    return filtered("/users", filter, null, null, User.class);
  }

  /**
   * The user's UTC offset, from {@code gmt} of {@code GET /me} (e.g. {@code "-03:00"}), read once
   * and kept; empty if {@code /me} has no readable {@code gmt}. Used by {@link
   * #toInstant(CorDateTime)}.
   */
  public Optional<ZoneOffset> userOffset() {
    Optional<ZoneOffset> known = userOffset.get();
    if (known == null) {
      known = me().utcOffset();
      userOffset.compareAndSet(null, known);
    }
    return known;
  }

  /**
   * The instant of a COR time: with its own offset if it has one, otherwise in the user's offset
   * ({@link #userOffset()}; UNCONFIRMED that COR's zone-less times are in it).
   *
   * @throws IllegalStateException if {@code time} has no offset and {@code /me} gave none
   */
  public Instant toInstant(CorDateTime time) {
    requireNonNull(time, "time == null");
    if (time.offset() != null) {
      return time.toInstant(time.offset());
    }
    ZoneOffset offset =
        userOffset()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "GET /me has no readable gmt offset; use CorDateTime.toInstant(zone)"));
    return time.toInstant(offset);
  }

  // ---------------------------------------------------------------- projects

  /** {@code GET /projects}, all projects. */
  public CorList<Project> projects() {
    return projects(ProjectFilter.none());
  }

  /** {@code GET /projects} with {@code filters}. */
  public CorList<Project> projects(ProjectFilter filter) {
    return filtered("/projects", filter, null, null, Project.class);
  }

  /**
   * {@code GET /projects/{id}}, with {@code usersPositionsProject}, {@code categoriesProject} and
   * {@code ratecard}.
   *
   * @throws CorApiException with status 404 if there is no such project
   */
  public Project project(long id) {
    return get("/projects/" + id, Project.class);
  }

  /**
   * {@code GET /projects/search-by-name/{name}}: the projects COR finds by name (a plain array, not
   * paginated). How COR matches the name (whole, part, case) is UNCONFIRMED.
   */
  public List<Project> searchProjects(String name) {
    return search("/projects/search-by-name/", name, Project.class);
  }

  /**
   * {@code POST /projects} with COR's {@code ProjectInput}.
   *
   * @throws IllegalArgumentException if {@code name} or {@code client_id} is not set
   * @throws CorApiException if COR refuses it (never retried after a 5xx)
   */
  public Project createProject(ProjectInput input) {
    requireNonNull(input, "input == null").require("createProject", "name", "client_id");
    return send("POST", "/projects", Map.of(), input.fields(), Project.class);
  }

  /** {@code PUT /projects/{id}} with the fields to change (never resent after a 5xx). */
  public Project updateProject(long id, ProjectInput input) {
    requireNonNull(input, "input == null");
    if (input.fields().isEmpty()) {
      throw new IllegalArgumentException("updateProject needs at least one field");
    }
    return send("PUT", "/projects/" + id, Map.of(), input.fields(), Project.class);
  }

  /** {@code DELETE /projects/{id}} (never resent after a 5xx). */
  public void deleteProject(long id) {
    send("DELETE", "/projects/" + id, Map.of(), null, Void.class);
  }

  // ---------------------------------------------------------------- tasks

  /** {@code GET /tasks}, all tasks. */
  public CorList<Task> tasks() {
    return tasks(TaskFilter.none());
  }

  /** {@code GET /tasks} with {@code filters}. */
  public CorList<Task> tasks(TaskFilter filter) {
    return filtered("/tasks", filter, null, null, Task.class);
  }

  /** {@code GET /tasks} with {@code filters} and {@code order}. */
  public CorList<Task> tasks(TaskFilter filter, TaskOrder order) {
    requireNonNull(order, "order == null");
    return filtered("/tasks", filter, "order", order.toJson(), Task.class);
  }

  /** {@code GET /tasks/{id}}. */
  public Task task(long id) {
    return get("/tasks/" + id, Task.class);
  }

  /**
   * {@code GET /tasks/search-by-title/{title}}: the tasks COR finds by title (a plain array). How
   * COR matches the title is UNCONFIRMED.
   */
  public List<Task> searchTasks(String title) {
    return search("/tasks/search-by-title/", title, Task.class);
  }

  /**
   * {@code POST /tasks} with COR's {@code TaskInput}.
   *
   * @throws CorApiException if COR refuses it (never retried after a 5xx)
   */
  public Task createTask(TaskInput input) {
    requireNonNull(input, "input == null");
    return send("POST", "/tasks", Map.of(), input.fields(), Task.class);
  }

  /**
   * {@code PUT /tasks/{id}} with COR's {@code TaskUpdateInput} ({@code title} required; never
   * resent after a 5xx).
   */
  public Task updateTask(long id, TaskInput input) {
    requireNonNull(input, "input == null");
    return send("PUT", "/tasks/" + id, Map.of(), input.fields(), Task.class);
  }

  /** {@code DELETE /tasks/{id}} (never resent after a 5xx). */
  public void deleteTask(long id) {
    send("DELETE", "/tasks/" + id, Map.of(), null, Void.class);
  }

  // ---------------------------------------------------------------- clients

  /** {@code GET /clients}. */
  public CorList<Client> clients() {
    return clients(ClientFilter.none());
  }

  /** {@code GET /clients} with {@code filters} (COR documents no keys for them: UNCONFIRMED). */
  public CorList<Client> clients(ClientFilter filter) {
    return filtered("/clients", filter, null, null, Client.class);
  }

  /** {@code GET /clients/{id}}. */
  public Client client(long id) {
    return get("/clients/" + id, Client.class);
  }

  /** {@code GET /clients/search-by-name/{name}} (a plain array; matching UNCONFIRMED). */
  public List<Client> searchClients(String name) {
    return search("/clients/search-by-name/", name, Client.class);
  }

  /**
   * {@code POST /clients}, sent as a form as COR's OpenAPI says.
   *
   * @throws CorApiException if COR refuses it (never retried after a 5xx)
   */
  public Client createClient(ClientInput input) {
    requireNonNull(input, "input == null");
    return sendForm("POST", "/clients", input, Client.class);
  }

  /** {@code PUT /clients/{id}}, sent as a form (never resent after a 5xx). */
  public Client updateClient(long id, ClientInput input) {
    requireNonNull(input, "input == null");
    return sendForm("PUT", "/clients/" + id, input, Client.class);
  }

  // ---------------------------------------------------------------- hours

  /** {@code GET /hours}, all time entries. */
  public CorList<Hour> hours() {
    return hours(HourFilter.none());
  }

  /** {@code GET /hours} with {@code filters}. */
  public CorList<Hour> hours(HourFilter filter) {
    return filtered("/hours", filter, null, null, Hour.class);
  }

  /** {@code GET /hours} with {@code filters} and {@code orderBy}. */
  public CorList<Hour> hours(HourFilter filter, HourOrder orderBy) {
    requireNonNull(orderBy, "orderBy == null");
    return filtered("/hours", filter, "orderBy", orderBy.toJson(), Hour.class);
  }

  /**
   * {@code POST /hours}: logs time worked on task {@code taskLogId} from {@code start} to {@code
   * stop}, sent as ISO-8601 UTC ({@code 2024-01-18T09:00:00Z}, whole seconds) as in COR's example.
   * COR answers with the entry in status {@code pending}. Never retried after a 5xx.
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
    return postHours(taskLogId, utc(start), utc(stop));
  }

  /** {@code POST /hours} without {@code stop}: starts a timer on task {@code taskLogId}. */
  public Hour startTimer(long taskLogId, Instant start) {
    return postHours(taskLogId, utc(requireNonNull(start, "start == null")), null);
  }

  /**
   * {@code POST /hours} with zone-less local times, in COR's own read-back form ({@code "2024-01-18
   * 09:00:00"}): COR then keeps them as given. Whether COR takes this form on input, and in which
   * zone it reads it, is UNCONFIRMED (its example sends UTC; see {@link #logHours(long, Instant,
   * Instant)}).
   *
   * @throws IllegalArgumentException if {@code stop} is before {@code start}
   */
  public Hour logHours(long taskLogId, LocalDateTime start, LocalDateTime stop) {
    requireNonNull(start, "start == null");
    requireNonNull(stop, "stop == null");
    if (stop.isBefore(start)) {
      throw new IllegalArgumentException("stop is before start");
    }
    return postHours(taskLogId, local(start), local(stop));
  }

  /** {@code POST /hours} without {@code stop}, from a zone-less local {@code start}. */
  public Hour startTimer(long taskLogId, LocalDateTime start) {
    return postHours(taskLogId, local(requireNonNull(start, "start == null")), null);
  }

  /**
   * {@code POST /hours/status-change}: sets {@code status} on the time entries {@code hourIds}
   * (COR's {@code counters}). Never retried after a 5xx.
   *
   * @throws IllegalArgumentException for a status the operation does not take ({@link
   *     HourStatus#REJECTED}, {@link HourStatus#UNKNOWN}) or no ids
   */
  public void changeHourStatus(HourStatus status, long... hourIds) {
    requireNonNull(status, "status == null");
    if (!HourStatus.STATUS_CHANGE_VALUES.contains(status)) {
      throw new IllegalArgumentException(
          "POST /hours/status-change takes " + HourStatus.STATUS_CHANGE_VALUES + ", not " + status);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.wireValue());
    body.put("counters", CorFilter.ids(hourIds));
    send("POST", "/hours/status-change", Map.of(), body, Void.class);
  }

  @Override
  public String toString() {
    return "CorClient[" + apiBase + "]";
  }

  // ---------------------------------------------------------------- plumbing

  private <T> CorList<T> filtered(
      String path,
      CorFilter filter,
      @Nullable String orderName,
      @Nullable String order,
      Class<T> type) {
    requireNonNull(filter, "filter == null");
    Map<String, String> query = new LinkedHashMap<>();
    if (!filter.isEmpty()) {
      query.put("filters", filter.toJson());
    }
    if (orderName != null && order != null) {
      query.put(orderName, order);
    }
    return new CorList<>(this, path, query, type, maxPerPage);
  }

  private <T> List<T> search(String prefix, String term, Class<T> type) {
    requireNonNull(term, "term == null");
    if (term.isBlank()) {
      throw new IllegalArgumentException("the search term is blank");
    }
    String path = prefix + URLEncoder.encode(term, UTF_8).replace("+", "%20");
    HttpResponse<String> response = send(request("GET", path, Map.of(), null, null), "GET", path);
    String fullPath = basePath + prefix + "…";
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw failure("GET", fullPath, response);
    }
    try {
      return readList(response.body(), type);
    } catch (IOException | RuntimeException e) {
      throw CorApiException.unreadable("GET", fullPath, status, e);
    }
  }

  /** A plain JSON array of {@code type}; null items are dropped. */
  static <T> List<T> readList(String body, Class<T> type) throws IOException {
    JsonNode root = CorJson.MAPPER.readTree(body);
    if (root == null || !root.isArray()) {
      throw new IOException("not a JSON array");
    }
    List<T> items = new ArrayList<>(root.size());
    for (JsonNode item : root) {
      T value = CorJson.MAPPER.treeToValue(item, type);
      if (value != null) {
        items.add(value);
      }
    }
    return List.copyOf(items);
  }

  private Hour postHours(long taskLogId, String start, @Nullable String stop) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("task_log_id", taskLogId);
    body.put("start", start);
    if (stop != null) {
      body.put("stop", stop);
    }
    return send("POST", "/hours", Map.of(), body, Hour.class);
  }

  private static String utc(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String local(LocalDateTime time) {
    return COR_LOCAL.format(time);
  }

  private <T> T sendForm(String method, String path, CorInput input, Class<T> type) {
    StringBuilder form = new StringBuilder();
    input
        .fields()
        .forEach(
            (name, value) ->
                form.append(form.length() == 0 ? "" : "&")
                    .append(URLEncoder.encode(name, UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(String.valueOf(value), UTF_8)));
    HttpResponse<String> response =
        send(
            request(
                method,
                path,
                Map.of(),
                "application/x-www-form-urlencoded",
                HttpRequest.BodyPublishers.ofString(form.toString(), UTF_8)),
            method,
            path);
    return read(response, method, path, type);
  }

  private <T> T get(String path, Class<T> type) {
    HttpResponse<String> response = send(request("GET", path, Map.of(), null, null), "GET", path);
    return read(response, "GET", path, type);
  }

  <T> CorPage<T> fetchPage(String path, Map<String, String> params, Class<T> type) {
    HttpResponse<String> response = send(request("GET", path, params, null, null), "GET", path);
    String fullPath = basePath + path;
    if (response.statusCode() < 200 || response.statusCode() > 299) {
      throw failure("GET", fullPath, response);
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

  private static void checkPath(String path) {
    requireNonNull(path, "path == null");
    if (!PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "path must be an encoded path starting with '/', without query, fragment or spaces"
              + " (pass the query as a map)");
    }
  }

  private static HttpRequest.BodyPublisher json(Object body) {
    String text;
    if (body instanceof String s) {
      text = s;
    } else {
      try {
        text = CorJson.MAPPER.writeValueAsString(body);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "the body cannot be written as JSON: " + body.getClass().getName(), e);
      }
    }
    return HttpRequest.BodyPublishers.ofString(text, UTF_8);
  }

  private HttpRequest request(
      String method,
      String path,
      Map<String, String> params,
      @Nullable String contentType,
      HttpRequest.@Nullable BodyPublisher body) {
    checkPath(path);
    requireNonNull(params, "query == null");
    StringBuilder uri = new StringBuilder(apiBase).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      uri.append(sep)
          .append(URLEncoder.encode(requireNonNull(e.getKey(), "query name == null"), UTF_8))
          .append('=')
          .append(URLEncoder.encode(requireNonNull(e.getValue(), "query value == null"), UTF_8));
      sep = '&';
    }
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(uri.toString()))
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    return builder.build();
  }

  private HttpResponse<String> send(HttpRequest request, String method, String path) {
    try {
      AuthorizedHttpClient client = method.equals("GET") ? reads : writes;
      return client.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw CorApiException.noResponse(method, basePath + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CorApiException.noResponse(method, basePath + path, e);
    }
  }

  @SuppressWarnings("NullAway") // null only as Void's value; without JSpecify mode T reads non-null
  private <T extends @Nullable Object> T read(
      HttpResponse<String> response, String method, String path, Class<T> type) {
    String fullPath = basePath + path;
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      throw failure(method, fullPath, response);
    }
    if (type == Void.class) {
      return type.cast(null);
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

  private CorApiException failure(String method, String fullPath, HttpResponse<String> response) {
    return CorApiException.fromResponse(
        method,
        fullPath,
        response.statusCode(),
        response.body(),
        RetryAfter.from(response.headers(), clock.instant()).orElse(null));
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
    private Sleeper sleeper = Sleeper.system();
    private int maxPerPage = 50;

    private Builder(TokenBroker broker, GrantKey key) {
      this.broker = requireNonNull(broker, "broker == null");
      this.key = requireNonNull(key, "key == null");
    }

    /**
     * The base every path is relative to; default {@code https://api.projectcor.com/v1} ({@code
     * CorSandbox.apiBaseUri()} in tests). The same token also works on COR's other hosts: {@link
     * Cor#RESOURCE_ALLOCATION_BASE} ({@code /allocation/...}) and {@link Cor#INTEGRATIONS_BASE}
     * ({@code /v2/integrations/...}); a client for one of them is used through {@link
     * CorClient#send} and {@link CorClient#list} (the typed methods are the main API's).
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
     * How the waits between attempts are made; default {@link Sleeper#system()}. Tests pass a
     * recording one (the testkit's {@code RecordingSleeper}) so that nothing waits in real time.
     */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper == null");
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
