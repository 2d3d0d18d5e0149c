package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Options of a project list ({@code GET /rest/vX.Y/projects?company_id=}). Start from {@link
 * #defaults()} and derive with the {@code with...} methods and {@link #updatedBetween}, {@link
 * #createdBetween} and {@link #sort}:
 *
 * <pre>{@code
 * // Incremental sync: what changed since the last run, oldest change first, 100 a page.
 * company.projects(ProjectQuery.defaults()
 *     .withStatus(ProjectStatus.ALL)
 *     .updatedBetween(lastRun, now)
 *     .sort("updated_at"));
 * }</pre>
 *
 * @param version the API version of the call
 * @param status {@code filters[by_status]}; null sends none (Procore then lists active projects)
 * @param compactView whether to ask for {@code serializer_view=compact} (only id, name,
 *     display_name)
 * @param name {@code filters[name]}, or null
 * @param ids {@code filters[id][]}, or empty
 * @param perPage {@code per_page}, or null for the client's default ({@value
 *     ProcoreClient#DEFAULT_PER_PAGE} unless set otherwise)
 * @param updatedFrom the start of {@code filters[updated_at]=FROM...TO}, or null
 * @param updatedTo the end of that range, or null
 * @param createdFrom the start of {@code filters[created_at]=FROM...TO}, or null
 * @param createdTo the end of that range, or null
 * @param sort {@code sort}, e.g. {@code "name"} or {@code "-updated_at"} (a leading {@code -} sorts
 *     descending, Procore's convention), or null
 */
public record ProjectQuery(
    ApiVersion version,
    @Nullable ProjectStatus status,
    boolean compactView,
    @Nullable String name,
    List<Long> ids,
    @Nullable Integer perPage,
    @Nullable Instant updatedFrom,
    @Nullable Instant updatedTo,
    @Nullable Instant createdFrom,
    @Nullable Instant createdTo,
    @Nullable String sort) {

  public ProjectQuery {
    requireNonNull(version, "version == null");
    ids = List.copyOf(requireNonNull(ids, "ids == null"));
    if (perPage != null && perPage < 1) {
      throw new IllegalArgumentException("perPage < 1: " + perPage);
    }
    if ((updatedFrom == null) != (updatedTo == null)) {
      throw new IllegalArgumentException("updatedFrom and updatedTo go together");
    }
    if ((createdFrom == null) != (createdTo == null)) {
      throw new IllegalArgumentException("createdFrom and createdTo go together");
    }
    if (updatedFrom != null && updatedTo.isBefore(updatedFrom)) {
      throw new IllegalArgumentException("updatedTo is before updatedFrom");
    }
    if (createdFrom != null && createdTo.isBefore(createdFrom)) {
      throw new IllegalArgumentException("createdTo is before createdFrom");
    }
    if (sort != null && !sort.matches("-?[a-z_]+")) {
      throw new IllegalArgumentException("sort must be a field name, '-' for descending: " + sort);
    }
  }

  /**
   * {@code v1.0}, Procore's default status filter, the full view, the client's page size, no date
   * ranges, Procore's default order.
   */
  public static ProjectQuery defaults() {
    return new ProjectQuery(
        ApiVersion.V1_0, null, false, null, List.of(), null, null, null, null, null, null);
  }

  public ProjectQuery withVersion(ApiVersion version) {
    return with(q -> q.version = requireNonNull(version, "version == null"));
  }

  public ProjectQuery withStatus(ProjectStatus status) {
    return with(q -> q.status = requireNonNull(status, "status == null"));
  }

  public ProjectQuery withCompactView(boolean compact) {
    return with(q -> q.compactView = compact);
  }

  public ProjectQuery withName(String name) {
    return with(q -> q.name = requireNonNull(name, "name == null"));
  }

  public ProjectQuery withIds(long... ids) {
    List<Long> list = new ArrayList<>();
    for (long id : ids) {
      list.add(id);
    }
    return with(q -> q.ids = list);
  }

  /** {@code per_page} for this list (Procore recommends at most 2000; v2 caps it at 100). */
  public ProjectQuery withPerPage(int perPage) {
    return with(q -> q.perPage = perPage);
  }

  /**
   * Projects last updated from {@code from} to {@code to}: {@code
   * filters[updated_at]=2016-09-23T16:30:00Z...2016-09-23T17:00:00Z}, ISO-8601 UTC in whole seconds
   * ({@code from} rounded down, {@code to} up, so no project in the range is left out).
   *
   * @throws IllegalArgumentException if {@code to} is before {@code from}
   */
  public ProjectQuery updatedBetween(Instant from, Instant to) {
    requireNonNull(from, "from == null");
    requireNonNull(to, "to == null");
    return with(
        q -> {
          q.updatedFrom = from;
          q.updatedTo = to;
        });
  }

  /** Projects created from {@code from} to {@code to}: {@code filters[created_at]=FROM...TO}. */
  public ProjectQuery createdBetween(Instant from, Instant to) {
    requireNonNull(from, "from == null");
    requireNonNull(to, "to == null");
    return with(
        q -> {
          q.createdFrom = from;
          q.createdTo = to;
        });
  }

  /**
   * {@code sort}: a field name, ascending, or with a leading {@code -}, descending ({@code
   * "-updated_at"}), as Procore's list actions document. Which fields the project list sorts by is
   * UNCONFIRMED ({@code name}, {@code created_at}, {@code updated_at}, {@code id} in the sandbox).
   */
  public ProjectQuery sort(String sort) {
    return with(q -> q.sort = requireNonNull(sort, "sort == null"));
  }

  /** A copy of this query with {@code change} applied (validated by the canonical constructor). */
  private ProjectQuery with(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return new ProjectQuery(
        d.version,
        d.status,
        d.compactView,
        d.name,
        d.ids,
        d.perPage,
        d.updatedFrom,
        d.updatedTo,
        d.createdFrom,
        d.createdTo,
        d.sort);
  }

  /** The components of a query being derived. */
  private static final class Draft {
    ApiVersion version;
    @Nullable ProjectStatus status;
    boolean compactView;
    @Nullable String name;
    List<Long> ids;
    @Nullable Integer perPage;
    @Nullable Instant updatedFrom;
    @Nullable Instant updatedTo;
    @Nullable Instant createdFrom;
    @Nullable Instant createdTo;
    @Nullable String sort;

    Draft(ProjectQuery q) {
      version = q.version;
      status = q.status;
      compactView = q.compactView;
      name = q.name;
      ids = q.ids;
      perPage = q.perPage;
      updatedFrom = q.updatedFrom;
      updatedTo = q.updatedTo;
      createdFrom = q.createdFrom;
      createdTo = q.createdTo;
      sort = q.sort;
    }
  }

  /** The query parameters besides {@code company_id} and {@code per_page}, in a stable order. */
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
    if (updatedFrom != null && updatedTo != null) {
      out.add(Map.entry("filters[updated_at]", range(updatedFrom, updatedTo)));
    }
    if (createdFrom != null && createdTo != null) {
      out.add(Map.entry("filters[created_at]", range(createdFrom, createdTo)));
    }
    if (sort != null) {
      out.add(Map.entry("sort", sort));
    }
    if (compactView) {
      out.add(Map.entry("serializer_view", "compact"));
    }
    return out;
  }

  /** {@code FROM...TO} in whole UTC seconds, the range widened to whole seconds. */
  static String range(Instant from, Instant to) {
    Instant end = to.truncatedTo(ChronoUnit.SECONDS);
    if (end.isBefore(to)) {
      end = end.plusSeconds(1);
    }
    return from.truncatedTo(ChronoUnit.SECONDS) + "..." + end;
  }
}
