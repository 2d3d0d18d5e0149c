package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filters} of {@code GET /projects}, e.g. {@code
 * {"client_id":25855,"status":"in_process","archived":2}}. The keys are those COR documents: {@code
 * dateStart}, {@code dateEnd}, {@code client_id}, {@code team_id}, {@code user_id}, {@code
 * brand_id}, {@code product_id}, {@code status}, {@code health}, {@code archived}.
 *
 * <pre>{@code
 * ProjectFilter f = ProjectFilter.builder()
 *     .clientId(25855).status(ProjectStatus.ACTIVE).archived(ProjectFilter.Archived.ACTIVE_ONLY)
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ProjectFilter extends CorFilter {
  static final Set<String> KEYS =
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
          "archived");

  private static final ProjectFilter NONE = new ProjectFilter(Map.of());

  /** The {@code archived} filter values. */
  public enum Archived {
    /** {@code 1}: archived projects only. */
    ARCHIVED_ONLY(1),
    /** {@code 2}: active (not archived) projects only. */
    ACTIVE_ONLY(2);

    private final int value;

    Archived(int value) {
      this.value = value;
    }

    /** The number sent. */
    public int value() {
      return value;
    }
  }

  private ProjectFilter(Map<String, Object> values) {
    super(values);
  }

  /** No filter. */
  public static ProjectFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link ProjectFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Values values =
        new Values(
            "ProjectFilter",
            "GET /projects",
            KEYS,
            Map.of(
                "project_id",
                "not a key of" + " GET /projects; read one project with CorClient.project(id)"));

    private Builder() {}

    /** {@code dateStart} (YYYY-MM-DD). */
    public Builder dateStart(LocalDate date) {
      values.put("dateStart", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code dateEnd} (YYYY-MM-DD). */
    public Builder dateEnd(LocalDate date) {
      values.put("dateEnd", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code client_id}. */
    public Builder clientId(long id) {
      values.put("client_id", id);
      return this;
    }

    /** {@code team_id}. */
    public Builder teamId(long id) {
      values.put("team_id", id);
      return this;
    }

    /** {@code user_id} (the PM). */
    public Builder userId(long id) {
      values.put("user_id", id);
      return this;
    }

    /** {@code brand_id}. */
    public Builder brandId(long id) {
      values.put("brand_id", id);
      return this;
    }

    /** {@code product_id}. */
    public Builder productId(long id) {
      values.put("product_id", id);
      return this;
    }

    /**
     * {@code status}: {@code finished}, {@code in_process} or {@code suspended}. {@link
     * ProjectStatus#ACTIVE} is sent as {@code in_process}, the value the filter documents for
     * running projects.
     *
     * @throws IllegalArgumentException for {@link ProjectStatus#UNKNOWN}
     */
    public Builder status(ProjectStatus status) {
      requireNonNull(status, "status == null");
      if (status == ProjectStatus.UNKNOWN) {
        throw new IllegalArgumentException("cannot filter by UNKNOWN status");
      }
      values.put("status", status == ProjectStatus.ACTIVE ? "in_process" : status.wireValue());
      return this;
    }

    /**
     * {@code health} (1–4).
     *
     * @throws IllegalArgumentException for {@link ProjectHealth#UNKNOWN}
     */
    public Builder health(ProjectHealth health) {
      requireNonNull(health, "health == null");
      if (health == ProjectHealth.UNKNOWN) {
        throw new IllegalArgumentException("cannot filter by UNKNOWN health");
      }
      values.put("health", health.id());
      return this;
    }

    /** {@code archived}: 1 archived only, 2 active only. */
    public Builder archived(Archived archived) {
      values.put("archived", requireNonNull(archived, "archived == null").value());
      return this;
    }

    /**
     * A documented key with another value form (a string, number, boolean or a collection of
     * those), e.g. {@code with("dateStart", "2025-01-15")}.
     *
     * @throws IllegalArgumentException for a key COR does not document for {@code GET /projects},
     *     or another value type
     */
    public Builder with(String key, Object value) {
      values.with(key, value);
      return this;
    }

    public ProjectFilter build() {
      return new ProjectFilter(values.snapshot());
    }
  }
}
