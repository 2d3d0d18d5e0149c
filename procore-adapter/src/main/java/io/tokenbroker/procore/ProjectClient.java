package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The calls of a {@link CompanyClient} scoped to one of its projects, from {@link
 * CompanyClient#projectScope(long)}. Every request carries the company header, and the project is
 * named the way Procore expects for the resource version:
 *
 * <ul>
 *   <li><b>REST v1.x</b>: a {@code project_id} query parameter, e.g. {@code get(V1_0,
 *       "/project_dates", …)} is {@code GET /rest/v1.0/project_dates?project_id=42} (Procore's v1
 *       convention for project-scoped resources, as in {@code /rest/v1.0/work_order_contracts
 *       ?project_id=}). For the v1 resources that name the project in their path ({@code
 *       /rest/v1.0/projects/{id}/rfis}), pass that path to the {@link CompanyClient}.
 *   <li><b>REST v2.x</b>: the path is scoped, {@code get(V2_0, "/project_dates", …)} is {@code GET
 *       /rest/v2.0/companies/{company_id}/projects/42/project_dates}, and the answer is read from
 *       its {@code {"data": …}} envelope.
 * </ul>
 *
 * <pre>{@code
 * ProjectClient project = client.company(companyId).projectScope(projectId);
 * Paged<JsonNode> dates = project.list(ApiVersion.V2_0, "/project_dates", Map.of(), JsonNode.class);
 * Webhooks hooks = project.webhooks();                      // project-level webhooks
 * }</pre>
 *
 * <p>Bodies, retries and failures as in {@link CompanyClient}. Immutable and thread-safe.
 */
public final class ProjectClient {
  private final CompanyClient company;
  private final long projectId;

  ProjectClient(CompanyClient company, long projectId) {
    this.company = company;
    this.projectId = projectId;
  }

  public long projectId() {
    return projectId;
  }

  public long companyId() {
    return company.companyId();
  }

  /** A GET of this project that answers one JSON value. */
  public <T> T get(ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    return send("GET", version, path, query, null, type);
  }

  /** A paginated GET of this project that answers a JSON array (v2.x: under {@code data}). */
  public <T> Paged<T> list(
      ApiVersion version, String path, Map<String, String> query, Class<T> type) {
    requireNonNull(version, "version == null");
    requireNonNull(type, "type == null");
    return company
        .client()
        .list(version, scoped(version, path), params(version, query), null, companyId(), type);
  }

  /**
   * Any request of this project: {@code method} on the project-scoped {@code path} with {@code
   * query} and a JSON {@code body}.
   *
   * @throws IllegalArgumentException for a method other than GET, POST, PUT, PATCH, DELETE, a path
   *     not starting with {@code /}, or a {@code project_id} in {@code query} naming another
   *     project
   */
  public <T> T send(
      String method,
      ApiVersion version,
      String path,
      Map<String, String> query,
      @Nullable Object body,
      Class<T> type) {
    requireNonNull(version, "version == null");
    return company
        .client()
        .send(
            method,
            version,
            scoped(version, path),
            params(version, query),
            companyId(),
            body,
            type);
  }

  /** This project's webhooks: project-level hooks, their triggers and deliveries. */
  public Webhooks webhooks() {
    return new Webhooks(company.client(), companyId(), "project_id", projectId);
  }

  private String scoped(ApiVersion version, String path) {
    requireNonNull(path, "path == null");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/': " + path);
    }
    return version.isEnveloped()
        ? "/companies/" + companyId() + "/projects/" + projectId + path
        : path;
  }

  private List<Map.Entry<String, String>> params(ApiVersion version, Map<String, String> query) {
    List<Map.Entry<String, String>> out = new ArrayList<>(CompanyClient.entries(query));
    if (version.isEnveloped()) {
      return out;
    }
    String given = query.get("project_id");
    if (given == null) {
      out.add(0, Map.entry("project_id", Long.toString(projectId)));
    } else if (!given.equals(Long.toString(projectId))) {
      throw new IllegalArgumentException(
          "query names project_id " + given + ", but this client is scoped to " + projectId);
    }
    return out;
  }

  @Override
  public String toString() {
    return "ProjectClient[" + projectId + ", " + company + "]";
  }
}
