package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filters} of {@code GET /hours}, e.g. {@code
 * {"dateStart":"2024-01-01","users":[12345]}}. The keys are those COR documents: {@code dateStart},
 * {@code dateDeadline}, and the arrays {@code clients}, {@code projects}, {@code users}, {@code
 * labels}, {@code teams}.
 *
 * <p>Immutable and thread-safe.
 */
public final class HourFilter extends CorFilter {
  static final Set<String> KEYS =
      Set.of("dateStart", "dateDeadline", "clients", "projects", "users", "labels", "teams");

  private static final HourFilter NONE = new HourFilter(Map.of());

  private HourFilter(Map<String, Object> values) {
    super(values);
  }

  /** No filter. */
  public static HourFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds an {@link HourFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Values values =
        new Values(
            "HourFilter",
            "GET /hours",
            KEYS,
            Map.of(
                "project_id",
                    "COR filters time entries by 'projects' (an array); use projects(id...)",
                "user_id", "COR filters time entries by 'users' (an array); use users(id...)"));

    private Builder() {}

    /** {@code dateStart} (YYYY-MM-DD). */
    public Builder dateStart(LocalDate date) {
      values.put("dateStart", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code dateDeadline} (YYYY-MM-DD), the end of the range. */
    public Builder dateDeadline(LocalDate date) {
      values.put("dateDeadline", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code clients}. */
    public Builder clients(long... ids) {
      values.put("clients", ids(ids));
      return this;
    }

    /** {@code projects}. */
    public Builder projects(long... ids) {
      values.put("projects", ids(ids));
      return this;
    }

    /** {@code users}. */
    public Builder users(long... ids) {
      values.put("users", ids(ids));
      return this;
    }

    /** {@code labels}. */
    public Builder labels(long... ids) {
      values.put("labels", ids(ids));
      return this;
    }

    /** {@code teams}. */
    public Builder teams(long... ids) {
      values.put("teams", ids(ids));
      return this;
    }

    /**
     * A documented key with another value form (a string, number, boolean or a collection of
     * those).
     *
     * @throws IllegalArgumentException for a key COR does not document for {@code GET /hours}, or
     *     another value type
     */
    public Builder with(String key, Object value) {
      values.with(key, value);
      return this;
    }

    public HourFilter build() {
      return new HourFilter(values.snapshot());
    }
  }
}
