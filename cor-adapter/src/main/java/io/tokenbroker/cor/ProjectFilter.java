package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code filters} of {@code GET /projects}, sent as one URL-encoded JSON object, e.g. {@code
 * {"client_id":25855,"status":"in_process","archived":2}}.
 *
 * <pre>{@code
 * ProjectFilter f = ProjectFilter.builder()
 *     .clientId(25855).status(ProjectStatus.ACTIVE).archived(ProjectFilter.Archived.ACTIVE_ONLY)
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ProjectFilter {
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

  private final Map<String, Object> values;

  private ProjectFilter(Map<String, Object> values) {
    this.values = FilterJson.copy(values);
  }

  /** No filter. */
  public static ProjectFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether no key is set (then no {@code filters} parameter is sent). */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** The JSON object sent as {@code filters}. */
  public String toJson() {
    return FilterJson.write(values);
  }

  @Override
  public String toString() {
    return "ProjectFilter" + toJson();
  }

  /**
   * Builds a {@link ProjectFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

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
     * Any other key COR accepts, with a string, number, boolean or a collection of those.
     *
     * @throws IllegalArgumentException for other value types
     */
    public Builder with(String key, Object value) {
      values.put(requireNonNull(key, "key == null"), FilterJson.plain(key, value));
      return this;
    }

    public ProjectFilter build() {
      return new ProjectFilter(values);
    }
  }
}
