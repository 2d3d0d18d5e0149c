package io.tokenbroker.testkit.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.cor.CorSeed.Collection;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * COR's REST resources over the seeded rows: envelopes, {@code filters}/{@code order}/{@code
 * orderBy} JSON parameters, single GETs and {@code POST /hours}. All methods synchronize on this
 * object.
 */
final class CorResources {
  static final int DEFAULT_PER_PAGE = 20;
  static final int MAX_PER_PAGE = 50;

  /** The {@code filters} keys COR documents per list ({@code /clients}: none; its fields here). */
  static final Map<Collection, Set<String>> FILTER_KEYS =
      Map.of(
          Collection.PROJECTS,
          Set.of(
              "dateStart",
              "dateEnd",
              "client_id",
              "team_id",
              "user_id",
              "brand_id",
              "product_id",
              "status",
              "health",
              "archived"),
          Collection.TASKS,
          Set.of(
              "projects",
              "pm",
              "status",
              "labels",
              "categories",
              "clients",
              "collaborator",
              "priority",
              "sprints"),
          Collection.HOURS,
          Set.of("dateStart", "dateDeadline", "clients", "projects", "users", "labels", "teams"),
          Collection.USERS,
          Set.of("withHiddenUsers", "withPosition", "createdAt", "updatedAt"),
          Collection.CLIENTS,
          CorWrites.CLIENT_FIELDS);

  /** A request the resource layer rejects with a ready answer. */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Reply reply;

    Rejected(Reply reply) {
      super(null, null, false, false);
      this.reply = reply;
    }
  }

  private final Clock clock;
  private final Map<Collection, List<ObjectNode>> rows;
  private final CorWrites writes;
  private long nextHourId = 50001;

  CorResources(Clock clock, CorSeed seed) {
    this.clock = clock;
    this.rows = seed.copyRows();
    this.writes = new CorWrites(clock, rows);
  }

  synchronized int count(Collection collection) {
    return CorSeed.rowsOf(rows, collection).size();
  }

  synchronized @Nullable ObjectNode user(long id) {
    return find(Collection.USERS, id);
  }

  synchronized @Nullable ObjectNode userByEmail(String email) {
    for (ObjectNode u : CorSeed.rowsOf(rows, Collection.USERS)) {
      if (u.path("email").asText().equalsIgnoreCase(email)) {
        return u;
      }
    }
    return null;
  }

  /** Routes {@code request} (path below {@code /v1}) for the authenticated {@code userId}. */
  synchronized Reply handle(RecordedRequest request, String path, long userId) {
    try {
      return route(request, path, userId);
    } catch (Rejected e) {
      return e.reply;
    }
  }

  private Reply route(RecordedRequest request, String path, long userId) throws Rejected {
    String method = request.method();
    String[] parts = path.substring(1).split("/", -1);
    if (parts.length == 1 && method.equals("GET")) {
      switch (parts[0]) {
        case "me" -> {
          ObjectNode me = find(Collection.USERS, userId);
          return me == null ? CorErrors.unauthorized() : Reply.json(200, publicView(me));
        }
        case "projects" -> {
          return list(request, Collection.PROJECTS, this::projectFilter, null, false);
        }
        case "tasks" -> {
          return list(request, Collection.TASKS, this::taskFilter, taskOrder(request), false);
        }
        case "clients" -> {
          return list(request, Collection.CLIENTS, this::clientFilter, null, false);
        }
        case "hours" -> {
          return list(request, Collection.HOURS, this::hourFilter, hourOrder(request), true);
        }
        case "users" -> {
          return list(request, Collection.USERS, this::userFilter, null, false);
        }
        default -> {}
      }
    }
    if (parts.length == 1 && parts[0].equals("hours") && method.equals("POST")) {
      return logHours(request, userId);
    }
    if (parts.length == 2 && parts[0].equals("hours") && parts[1].equals("status-change")) {
      return method.equals("POST") ? writes.changeHourStatus(request, userId) : notFound(request);
    }
    Collection collection =
        parts.length < 1
            ? null
            : switch (parts[0]) {
              case "projects" -> Collection.PROJECTS;
              case "tasks" -> Collection.TASKS;
              case "clients" -> Collection.CLIENTS;
              case "users" -> Collection.USERS;
              default -> null;
            };
    if (collection == null) {
      return notFound(request);
    }
    if (parts.length == 1 && method.equals("POST") && collection != Collection.USERS) {
      return writes.create(request, collection);
    }
    if (parts.length == 2 && method.equals("GET")) {
      // GET /users/{id} is not in COR's OpenAPI (PUT and DELETE are): served, UNCONFIRMED.
      return single(collection, parts[1]);
    }
    if (parts.length == 2 && method.equals("PUT") && collection != Collection.USERS) {
      return writes.update(request, collection, parts[1]);
    }
    if (parts.length == 2
        && method.equals("DELETE")
        && (collection == Collection.PROJECTS || collection == Collection.TASKS)) {
      return writes.delete(collection, parts[1]);
    }
    if (parts.length == 3 && method.equals("GET") && parts[1].equals(searchSegment(collection))) {
      return search(collection, parts[2]);
    }
    return notFound(request);
  }

  private static Reply notFound(RecordedRequest request) {
    return CorErrors.errorResponse(
        404, "E_ROUTE_NOT_FOUND", "Cannot " + request.method() + " " + request.path());
  }

  private static @Nullable String searchSegment(Collection collection) {
    return switch (collection) {
      case PROJECTS, CLIENTS, USERS -> "search-by-name";
      case TASKS -> "search-by-title";
      default -> null;
    };
  }

  /**
   * {@code GET /projects/search-by-name/{name}}, {@code /clients/search-by-name/{name}}, {@code
   * /tasks/search-by-title/{title}}: a plain array of the rows whose name or title contains the
   * term, ignoring case (how COR matches is UNCONFIRMED); {@code /users/search-by-name/{name}}
   * answers the paginated envelope, as COR's OpenAPI shows.
   */
  private Reply search(Collection collection, String term) throws Rejected {
    String needle = term.toLowerCase(Locale.ROOT);
    String field = collection == Collection.TASKS ? "title" : "name";
    List<ObjectNode> matching = new ArrayList<>();
    for (ObjectNode row : CorSeed.rowsOf(rows, collection)) {
      String haystack =
          collection == Collection.USERS
              ? row.path("first_name").asText() + " " + row.path("last_name").asText()
              : row.path(field).asText();
      if (haystack.toLowerCase(Locale.ROOT).contains(needle)) {
        matching.add(row);
      }
    }
    ArrayNode array = CorSeed.JSON.createArrayNode();
    matching.forEach(row -> array.add(publicView(row)));
    if (collection == Collection.USERS) {
      ObjectNode envelope = CorSeed.JSON.createObjectNode();
      envelope.put("total", Integer.toString(matching.size()));
      envelope.put("perPage", Math.max(DEFAULT_PER_PAGE, matching.size()));
      envelope.put("page", 1);
      envelope.put("lastPage", 1);
      envelope.set("data", array);
      return Reply.json(200, envelope);
    }
    return Reply.json(200, array);
  }

  // ---------------------------------------------------------------- lists

  private Reply list(
      RecordedRequest request,
      Collection collection,
      FilterFactory filterFactory,
      @Nullable Comparator<ObjectNode> order,
      boolean hours)
      throws Rejected {
    Map<String, String> q = request.queryParameters();
    ObjectNode filters = jsonObjectParameter(q.get("filters"), "filters");
    refuseUnknownKeys(filters, requireNonNull(FILTER_KEYS.get(collection), collection::toString));
    Predicate<ObjectNode> filter = filterFactory.create(filters);
    List<ObjectNode> matching = new ArrayList<>();
    for (ObjectNode row : CorSeed.rowsOf(rows, collection)) {
      if (filter.test(row)) {
        matching.add(row);
      }
    }
    if (order != null) {
      matching.sort(order); // otherwise the seed's order, new entries last
    }

    String pageParam = q.get("page");
    boolean paginate = !"false".equals(pageParam);
    int page = paginate ? positiveInt(pageParam, 1, "page") : 1;
    int perPage =
        paginate
            ? Math.min(positiveInt(q.get("perPage"), DEFAULT_PER_PAGE, "perPage"), MAX_PER_PAGE)
            : matching.size();
    int total = matching.size();
    int lastPage = paginate ? Math.max(1, (total + perPage - 1) / perPage) : 1;
    List<ObjectNode> slice;
    if (!paginate) {
      slice = matching;
    } else {
      long from = (long) (page - 1) * perPage;
      slice =
          from >= total
              ? List.of()
              : matching.subList((int) from, (int) Math.min(total, from + perPage));
    }

    ObjectNode envelope = CorSeed.JSON.createObjectNode();
    envelope.put("total", Integer.toString(total)); // a string, as in every COR example
    envelope.put("perPage", perPage);
    if (hours) {
      envelope.put("page", Integer.toString(page)); // /hours sends page as a string
    } else {
      envelope.put("page", page);
    }
    envelope.put("lastPage", lastPage);
    if (collection == Collection.PROJECTS) {
      envelope.putObject("meta_data").put("profitability_limit", "30.00");
    }
    if (hours) {
      BigDecimal totalHours = BigDecimal.ZERO;
      BigDecimal totalCost = BigDecimal.ZERO;
      for (ObjectNode row : matching) {
        totalHours = totalHours.add(new BigDecimal(row.path("duration").asText("0")));
        totalCost = totalCost.add(row.path("cost").decimalValue());
      }
      envelope.put("total_hours", CorSeed.duration(totalHours.doubleValue()));
      envelope.put("total_cost", totalCost.doubleValue());
    }
    ArrayNode data = envelope.putArray("data");
    slice.forEach(row -> data.add(publicView(row)));
    return Reply.json(200, envelope);
  }

  @FunctionalInterface
  private interface FilterFactory {
    Predicate<ObjectNode> create(ObjectNode filters) throws Rejected;
  }

  private Predicate<ObjectNode> projectFilter(ObjectNode f) throws Rejected {
    List<Predicate<ObjectNode>> all = new ArrayList<>();
    LocalDate dateStart = date(f, "dateStart");
    LocalDate dateEnd = date(f, "dateEnd");
    if (dateStart != null) {
      all.add(p -> !corDate(p, "start").isBefore(dateStart));
    }
    if (dateEnd != null) {
      all.add(p -> !corDate(p, "end").isAfter(dateEnd));
    }
    equalsLong(all, f, "client_id", "client_id");
    equalsLong(all, f, "team_id", "_team_id");
    equalsLong(all, f, "user_id", "pm_id");
    equalsLong(all, f, "brand_id", "brand_id");
    equalsLong(all, f, "product_id", "product_id");
    equalsLong(all, f, "health", "health");
    if (f.hasNonNull("status")) {
      String status = f.get("status").asText();
      // The filter documents in_process, the data says active: accept both for the same rows.
      String wanted = status.equals("in_process") ? "active" : status;
      all.add(p -> p.path("status").asText().equals(wanted));
    }
    if (f.hasNonNull("archived")) {
      int archived = f.get("archived").asInt();
      if (archived == 1) {
        all.add(p -> p.path("archived").asBoolean());
      } else if (archived == 2) {
        all.add(p -> !p.path("archived").asBoolean());
      } else {
        throw new Rejected(CorErrors.customError(400, "F010", "archived must be 1 or 2"));
      }
    }
    return and(all);
  }

  /**
   * An unknown key gets COR's documented validation answer, a 417 array naming the key, rather than
   * every row: the outdated {@code project_id} of tasks included (COR's OpenAPI says not to use
   * it).
   */
  private static void refuseUnknownKeys(ObjectNode filters, Set<String> documented)
      throws Rejected {
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    filters
        .fieldNames()
        .forEachRemaining(
            key -> {
              if (!documented.contains(key)) {
                errors.add(CorErrors.validationItem("filters." + key, "in"));
              }
            });
    if (!errors.isEmpty()) {
      throw new Rejected(CorErrors.validation(errors));
    }
  }

  private Predicate<ObjectNode> clientFilter(ObjectNode f) {
    List<Predicate<ObjectNode>> all = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : f.properties()) {
      String wanted = e.getValue().asText().toLowerCase(Locale.ROOT);
      String field = e.getKey();
      // name: a part of it, ignoring case; the other fields: equal, ignoring case.
      all.add(
          row -> {
            String value = row.path(field).asText("").toLowerCase(Locale.ROOT);
            return field.equals("name") ? value.contains(wanted) : value.equals(wanted);
          });
    }
    return and(all);
  }

  private Predicate<ObjectNode> taskFilter(ObjectNode f) throws Rejected {
    List<Predicate<ObjectNode>> all = new ArrayList<>();
    inSet(all, f, "projects", "project_id");
    inSet(all, f, "pm", "_pm_id");
    inSet(all, f, "clients", "_client_id");
    inSet(all, f, "priority", "priority");
    if (f.hasNonNull("status")) {
      Set<String> statuses = new HashSet<>();
      JsonNode status = f.get("status");
      if (status.isArray()) {
        status.forEach(s -> statuses.add(s.asText()));
      } else {
        statuses.add(status.asText());
      }
      all.add(t -> statuses.contains(t.path("status").asText()));
    }
    return and(all);
  }

  private Predicate<ObjectNode> hourFilter(ObjectNode f) throws Rejected {
    List<Predicate<ObjectNode>> all = new ArrayList<>();
    LocalDate dateStart = date(f, "dateStart");
    LocalDate dateDeadline = date(f, "dateDeadline");
    if (dateStart != null) {
      all.add(h -> !corDate(h, "start").isBefore(dateStart));
    }
    if (dateDeadline != null) {
      all.add(h -> !corDate(h, "start").isAfter(dateDeadline));
    }
    inSet(all, f, "clients", "client_id");
    inSet(all, f, "projects", "project_id");
    inSet(all, f, "users", "user_id");
    inSet(all, f, "teams", "_team_id");
    return and(all);
  }

  private Predicate<ObjectNode> userFilter(ObjectNode f) {
    boolean withHidden = f.path("withHiddenUsers").asBoolean(false);
    return u -> withHidden || !u.path("hidden").asBoolean();
  }

  private @Nullable Comparator<ObjectNode> taskOrder(RecordedRequest request) throws Rejected {
    ObjectNode order = jsonObjectParameter(request.queryParameters().get("order"), "order");
    Comparator<ObjectNode> result = null;
    for (Map.Entry<String, JsonNode> e : order.properties()) {
      String field =
          switch (e.getKey()) {
            case "project" -> "project_id";
            case "task" -> "title";
            case "deadline" -> "deadline";
            case "priority" -> "priority";
            case "client" -> "_client_id";
            case "pm" -> "_pm_id";
            case "datetime" -> "id";
            default -> null; // sprint and unknown fields: accepted, no effect
          };
      Comparator<ObjectNode> c = direction(e.getValue().asText(), field == null ? "id" : field);
      if (field != null) {
        result = result == null ? c : result.thenComparing(c);
      }
    }
    return result == null ? null : result.thenComparingLong(r -> r.get("id").asLong());
  }

  private @Nullable Comparator<ObjectNode> hourOrder(RecordedRequest request) throws Rejected {
    ObjectNode order = jsonObjectParameter(request.queryParameters().get("orderBy"), "orderBy");
    if (order.isEmpty()) {
      return null;
    }
    String by = order.path("by").asText("start");
    if (!Set.of("start", "stop", "created_at", "duration", "cost", "id").contains(by)) {
      throw new Rejected(CorErrors.customError(400, "F010", "orderBy.by is not a sortable field"));
    }
    return direction(order.path("order").asText("ASC"), by)
        .thenComparingLong(r -> r.get("id").asLong());
  }

  private static Comparator<ObjectNode> direction(String direction, String field) throws Rejected {
    Comparator<ObjectNode> ascending = (a, b) -> compareValues(a.get(field), b.get(field));
    return switch (direction.toUpperCase(Locale.ROOT)) {
      case "ASC" -> ascending;
      case "DESC" -> ascending.reversed();
      default ->
          throw new Rejected(CorErrors.customError(400, "F010", "order must be ASC or DESC"));
    };
  }

  private static int compareValues(@Nullable JsonNode a, @Nullable JsonNode b) {
    if (a == null || a.isNull()) {
      return b == null || b.isNull() ? 0 : -1;
    }
    if (b == null || b.isNull()) {
      return 1;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return a.asText().compareTo(b.asText());
  }

  // ---------------------------------------------------------------- single rows and POST /hours

  private Reply single(Collection collection, String idText) {
    if (collection == Collection.USERS) {
      ObjectNode user = find(collection, parseId(idText));
      return user == null
          ? CorErrors.errorResponse(404, "NF404", "Undefined user")
          : Reply.json(200, publicView(user));
    }
    ObjectNode row = find(collection, parseId(idText));
    if (row == null) {
      String what = collection.name().toLowerCase(Locale.ROOT);
      return CorErrors.errorResponse(
          404, "NF404", "Undefined " + what.substring(0, what.length() - 1));
    }
    ObjectNode view = publicView(row);
    if (collection == Collection.PROJECTS) {
      view.putArray("usersPositionsProject");
      view.putArray("categoriesProject");
      view.putObject("ratecard");
    }
    return Reply.json(200, view);
  }

  private Reply logHours(RecordedRequest request, long userId) throws Rejected {
    // COR reads times back zone-less; the sandbox keeps them in the user's gmt offset (COR's
    // zone is UNCONFIRMED), so an instant sent with an offset reads back as the user's local time.
    ZoneOffset zone = userOffset(userId);
    JsonNode body;
    try {
      body = CorSeed.JSON.readTree(request.body());
    } catch (IOException e) {
      throw new Rejected(CorErrors.customError(400, "F010", "Malformed JSON"));
    }
    if (body == null || !body.isObject()) {
      throw new Rejected(CorErrors.customError(400, "F010", "Malformed JSON"));
    }
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    JsonNode taskId = body.get("task_log_id");
    ObjectNode task = null;
    if (taskId == null || taskId.isNull()) {
      errors.add(CorErrors.validationItem("task_log_id", "required"));
    } else if (!taskId.isIntegralNumber()) {
      errors.add(CorErrors.validationItem("task_log_id", "integer"));
    } else {
      task = find(Collection.TASKS, taskId.asLong());
      if (task == null) {
        errors.add(CorErrors.validationItem("task_log_id", "exists"));
      }
    }
    LocalDateTime start = null;
    JsonNode startNode = body.get("start");
    if (startNode == null || startNode.isNull() || startNode.asText().isEmpty()) {
      errors.add(CorErrors.validationItem("start", "required"));
    } else {
      start = dateTime(startNode.asText(), zone);
      if (start == null) {
        errors.add(CorErrors.validationItem("start", "date"));
      }
    }
    LocalDateTime stop = null;
    JsonNode stopNode = body.get("stop");
    if (stopNode != null && !stopNode.isNull()) {
      stop = dateTime(stopNode.asText(), zone);
      if (stop == null) {
        errors.add(CorErrors.validationItem("stop", "date"));
      } else if (start != null && stop.isBefore(start)) {
        errors.add(CorErrors.validationItem("stop", "after"));
      }
    }
    if (!errors.isEmpty()) {
      return CorErrors.validation(errors);
    }
    long id = nextHourId++;
    long projectId = requireNonNull(task, "no errors: the task exists").get("project_id").asLong();
    ObjectNode project = find(Collection.PROJECTS, projectId);
    double hoursWorked = stop == null ? 0 : Duration.between(start, stop).toMinutes() / 60.0;
    ObjectNode row = CorSeed.JSON.createObjectNode();
    row.put("id", id);
    row.put("start", CorSeed.COR_TIME.format(start));
    if (stop == null) {
      row.putNull("stop");
    } else {
      row.put("stop", CorSeed.COR_TIME.format(stop));
    }
    row.put("duration", CorSeed.duration(hoursWorked));
    row.put("cost", 0);
    row.put("user_id", userId);
    row.put("task_log_id", task.get("id").asLong());
    row.put("project_id", projectId);
    if (project == null) {
      row.putNull("client_id");
    } else {
      row.put("client_id", project.get("client_id").asLong());
    }
    row.put(
        "created_at",
        CorSeed.COR_TIME.format(LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC)));
    row.put("status", "pending");
    row.putNull("status_changed_by");
    row.putNull("status_changed_at");
    row.put("type", "TASK");
    row.putNull("task_log_rework_id");
    row.putNull("comments");
    row.put("_team_id", project == null ? 0 : project.path("_team_id").asLong());
    CorSeed.rowsOf(rows, Collection.HOURS).add(row);

    // The documented answer: {id, task_log_id, start, stop, status:"pending"}, times as sent.
    ObjectNode answer = CorSeed.JSON.createObjectNode();
    answer.put("id", id);
    answer.put("task_log_id", task.get("id").asLong());
    answer.set("start", startNode);
    answer.set("stop", stopNode == null ? CorSeed.JSON.nullNode() : stopNode);
    answer.put("status", "pending");
    return Reply.json(200, answer);
  }

  // ---------------------------------------------------------------- helpers

  ZoneOffset userOffset(long userId) {
    ObjectNode user = find(Collection.USERS, userId);
    String gmt = user == null ? "" : user.path("gmt").asText("");
    try {
      return gmt.isEmpty() ? ZoneOffset.UTC : ZoneOffset.of(gmt);
    } catch (java.time.DateTimeException e) {
      return ZoneOffset.UTC;
    }
  }

  static long parseId(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private @Nullable ObjectNode find(Collection collection, long id) {
    for (ObjectNode row : CorSeed.rowsOf(rows, collection)) {
      if (row.get("id").asLong() == id) {
        return row;
      }
    }
    return null;
  }

  /** A copy without the sandbox's own {@code _} fields. */
  static ObjectNode publicView(ObjectNode row) {
    ObjectNode copy = row.deepCopy();
    List<String> internal = new ArrayList<>();
    copy.fieldNames()
        .forEachRemaining(
            name -> {
              if (name.startsWith("_")) {
                internal.add(name);
              }
            });
    copy.remove(internal);
    return copy;
  }

  private static ObjectNode jsonObjectParameter(@Nullable String value, String name)
      throws Rejected {
    if (value == null || value.isEmpty()) {
      return CorSeed.JSON.createObjectNode();
    }
    JsonNode node;
    try {
      node = CorSeed.JSON.readTree(value);
    } catch (JsonProcessingException e) {
      throw new Rejected(CorErrors.customError(400, "F010", "Malformed JSON in " + name));
    }
    if (node == null || !node.isObject()) {
      throw new Rejected(CorErrors.customError(400, "F010", name + " must be a JSON object"));
    }
    return (ObjectNode) node;
  }

  private static int positiveInt(@Nullable String value, int fallback, String name)
      throws Rejected {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new Rejected(CorErrors.customError(400, "F010", name + " must be a positive integer"));
  }

  private static @Nullable LocalDate date(ObjectNode filters, String field) throws Rejected {
    JsonNode node = filters.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      return LocalDate.parse(node.asText());
    } catch (DateTimeParseException e) {
      throw new Rejected(CorErrors.customError(400, "F010", field + " must be YYYY-MM-DD"));
    }
  }

  private static LocalDate corDate(ObjectNode row, String field) {
    String text = row.path(field).asText("");
    return text.length() >= 10 ? LocalDate.parse(text.substring(0, 10)) : LocalDate.MIN;
  }

  /**
   * Accepts ISO with an offset or {@code Z} (converted to the local time at {@code zone}), ISO
   * local, and COR's own format (kept as given).
   */
  static @Nullable LocalDateTime dateTime(String text, ZoneOffset zone) {
    try {
      return OffsetDateTime.parse(text).withOffsetSameInstant(zone).toLocalDateTime();
    } catch (DateTimeParseException e) {
      // next format
    }
    try {
      return LocalDateTime.parse(text.replace(' ', 'T'));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static void equalsLong(
      List<Predicate<ObjectNode>> all, ObjectNode filters, String key, String field)
      throws Rejected {
    if (filters.hasNonNull(key)) {
      JsonNode value = filters.get(key);
      if (!value.canConvertToLong() && !(value.isTextual() && value.asText().matches("-?\\d+"))) {
        throw new Rejected(CorErrors.customError(400, "F010", key + " must be a number"));
      }
      long wanted = value.asLong();
      all.add(row -> row.path(field).asLong(Long.MIN_VALUE) == wanted);
    }
  }

  private static void inSet(
      List<Predicate<ObjectNode>> all, ObjectNode filters, String key, String field)
      throws Rejected {
    if (!filters.hasNonNull(key)) {
      return;
    }
    JsonNode value = filters.get(key);
    Set<Long> wanted = new HashSet<>();
    for (JsonNode item : value.isArray() ? value : List.of(value)) {
      if (!item.canConvertToLong() && !(item.isTextual() && item.asText().matches("-?\\d+"))) {
        throw new Rejected(CorErrors.customError(400, "F010", key + " must hold numbers"));
      }
      wanted.add(item.asLong());
    }
    all.add(row -> wanted.contains(row.path(field).asLong(Long.MIN_VALUE)));
  }

  private static Predicate<ObjectNode> and(List<Predicate<ObjectNode>> all) {
    return row -> {
      for (Predicate<ObjectNode> p : all) {
        if (!p.test(row)) {
          return false;
        }
      }
      return true;
    };
  }
}
