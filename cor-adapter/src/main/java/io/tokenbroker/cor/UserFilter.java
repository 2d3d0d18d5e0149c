package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filters} of {@code GET /users}. COR documents the keys {@code withHiddenUsers} and
 * {@code withPosition} (booleans) and {@code createdAt} and {@code updatedAt} (YYYY-MM-DD, "on or
 * after").
 *
 * <p>Immutable and thread-safe.
 */
public final class UserFilter extends CorFilter {
  static final Set<String> KEYS =
      Set.of("withHiddenUsers", "withPosition", "createdAt", "updatedAt");

  private static final UserFilter NONE = new UserFilter(Map.of());

  private UserFilter(Map<String, Object> values) {
    super(values);
  }

  /** No filter. */
  public static UserFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link UserFilter}. Not thread-safe. */
  public static final class Builder {
    private final Values values = new Values("UserFilter", "GET /users", KEYS, Map.of());

    private Builder() {}

    /** {@code withHiddenUsers}: include hidden users. */
    public Builder withHiddenUsers(boolean include) {
      values.put("withHiddenUsers", include);
      return this;
    }

    /** {@code withPosition}: include the users' positions. */
    public Builder withPosition(boolean include) {
      values.put("withPosition", include);
      return this;
    }

    /** {@code createdAt}: users created on or after {@code date}. */
    public Builder createdAt(LocalDate date) {
      values.put("createdAt", requireNonNull(date, "date == null").toString());
      return this;
    }

    /** {@code updatedAt}: users updated on or after {@code date}. */
    public Builder updatedAt(LocalDate date) {
      values.put("updatedAt", requireNonNull(date, "date == null").toString());
      return this;
    }

    /**
     * A documented key with another value form (a string, number, boolean or a collection of
     * those).
     *
     * @throws IllegalArgumentException for a key COR does not document for {@code GET /users}, or
     *     another value type
     */
    public Builder with(String key, Object value) {
      values.with(key, value);
      return this;
    }

    public UserFilter build() {
      return new UserFilter(values.snapshot());
    }
  }
}
