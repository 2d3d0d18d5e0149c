package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Options of a project list ({@code GET /rest/vX.Y/projects?company_id=}). Start from {@link
 * #defaults()} and derive with the {@code with...} methods:
 *
 * <pre>{@code
 * client.company(companyId).projects(ProjectQuery.defaults()
 *     .withVersion(ApiVersion.V1_1).withStatus(ProjectStatus.ALL).withCompactView(true));
 * }</pre>
 *
 * @param version the API version of the call
 * @param status {@code filters[by_status]}; null sends none (Procore then lists active projects)
 * @param compactView whether to ask for {@code serializer_view=compact} (only id, name,
 *     display_name)
 * @param name {@code filters[name]}, or null
 * @param ids {@code filters[id][]}, or empty
 * @param perPage {@code per_page}, or null for the client's default
 */
public record ProjectQuery(
    ApiVersion version,
    @Nullable ProjectStatus status,
    boolean compactView,
    @Nullable String name,
    List<Long> ids,
    @Nullable Integer perPage) {

  public ProjectQuery {
    requireNonNull(version, "version == null");
    ids = List.copyOf(requireNonNull(ids, "ids == null"));
    if (perPage != null && perPage < 1) {
      throw new IllegalArgumentException("perPage < 1: " + perPage);
    }
  }

  /** {@code v1.0}, Procore's default status filter, the full view, the client's page size. */
  public static ProjectQuery defaults() {
    return new ProjectQuery(ApiVersion.V1_0, null, false, null, List.of(), null);
  }

  public ProjectQuery withVersion(ApiVersion version) {
    return new ProjectQuery(version, status, compactView, name, ids, perPage);
  }

  public ProjectQuery withStatus(ProjectStatus status) {
    return new ProjectQuery(
        version, requireNonNull(status, "status == null"), compactView, name, ids, perPage);
  }

  public ProjectQuery withCompactView(boolean compact) {
    return new ProjectQuery(version, status, compact, name, ids, perPage);
  }

  public ProjectQuery withName(String name) {
    return new ProjectQuery(
        version, status, compactView, requireNonNull(name, "name == null"), ids, perPage);
  }

  public ProjectQuery withIds(long... ids) {
    List<Long> list = new ArrayList<>();
    for (long id : ids) {
      list.add(id);
    }
    return new ProjectQuery(version, status, compactView, name, list, perPage);
  }

  public ProjectQuery withPerPage(int perPage) {
    return new ProjectQuery(version, status, compactView, name, ids, perPage);
  }

  /** The query parameters besides {@code company_id}, in a stable order. */
  List<Map.Entry<String, String>> parameters() {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    if (status != null) {
      out.add(Map.entry("filters[by_status]", status.parameter()));
    }
    if (name != null) {
      out.add(Map.entry("filters[name]", name));
    }
    for (Long id : ids) {
      out.add(Map.entry("filters[id][]", Long.toString(id)));
    }
    if (compactView) {
      out.add(Map.entry("serializer_view", "compact"));
    }
    return out;
  }
}
