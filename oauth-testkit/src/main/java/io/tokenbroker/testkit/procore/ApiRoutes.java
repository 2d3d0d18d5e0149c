package io.tokenbroker.testkit.procore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The API host: {@code /rest/vX.Y/...} with bearer, company-header and rate-limit rules. */
final class ApiRoutes {
  static final String MISSING_COMPANY_HEADER =
      "Missing Procore-Company-Id header! Requests must include the Procore-Company-Id header with"
          + " the ID of the company the request is for.";
  static final String APP_NOT_CONNECTED = "App is not connected to this company";
  static final String RATE_LIMITED =
      "You have surpassed the max number of requests for an hour. Please wait until your limit"
          + " resets.";

  private static final Pattern REST = Pattern.compile("^/rest/v(\\d+\\.\\d+)(/.*)$");
  private static final Pattern PROJECT = Pattern.compile("^/projects/(\\d+)$");
  private static final Pattern V2_PROJECT_DATES =
      Pattern.compile("^/companies/(\\d+)/projects/(\\d+)/project_dates$");
  private static final Pattern COUNTRY_CODE = Pattern.compile("[A-Z]{2}");
  private static final Set<String> SORTABLE = Set.of("id", "name", "created_at", "updated_at");
  private static final Set<String> WRITABLE =
      Set.of(
          "name",
          "active",
          "address",
          "city",
          "state_code",
          "country_code",
          "zip",
          "phone",
          "project_number",
          "description",
          "start_date",
          "completion_date",
          "total_value",
          "origin_id",
          "origin_data",
          "origin_code",
          "time_zone");
  private static final String ANONYMOUS = "";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings the routes need, fixed at start. */
  record Settings(
      int defaultPerPage,
      int maxPerPage,
      int missingCompanyHeaderStatus,
      boolean requireCompanyHeader,
      boolean prevOnSecondPage,
      boolean retryAfterOn429) {}

  private final Clock clock;
  private final OAuthState oauth;
  private final RateLimiter limiter;
  private final ProcoreSeed data;
  private final Settings settings;
  private final Clock wallClock;
  private final Set<Long> uninstalled = ConcurrentHashMap.newKeySet();
  private final Map<Long, ProjectRow> projects = new LinkedHashMap<>();
  private final WebhookState webhooks;
  private volatile String apiBase = "";

  /** A project as the sandbox holds it: the seed's, then what writes changed. */
  private static final class ProjectRow {
    final long id;
    final long companyId;
    final boolean readable;
    final Instant createdAt;
    String name;
    boolean active;
    Instant updatedAt;
    final ObjectNode written = JSON.createObjectNode();

    ProjectRow(ProcoreSeed.Project p) {
      this(
          p.id(),
          p.companyId(),
          p.name(),
          p.active(),
          p.readable(),
          p.createdAt(),
          p.createdAt().plusSeconds(3600));
    }

    ProjectRow(
        long id,
        long companyId,
        String name,
        boolean active,
        boolean readable,
        Instant createdAt,
        Instant updatedAt) {
      this.id = id;
      this.companyId = companyId;
      this.name = name;
      this.active = active;
      this.readable = readable;
      this.createdAt = createdAt;
      this.updatedAt = updatedAt;
    }
  }

  ApiRoutes(
      Clock clock,
      Clock wallClock,
      OAuthState oauth,
      RateLimiter limiter,
      ProcoreSeed data,
      Settings settings,
      WebhookState webhooks) {
    this.clock = clock;
    this.wallClock = wallClock;
    this.oauth = oauth;
    this.limiter = limiter;
    this.data = data;
    this.settings = settings;
    this.webhooks = webhooks;
    for (ProcoreSeed.Company c : data.companies()) {
      if (!c.appInstalled()) {
        uninstalled.add(c.id());
      }
    }
    for (ProcoreSeed.Project p : data.projects()) {
      projects.put(p.id(), new ProjectRow(p));
    }
  }

  /** A REST error body: Procore's bodies often carry an {@code errors} field. */
  static Reply apiError(int status, String message) {
    return Reply.json(status, JSON.createObjectNode().put("errors", message));
  }

  void apiBase(String base) {
    this.apiBase = base;
  }

  void setAppInstalled(long companyId, boolean installed) {
    if (installed) {
      uninstalled.remove(companyId);
    } else {
      uninstalled.add(companyId);
    }
  }

  /** The rate-limit headers for a request answered without being counted (faults, 401s). */
  Map<String, String> peekHeaders(RecordedRequest request) {
    OAuthState.Principal principal = oauth.principal(OAuthState.bearer(request));
    String bucket = principal == null ? ANONYMOUS : bucket(principal, request);
    return headers(limiter.peek(bucket, clock.instant()));
  }

  /**
   * The {@code X-Rate-Limit-*} headers of a decision. The JDK server stamps every answer's {@code
   * Date} with the system clock, so {@code X-Rate-Limit-Reset} is given on that clock too (as
   * Procore's reset and Date share one): the system time plus what is left of the window on the
   * injected clock, rounded up to the second. A client that times the reset from {@code Date} thus
   * waits as long as the window has left, to within the headers' one-second resolution.
   */
  private Map<String, String> headers(RateLimiter.Decision decision) {
    Instant logicalNow = clock.instant();
    Duration left = Duration.between(logicalNow, decision.resetAt());
    Instant wallReset = wallClock.instant().plus(left.isNegative() ? Duration.ZERO : left);
    long reset =
        wallReset.getNano() == 0 ? wallReset.getEpochSecond() : wallReset.getEpochSecond() + 1;
    return Map.of(
        "X-Rate-Limit-Limit", Long.toString(decision.limit()),
        "X-Rate-Limit-Remaining", Long.toString(decision.remaining()),
        "X-Rate-Limit-Reset", Long.toString(reset));
  }

  Reply handle(RecordedRequest request) {
    OAuthState.Principal principal = oauth.principal(OAuthState.bearer(request));
    if (principal == null) {
      return OAuthState.invalidToken().withHeaders(peekHeaders(request));
    }
    RateLimiter.Decision decision = limiter.acquire(bucket(principal, request), clock.instant());
    if (!decision.allowed()) {
      Reply reply = Reply.text(429, RATE_LIMITED).withHeaders(headers(decision));
      if (settings.retryAfterOn429()) {
        Duration left = Duration.between(clock.instant(), decision.resetAt());
        long wait = Math.max(0, left.getSeconds() + (left.getNano() > 0 ? 1 : 0));
        reply = reply.withHeader("Retry-After", Long.toString(wait));
      }
      return reply;
    }
    synchronized (this) {
      return route(request, principal).withHeaders(headers(decision));
    }
  }

  /** Service-account requests with a company get their own bucket per company, as documented. */
  private static String bucket(OAuthState.Principal principal, RecordedRequest request) {
    String company = request.header("Procore-Company-Id");
    return principal.serviceAccount() && company != null
        ? principal.accessToken() + "|" + company.trim()
        : principal.accessToken();
  }

  private Reply route(RecordedRequest request, OAuthState.Principal principal) {
    Matcher m = REST.matcher(request.path());
    if (!m.matches()) {
      return apiError(404, "Not Found");
    }
    String version = m.group(1);
    String resource = m.group(2);
    if (resource.length() > 1 && resource.endsWith("/")) {
      resource = resource.substring(0, resource.length() - 1);
    }
    String method = request.method();
    boolean v10 = version.equals("1.0");
    boolean projectsVersion = v10 || version.equals("1.1");
    Map<String, String> params = request.parameters();

    boolean headerOptional =
        !principal.serviceAccount()
            && ((resource.equals("/me")
                    && !params.containsKey("company_id")
                    && !params.containsKey("project_id"))
                || resource.equals("/companies"));
    String rawCompany = request.header("Procore-Company-Id");
    Long company = null;
    if (rawCompany == null || rawCompany.isBlank()) {
      if (!headerOptional && settings.requireCompanyHeader()) {
        return apiError(settings.missingCompanyHeaderStatus(), MISSING_COMPANY_HEADER);
      }
    } else {
      company = parseId(rawCompany.trim());
      if (company == null || !connected(company, principal)) {
        return apiError(403, APP_NOT_CONNECTED);
      }
    }

    if (!method.equals("GET")) {
      return write(request, principal, method, version, resource, company);
    }
    if (resource.equals("/me") && v10) {
      ProcoreSeed.User user = user(principal);
      ObjectNode body =
          JSON.createObjectNode()
              .put("id", user.id())
              .put("login", user.login())
              .put("name", user.name());
      return Reply.json(200, body);
    }
    if (resource.equals("/companies") && v10) {
      boolean includeFree = "true".equalsIgnoreCase(params.get("include_free_companies"));
      List<ProcoreSeed.Company> visible = new ArrayList<>();
      for (ProcoreSeed.Company c : data.companies()) {
        boolean listed =
            principal.serviceAccount() ? connected(c.id(), principal) : includeFree || !c.free();
        if (listed) {
          visible.add(c);
        }
      }
      return paginate(request, visible, this::company);
    }
    if (resource.equals("/projects") && projectsVersion) {
      Reply problem = checkCompanyParameter(params, company, principal);
      if (problem != null) {
        return problem;
      }
      long companyId = checkedCompanyId(params);
      String status = params.getOrDefault("filters[by_status]", "Active");
      String nameFilter = params.get("filters[name]");
      boolean compact = "compact".equals(params.get("serializer_view"));
      List<String> idFilter = request.queryParameterValues("filters[id][]");
      Instant[] updated = range(params.get("filters[updated_at]"));
      Instant[] created = range(params.get("filters[created_at]"));
      if (updated == BAD_RANGE || created == BAD_RANGE) {
        return apiError(
            400, "filters[created_at] and filters[updated_at] take an ISO 8601 range FROM...TO");
      }
      String sort = params.get("sort");
      if (sort != null && !SORTABLE.contains(sort.startsWith("-") ? sort.substring(1) : sort)) {
        return apiError(400, "sort must be one of " + SORTABLE + ", '-' first for descending");
      }
      List<ProjectRow> matching = new ArrayList<>();
      for (ProjectRow p : projects.values()) {
        if (p.companyId != companyId || !p.readable) {
          continue;
        }
        boolean statusMatches =
            switch (status.toLowerCase(Locale.ROOT)) {
              case "all" -> true;
              case "inactive" -> !p.active;
              default -> p.active;
            };
        boolean nameMatches =
            nameFilter == null
                || p.name.toLowerCase(Locale.ROOT).contains(nameFilter.toLowerCase(Locale.ROOT));
        boolean idMatches = idFilter.isEmpty() || idFilter.contains(Long.toString(p.id));
        if (statusMatches
            && nameMatches
            && idMatches
            && within(p.updatedAt, updated)
            && within(p.createdAt, created)) {
          matching.add(p);
        }
      }
      if (sort != null) {
        matching.sort(order(sort));
      }
      return paginate(request, matching, p -> project(p, compact));
    }
    Matcher pm = PROJECT.matcher(resource);
    if (pm.matches() && projectsVersion) {
      Reply problem = checkCompanyParameter(params, company, principal);
      if (problem != null) {
        return problem;
      }
      long companyId = checkedCompanyId(params);
      ProjectRow p = readableProject(parseId(pm.group(1)), companyId);
      if (p == null) {
        return apiError(404, "Not Found");
      }
      return Reply.json(200, project(p, false));
    }
    if (resource.equals("/project_dates") && v10) {
      // v1.0: the project is the project_id query parameter.
      ProjectRow p = scopedProject(params.get("project_id"), company);
      if (p == null) {
        return apiError(404, "Not Found");
      }
      List<ObjectNode> dates = projectDates(p, false);
      Reply page = paginate(request, dates, d -> d);
      ObjectNode body = JSON.createObjectNode();
      body.putObject("schedule_dates");
      try {
        body.set("project_dates", JSON.readTree(page.body()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return Reply.json(200, body).withHeaders(page.headers());
    }
    Matcher v2Dates = V2_PROJECT_DATES.matcher(resource);
    if (v2Dates.matches() && version.equals("2.0")) {
      // v2.0: company and project in the path; {"data": [...]}, string ids, 10 a page, at most 100.
      Long pathCompany = parseId(v2Dates.group(1));
      if (pathCompany == null || company == null || !pathCompany.equals(company)) {
        return apiError(400, "Procore-Company-Id header does not match the company in the path");
      }
      ProjectRow p = readableProject(parseId(v2Dates.group(2)), pathCompany);
      if (p == null) {
        return apiError(404, "Not Found");
      }
      Reply page = paginate(request, projectDates(p, true), d -> d, 10, 100);
      ObjectNode body = JSON.createObjectNode();
      try {
        body.set("data", JSON.readTree(page.body()));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return Reply.json(200, body).withHeaders(page.headers());
    }
    if (resource.startsWith("/webhooks/") && v10) {
      return webhooks.handle(request, principal, resource, company, this::scopeOf);
    }
    return apiError(404, "Not Found");
  }

  // ---------------------------------------------------------------- writes

  private Reply write(
      RecordedRequest request,
      OAuthState.Principal principal,
      String method,
      String version,
      String resource,
      @Nullable Long company) {
    if (resource.startsWith("/webhooks/") && version.equals("1.0")) {
      return webhooks.handle(request, principal, resource, company, this::scopeOf);
    }
    if (!version.equals("1.0")) {
      return apiError(404, "Not Found");
    }
    Matcher pm = PROJECT.matcher(resource);
    boolean create = resource.equals("/projects") && method.equals("POST");
    boolean update = pm.matches() && method.equals("PATCH");
    if (!create && !update) {
      return apiError(method.equals("GET") ? 404 : 405, "Not Found");
    }
    ObjectNode body = jsonBody(request);
    if (body == null) {
      return apiError(400, "the body must be a JSON object (Content-Type: application/json)");
    }
    Long companyId =
        body.hasNonNull("company_id") ? parseId(body.get("company_id").asText()) : company;
    if (companyId == null || company == null || !companyId.equals(company)) {
      return apiError(400, "company_id must be the company of the Procore-Company-Id header");
    }
    if (!connected(companyId, principal)) {
      return apiError(403, APP_NOT_CONNECTED);
    }
    JsonNode attributes = body.get("project");
    if (attributes == null || !attributes.isObject()) {
      return apiError(400, "param is missing or the value is empty: project");
    }
    ObjectNode errors = JSON.createObjectNode();
    String name = attributes.hasNonNull("name") ? attributes.get("name").asText().trim() : null;
    if ((create || attributes.has("name")) && (name == null || name.isEmpty())) {
      errors.putArray("name").add("can't be blank");
    }
    JsonNode country = attributes.get("country_code");
    if (country != null && !country.isNull() && !COUNTRY_CODE.matcher(country.asText()).matches()) {
      errors.putArray("country_code").add("is not a valid ISO-3166 Alpha-2 code");
    }
    JsonNode active = attributes.get("active");
    if (active != null && !active.isNull() && !active.isBoolean()) {
      errors.putArray("active").add("must be true or false");
    }
    if (!errors.isEmpty()) {
      return Reply.json(422, JSON.createObjectNode().set("errors", errors));
    }
    Instant now = clock.instant();
    ProjectRow row;
    if (create) {
      long id =
          projects.keySet().stream().mapToLong(Long::longValue).max().orElse(6_000_000_000L) + 1;
      row = new ProjectRow(id, companyId, requireNonNull(name), true, true, now, now);
      projects.put(id, row);
    } else {
      row = readableProject(parseId(pm.group(1)), companyId);
      if (row == null) {
        return apiError(404, "Not Found");
      }
      row.updatedAt = now;
    }
    if (name != null) {
      row.name = name;
    }
    if (active != null && active.isBoolean()) {
      row.active = active.asBoolean();
    }
    attributes
        .properties()
        .forEach(
            e -> {
              if (WRITABLE.contains(e.getKey())
                  && !e.getKey().equals("name")
                  && !e.getKey().equals("active")) {
                row.written.set(e.getKey(), e.getValue());
              }
            });
    webhooks.emit(
        companyId, null, "Projects", create ? "create" : "update", row.id, principal, now);
    return Reply.json(create ? 201 : 200, project(row, false));
  }

  private static @Nullable ObjectNode jsonBody(RecordedRequest request) {
    if (request.bodyEncoding() != RecordedRequest.BodyEncoding.JSON) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(request.body());
      return node instanceof ObjectNode object ? object : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------- helpers for projects

  /** The company and project a webhooks request names, for {@link WebhookState}. */
  private WebhookState.@Nullable Scope scopeOf(
      @Nullable String companyParam, @Nullable String projectParam, long headerCompany) {
    if ((companyParam == null) == (projectParam == null)) {
      return null;
    }
    if (companyParam != null) {
      Long id = parseId(companyParam);
      return id != null && id == headerCompany ? new WebhookState.Scope(id, null) : null;
    }
    ProjectRow p = readableProject(parseId(projectParam), headerCompany);
    return p == null ? null : new WebhookState.Scope(headerCompany, p.id);
  }

  private @Nullable ProjectRow scopedProject(
      @Nullable String projectParam, @Nullable Long company) {
    return company == null ? null : readableProject(parseId(projectParam), company);
  }

  private @Nullable ProjectRow readableProject(@Nullable Long id, long companyId) {
    ProjectRow p = id == null ? null : projects.get(id);
    return p == null || p.companyId != companyId || !p.readable ? null : p;
  }

  /** Three dates of every project: its start, its completion, and a milestone between. */
  private static List<ObjectNode> projectDates(ProjectRow p, boolean stringIds) {
    LocalDate start = p.createdAt.atZone(ZoneOffset.UTC).toLocalDate();
    List<ObjectNode> out = new ArrayList<>();
    String[] names = {"Start", "Topping Out", "Substantial Completion"};
    for (int i = 0; i < names.length; i++) {
      long id = p.id * 10 + i;
      long membership = p.id * 100;
      ObjectNode d = JSON.createObjectNode();
      if (stringIds) {
        d.put("id", Long.toString(id)).put("project_membership_id", Long.toString(membership));
      } else {
        d.put("id", id).put("project_membership_id", membership);
      }
      d.put("name", names[i]).put("date", start.plusMonths(6L * i).toString());
      out.add(d);
    }
    return out;
  }

  private static final Instant[] BAD_RANGE = new Instant[0];

  /** {@code FROM...TO} (ISO dates or date-times with an offset), or null; {@link #BAD_RANGE}. */
  private static Instant @Nullable [] range(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String v =
        value.startsWith("\"") && value.endsWith("\"") && value.length() > 1
            ? value.substring(1, value.length() - 1)
            : value;
    int dots = v.indexOf("...");
    if (dots < 0) {
      return BAD_RANGE;
    }
    Instant from = instant(v.substring(0, dots), false);
    Instant to = instant(v.substring(dots + 3), true);
    return from == null || to == null ? BAD_RANGE : new Instant[] {from, to};
  }

  private static @Nullable Instant instant(String text, boolean endOfDay) {
    try {
      return OffsetDateTime.parse(text.trim()).toInstant();
    } catch (DateTimeParseException e) {
      try {
        LocalDate date = LocalDate.parse(text.trim());
        return endOfDay
            ? date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusNanos(1)
            : date.atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  private static boolean within(Instant t, Instant @Nullable [] range) {
    return range == null || (!t.isBefore(range[0]) && !t.isAfter(range[1]));
  }

  private static Comparator<ProjectRow> order(String sort) {
    boolean descending = sort.startsWith("-");
    Comparator<ProjectRow> c =
        switch (descending ? sort.substring(1) : sort) {
          case "name" -> Comparator.comparing(p -> p.name);
          case "created_at" -> Comparator.comparing(p -> p.createdAt);
          case "updated_at" -> Comparator.comparing(p -> p.updatedAt);
          default -> Comparator.comparingLong(p -> p.id);
        };
    c = c.thenComparingLong(p -> p.id);
    return descending ? c.reversed() : c;
  }

  /** The {@code company_id} parameter that {@link #checkCompanyParameter} accepted. */
  private static long checkedCompanyId(Map<String, String> params) {
    return requireNonNull(parseId(requireNonNull(params.get("company_id")).trim()));
  }

  private @Nullable Reply checkCompanyParameter(
      Map<String, String> params, @Nullable Long headerCompany, OAuthState.Principal principal) {
    String raw = params.get("company_id");
    if (raw == null || raw.isBlank()) {
      return apiError(400, "company_id is missing");
    }
    Long companyId = parseId(raw.trim());
    if (companyId == null) {
      return apiError(400, "company_id is invalid");
    }
    if (headerCompany != null && !headerCompany.equals(companyId)) {
      return apiError(400, "Procore-Company-Id header does not match company_id");
    }
    if (!connected(companyId, principal)) {
      return apiError(403, APP_NOT_CONNECTED);
    }
    return null;
  }

  private boolean connected(long companyId, OAuthState.Principal principal) {
    if (data.company(companyId).isEmpty() || uninstalled.contains(companyId)) {
      return false;
    }
    return !principal.serviceAccount()
        || principal.serviceAccountCompanies().isEmpty()
        || principal.serviceAccountCompanies().contains(companyId);
  }

  private ProcoreSeed.User user(OAuthState.Principal principal) {
    if (principal.serviceAccount()) {
      return new ProcoreSeed.User(
          principal.userId(),
          principal.clientId() + "@service-account.invalid",
          "Service Account " + principal.clientId());
    }
    return data.user();
  }

  private <T> Reply paginate(
      RecordedRequest request, List<T> items, Function<T, ObjectNode> render) {
    return paginate(request, items, render, settings.defaultPerPage(), settings.maxPerPage());
  }

  private <T> Reply paginate(
      RecordedRequest request,
      List<T> items,
      Function<T, ObjectNode> render,
      int defaultPerPage,
      int maxPerPage) {
    Map<String, String> params = request.parameters();
    int perPage = clamp(parseInt(params.get("per_page"), defaultPerPage), 1, maxPerPage);
    int page = Math.max(1, parseInt(params.get("page"), 1));
    int total = items.size();
    int lastPage = Math.max(1, (total + perPage - 1) / perPage);
    ArrayNode body = JSON.createArrayNode();
    long from = (long) (page - 1) * perPage;
    for (long i = from; i < Math.min(total, from + perPage); i++) {
      body.add(render.apply(items.get((int) i)));
    }
    List<String> links = new ArrayList<>();
    if (lastPage > 1) {
      if (page >= 2) {
        links.add(link(request, 1, perPage, "first"));
      }
      if (page >= 3 || (page == 2 && settings.prevOnSecondPage())) {
        links.add(link(request, Math.min(page - 1, lastPage), perPage, "prev"));
      }
      links.add(link(request, lastPage, perPage, "last"));
      if (page < lastPage) {
        links.add(link(request, page + 1, perPage, "next"));
      }
    }
    return Reply.json(200, body)
        .withHeader("Total", Integer.toString(total))
        .withHeader("Per-Page", Integer.toString(perPage))
        .withHeader("Link", String.join(", ", links));
  }

  /** An absolute URL to another page: the request's path and query with page and per_page set. */
  private String link(RecordedRequest request, int page, int perPage, String rel) {
    StringBuilder url = new StringBuilder(apiBase).append(request.path()).append('?');
    String query = request.query();
    if (query != null) {
      for (String pair : query.split("&")) {
        String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
        if (pair.isEmpty() || name.equals("page") || name.equals("per_page")) {
          continue;
        }
        url.append(pair).append('&');
      }
    }
    url.append("page=").append(page).append("&per_page=").append(perPage);
    return "<" + url + ">; rel=\"" + rel + "\"";
  }

  private ObjectNode company(ProcoreSeed.Company c) {
    return JSON.createObjectNode()
        .put("id", c.id())
        .put("name", c.name())
        .put("is_active", c.active())
        .put("logo_url", (String) null)
        .put("pcn_business_experience", false)
        .put("my_company", c.id() == firstCompanyId());
  }

  private long firstCompanyId() {
    List<ProcoreSeed.Company> all = data.companies();
    return all.isEmpty() ? -1 : all.get(0).id();
  }

  /**
   * A project with the fields Procore documents for v1.0 ({@code compact}: id, name, display_name).
   */
  private ObjectNode project(ProjectRow p, boolean compact) {
    ObjectNode node = JSON.createObjectNode().put("id", p.id).put("name", p.name);
    if (compact) {
      return node.put("display_name", p.name);
    }
    long n = p.id % 1000;
    ProcoreSeed.Company company = data.company(p.companyId).orElseThrow();
    LocalDate start = p.createdAt.atZone(ZoneOffset.UTC).toLocalDate();
    node.put("is_demo", false)
        .putNull("parent_job_id")
        .put("display_name", p.name)
        .put("project_number", "P-" + n)
        .put("address", n + " First Street")
        .put("city", "Anytown")
        .put("state_code", "CA")
        .put("country_code", "US")
        .put("zip", "93013")
        .putNull("county")
        .put("time_zone", "US/Pacific")
        .put("latitude", 34.385045633646)
        .put("longitude", -119.490841957738)
        .put("stage", p.active ? "Course of Construction" : "Closeout");
    node.putObject("project_stage")
        .put("id", 4_000_000_001L)
        .put("name", p.active ? "Course of Construction" : "Closeout");
    node.putNull("project_template");
    node.put("phone", "")
        .put("created_at", p.createdAt.toString())
        .put("updated_at", p.updatedAt.toString())
        .put("active", p.active)
        .putNull("origin_id")
        .putNull("origin_data")
        .putNull("origin_code")
        .putNull("owners_project_id")
        .put("total_value", "1250000.0")
        .putNull("store_number")
        .putNull("accounting_project_number")
        .putNull("designated_market_area")
        .putNull("project_region_id")
        .putNull("project_bid_type_id")
        .putNull("project_owner_type_id")
        .putNull("photo_id")
        .put("start_date", start.toString())
        .put("completion_date", start.plusYears(1).toString())
        .putNull("estimated_value")
        .putNull("fax");
    node.putObject("company").put("id", company.id()).put("name", company.name());
    node.putObject("custom_fields");
    node.setAll(p.written.deepCopy());
    return node;
  }

  private static @Nullable Long parseId(@Nullable String s) {
    if (s == null) {
      return null;
    }
    try {
      long v = Long.parseLong(s);
      return v > 0 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int parseInt(@Nullable String s, int fallback) {
    if (s == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static int clamp(int v, int min, int max) {
    return Math.max(min, Math.min(max, v));
  }
}
