package io.tokenbroker.testkit.procore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
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
  private final Set<Long> uninstalled = ConcurrentHashMap.newKeySet();
  private volatile String apiBase = "";

  ApiRoutes(
      Clock clock, OAuthState oauth, RateLimiter limiter, ProcoreSeed data, Settings settings) {
    this.clock = clock;
    this.oauth = oauth;
    this.limiter = limiter;
    this.data = data;
    this.settings = settings;
    for (ProcoreSeed.Company c : data.companies()) {
      if (!c.appInstalled()) {
        uninstalled.add(c.id());
      }
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
    return limiter.peek(bucket, clock.instant()).headers();
  }

  Reply handle(RecordedRequest request) {
    OAuthState.Principal principal = oauth.principal(OAuthState.bearer(request));
    if (principal == null) {
      return OAuthState.invalidToken().withHeaders(peekHeaders(request));
    }
    RateLimiter.Decision decision = limiter.acquire(bucket(principal, request), clock.instant());
    if (!decision.allowed()) {
      Reply reply = Reply.text(429, RATE_LIMITED).withHeaders(decision.headers());
      if (settings.retryAfterOn429()) {
        long wait = Math.max(0, decision.resetEpochSecond() - clock.instant().getEpochSecond());
        reply = reply.withHeader("Retry-After", Long.toString(wait));
      }
      return reply;
    }
    return route(request, principal).withHeaders(decision.headers());
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
    if (!request.method().equals("GET")) {
      return apiError(404, "Not Found");
    }
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
      long companyId = parseId(params.get("company_id"));
      String status = params.getOrDefault("filters[by_status]", "Active");
      String nameFilter = params.get("filters[name]");
      boolean compact = "compact".equals(params.get("serializer_view"));
      List<String> idFilter = request.queryParameterValues("filters[id][]");
      List<ProcoreSeed.Project> matching = new ArrayList<>();
      for (ProcoreSeed.Project p : data.projects(companyId)) {
        if (!p.readable()) {
          continue;
        }
        boolean statusMatches =
            switch (status.toLowerCase(Locale.ROOT)) {
              case "all" -> true;
              case "inactive" -> !p.active();
              default -> p.active();
            };
        boolean nameMatches =
            nameFilter == null
                || p.name().toLowerCase(Locale.ROOT).contains(nameFilter.toLowerCase(Locale.ROOT));
        boolean idMatches = idFilter.isEmpty() || idFilter.contains(Long.toString(p.id()));
        if (statusMatches && nameMatches && idMatches) {
          matching.add(p);
        }
      }
      return paginate(request, matching, p -> project(p, compact));
    }
    Matcher pm = PROJECT.matcher(resource);
    if (pm.matches() && projectsVersion) {
      Reply problem = checkCompanyParameter(params, company, principal);
      if (problem != null) {
        return problem;
      }
      long companyId = parseId(params.get("company_id"));
      Long id = parseId(pm.group(1));
      ProcoreSeed.Project p = id == null ? null : data.project(id).orElse(null);
      if (p == null || p.companyId() != companyId || !p.readable()) {
        return apiError(404, "Not Found");
      }
      return Reply.json(200, project(p, false));
    }
    return apiError(404, "Not Found");
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
    Map<String, String> params = request.parameters();
    int perPage =
        clamp(
            parseInt(params.get("per_page"), settings.defaultPerPage()), 1, settings.maxPerPage());
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
  private ObjectNode project(ProcoreSeed.Project p, boolean compact) {
    ObjectNode node = JSON.createObjectNode().put("id", p.id()).put("name", p.name());
    if (compact) {
      return node.put("display_name", p.name());
    }
    long n = p.id() % 1000;
    ProcoreSeed.Company company = data.company(p.companyId()).orElseThrow();
    LocalDate start = p.createdAt().atZone(ZoneOffset.UTC).toLocalDate();
    node.put("is_demo", false)
        .putNull("parent_job_id")
        .put("display_name", p.name())
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
        .put("stage", p.active() ? "Course of Construction" : "Closeout");
    node.putObject("project_stage")
        .put("id", 4_000_000_001L)
        .put("name", p.active() ? "Course of Construction" : "Closeout");
    node.putNull("project_template");
    node.put("phone", "")
        .put("created_at", p.createdAt().toString())
        .put("updated_at", p.createdAt().plusSeconds(3600).toString())
        .put("active", p.active())
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
