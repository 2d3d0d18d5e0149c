package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code filters} of {@code GET /hours}, sent as one URL-encoded JSON object, e.g. {@code
 * {"dateStart":"2024-01-01","users":[12345]}}. The id keys are always arrays, as documented.
 *
 * <p>Immutable and thread-safe.
 */
public final class HourFilter {
  private static final HourFilter NONE = new HourFilter(Map.of());

  private final Map<String, Object> values;

  private HourFilter(Map<String, Object> values) {
    this.values = FilterJson.copy(values);
  }

  /** No filter. */
  public static HourFilter none() {
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
    return "HourFilter" + toJson();
  }

  /**
   * Builds an {@link HourFilter}; later calls for the same key replace earlier ones. Not
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

    /** {@code dateDeadline} (YYYY-MM-DD), the end of the range. */
    public Builder dateDeadline(LocalDate date) {
      values.put("dateDeadline", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code clients}. */
    public Builder clients(long... ids) {
      values.put("clients", FilterJson.ids(ids));
      return this;
    }

    /** {@code projects}. */
    public Builder projects(long... ids) {
      values.put("projects", FilterJson.ids(ids));
      return this;
    }

    /** {@code users}. */
    public Builder users(long... ids) {
      values.put("users", FilterJson.ids(ids));
      return this;
    }

    /** {@code labels}. */
    public Builder labels(long... ids) {
      values.put("labels", FilterJson.ids(ids));
      return this;
    }

    /** {@code teams}. */
    public Builder teams(long... ids) {
      values.put("teams", FilterJson.ids(ids));
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

    public HourFilter build() {
      return new HourFilter(values);
    }
  }
}
