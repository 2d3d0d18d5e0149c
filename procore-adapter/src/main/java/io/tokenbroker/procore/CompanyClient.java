package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The calls of a {@link ProcoreClient} scoped to one company. Every request carries {@code
 * Procore-Company-Id} with this company's ID, and company-scoped endpoints also get {@code
 * company_id}, so neither can be forgotten. Obtain one with {@link ProcoreClient#company(long)}.
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

  /** The company's projects, with filters, view, page size and API version from {@code query}. */
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
    if (projectId <= 0) {
      throw new IllegalArgumentException("projectId must be positive: " + projectId);
    }
    return client.get(
        version,
        "/projects/" + projectId,
        List.of(Map.entry("company_id", Long.toString(companyId))),
        companyId,
        Project.class);
  }

  /**
   * Any other GET of this company that answers one JSON value, e.g. {@code get(ApiVersion.V1_0,
   * "/projects/123/drawings", Map.of("company_id", "..."), JsonNode.class)}. The company header is
   * sent; {@code type} may be a record of yours, a map or a Jackson tree.
   */
  public <T> T get(ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    requireNonNull(type, "type == null");
    return client.get(version, path, entries(query), companyId, type);
  }

  /** Any other paginated GET of this company that answers a JSON array. */
  public <T> Paged<T> list(
      ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    requireNonNull(type, "type == null");
    return client.list(version, path, entries(query), null, companyId, type);
  }

  private static List<Map.Entry<String, String>> entries(Map<String, String> query) {
    requireNonNull(query, "query == null");
    List<Map.Entry<String, String>> out = new ArrayList<>();
    query.forEach((k, v) -> out.add(Map.entry(k, v)));
    return out;
  }

  @Override
  public String toString() {
    return "CompanyClient[" + companyId + ", " + client + "]";
  }
}
