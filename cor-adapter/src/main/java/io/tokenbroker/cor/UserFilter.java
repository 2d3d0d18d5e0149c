package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code filters} of {@code GET /users}, sent as one URL-encoded JSON object. COR documents the
 * keys {@code withHiddenUsers}, {@code withPosition}, {@code createdAt} and {@code updatedAt} but
 * not their types; the booleans are sent as JSON booleans, the dates as given.
 *
 * <p>Immutable and thread-safe.
 */
public final class UserFilter {
  private static final UserFilter NONE = new UserFilter(Map.of());

  private final Map<String, Object> values;

  private UserFilter(Map<String, Object> values) {
    this.values = FilterJson.copy(values);
  }

  /** No filter. */
  public static UserFilter none() {
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
    return "UserFilter" + toJson();
  }

  /** Builds a {@link UserFilter}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /** {@code withHiddenUsers}: include hidden users. */
    public Builder withHiddenUsers(boolean include) {
      values.put("withHiddenUsers", include);
      return this;
    }

    /** {@code withPosition}. */
    public Builder withPosition(boolean include) {
      values.put("withPosition", include);
      return this;
    }

    /** {@code createdAt}, sent as given. */
    public Builder createdAt(String value) {
      values.put("createdAt", requireNonNull(value, "value == null"));
      return this;
    }

    /** {@code updatedAt}, sent as given. */
    public Builder updatedAt(String value) {
      values.put("updatedAt", requireNonNull(value, "value == null"));
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

    public UserFilter build() {
      return new UserFilter(values);
    }
  }
}
