package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The calls of a {@link ProcoreClient} scoped to one company. Every request carries {@code
 * Procore-Company-Id} with this company's ID, and company-scoped endpoints also get {@code
 * company_id}, so neither can be forgotten. Obtain one with {@link ProcoreClient#company(long)}.
 *
 * <pre>{@code
 * CompanyClient company = client.company(companyId);
 * Project created = company.post(ApiVersion.V1_0, "/projects",
 *     Map.of("company_id", companyId, "project", Map.of("name", "Warehouse")), Project.class);
 * company.patch(ApiVersion.V1_0, "/projects/" + created.id(),
 *     Map.of("project", Map.of("name", "Warehouse B")), Project.class);
 * ProjectClient project = company.projectScope(created.id());      // project_id as Procore wants
 * Webhooks hooks = company.webhooks();                              // company-level webhooks
 * }</pre>
 *
 * <h2>Writes</h2>
 *
 * {@link #post}, {@link #patch}, {@link #put}, {@link #delete} and {@link #send} take a JSON body:
 * {@code null} (none), a {@link String} sent as it is, or anything Jackson writes (a map, a record,
 * a {@code JsonNode}). The answer is read as {@code type}; {@code Void.class} reads nothing (for
 * Procore's 204s). A 429, or a 503 with {@code Retry-After}, is waited out and the request sent
 * again, whatever its method (Procore did not act); a 502, 504, 503 without {@code Retry-After} or
 * a lost connection is retried only for {@code GET}, {@code PUT} and {@code DELETE}, never for a
 * {@code POST} or {@code PATCH}. A 4xx is a {@link ProcoreApiException} with Procore's message and,
 * for a 422, its {@linkplain ProcoreApiException#validationErrors() validation errors}.
 *
 * <p>Immutable and thread-safe; failures as in {@link ProcoreClient}.
 */
public final class CompanyClient {
  private final ProcoreClient client;
  private final long companyId;

  CompanyClient(ProcoreClient client, long companyId) {
    this.client = client;
    this.companyId = companyId;
  }

  public long companyId() {
    return companyId;
  }

  ProcoreClient client() {
    return client;
  }

  /** {@code GET /rest/v1.0/me} with the company header (service accounts need it). */
  public Me me() {
    return me(ApiVersion.V1_0);
  }

  public Me me(ApiVersion version) {
    return client.get(version, "/me", List.of(), companyId, Me.class);
  }

  /** {@code GET /rest/v1.0/companies} with the company header (service accounts need it). */
  public Paged<Company> companies() {
    return client.companies(false, companyId);
  }

  /** {@link #companies()}, including free companies when asked. */
  public Paged<Company> companies(boolean includeFreeCompanies) {
    return client.companies(includeFreeCompanies, companyId);
  }

  /** {@code GET /rest/v1.0/projects?company_id=}: the company's (active) projects. */
  public Paged<Project> projects() {
    return projects(ProjectQuery.defaults());
  }

  /**
   * The company's projects, with filters, sort, view, page size and API version from {@code query}.
   */
  public Paged<Project> projects(ProjectQuery query) {
    requireNonNull(query, "query == null");
    List<Map.Entry<String, String>> params = new ArrayList<>();
    params.add(Map.entry("company_id", Long.toString(companyId)));
    params.addAll(query.parameters());
    return client.list(
        query.version(), "/projects", params, query.perPage(), companyId, Project.class);
  }

  /** {@code GET /rest/v1.0/projects/{id}?company_id=}. A project the user may not read is 404. */
  public Project project(long projectId) {
    return project(projectId, ApiVersion.V1_0);
  }

  public Project project(long projectId, ApiVersion version) {
    checkProjectId(projectId);
    return client.get(
        version,
        "/projects/" + projectId,
        List.of(Map.entry("company_id", Long.toString(companyId))),
        companyId,
        Project.class);
  }

  /**
   * The calls scoped to one project of this company: {@code project_id} is added the way Procore
   * expects for each resource version (see {@link ProjectClient}). Use {@link #project(long)} to
   * read the project itself.
   */
  public ProjectClient projectScope(long projectId) {
    checkProjectId(projectId);
    return new ProjectClient(this, projectId);
  }

  /** This company's webhooks: company-level hooks, their triggers and deliveries. */
  public Webhooks webhooks() {
    return new Webhooks(client, companyId, "company_id", companyId);
  }

  /**
   * Any other GET of this company that answers one JSON value, e.g. {@code get(ApiVersion.V1_0,
   * "/projects/123/drawings", Map.of("company_id", "..."), JsonNode.class)}. The company header is
   * sent; {@code type} may be a record of yours, a map or a Jackson tree. A v2.x answer is read
   * from its {@code "data"} envelope.
   */
  public <T> T get(ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    return send("GET", version, path, query, null, type);
  }

  /** Any other paginated GET of this company that answers a JSON array (v2.x: {@code data}). */
  public <T> Paged<T> list(
      ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    requireNonNull(type, "type == null");
    return client.list(version, path, entries(query), null, companyId, type);
  }

  /** {@code POST} with a JSON {@code body}; never sent twice after an ambiguous failure. */
  public <T> T post(ApiVersion version, String path, @Nullable Object body, Class<T> type) {
    return send("POST", version, path, Map.of(), body, type);
  }

  /** {@code PATCH} with a JSON {@code body}; never sent twice after an ambiguous failure. */
  public <T> T patch(ApiVersion version, String path, @Nullable Object body, Class<T> type) {
    return send("PATCH", version, path, Map.of(), body, type);
  }

  /** {@code PUT} with a JSON {@code body} (idempotent: retried after a 502/503/504). */
  public <T> T put(ApiVersion version, String path, @Nullable Object body, Class<T> type) {
    return send("PUT", version, path, Map.of(), body, type);
  }

  /** {@code DELETE}, with a JSON {@code body} or none (idempotent: retried after a 502/503/504). */
  public <T> T delete(ApiVersion version, String path, @Nullable Object body, Class<T> type) {
    return send("DELETE", version, path, Map.of(), body, type);
  }

  /**
   * Any request of this company: {@code method} (GET, POST, PUT, PATCH or DELETE) on {@code
   * /rest/<version><path>} with {@code query}, the company header and a JSON {@code body}.
   *
   * @throws IllegalArgumentException for another method or a path not starting with {@code /}
   * @throws ProcoreApiException if Procore refuses it or cannot be reached
   */
  public <T> T send(
      String method,
      ApiVersion version,
      String path,
      Map<String, String> query,
      @Nullable Object body,
      Class<T> type) {
    return client.send(method, version, path, entries(query), companyId, body, type);
  }

  static List<Map.Entry<String, String>> entries(Map<String, String> query) {
    requireNonNull(query, "query == null");
    List<Map.Entry<String, String>> out = new ArrayList<>();
    query.forEach((k, v) -> out.add(Map.entry(k, v)));
    return out;
  }

  private static void checkProjectId(long projectId) {
    if (projectId <= 0) {
      throw new IllegalArgumentException("projectId must be positive: " + projectId);
    }
  }

  @Override
  public String toString() {
    return "CompanyClient[" + companyId + ", " + client + "]";
  }
}
