package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * The {@code filters} of {@code GET /clients}. COR's OpenAPI documents the parameter ("URL-encoded
 * JSON object with filter criteria") but <b>no keys</b> (UNCONFIRMED): the typed methods use the
 * names of COR's {@code Client} fields, and {@link Builder#with} takes any key, since none can be
 * ruled out.
 *
 * <pre>{@code
 * client.clients(ClientFilter.builder().condition("active").build());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientFilter extends CorFilter {
  private static final ClientFilter NONE = new ClientFilter(Map.of());

  private ClientFilter(Map<String, Object> values) {
    super(values);
  }

  /** No filter. */
  public static ClientFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link ClientFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Values values = new Values("ClientFilter", "GET /clients", null, Map.of());

    private Builder() {}

    /** {@code name}: the client's name (UNCONFIRMED key; how COR matches it is undocumented). */
    public Builder name(String name) {
      values.put("name", requireNonNull(name, "name == null"));
      return this;
    }

    /** {@code condition}, e.g. {@code "active"} (UNCONFIRMED key). */
    public Builder condition(String condition) {
      values.put("condition", requireNonNull(condition, "condition == null"));
      return this;
    }

    /**
     * Any key, with a string, number, boolean or a collection of those (COR documents none for
     * {@code GET /clients}).
     *
     * @throws IllegalArgumentException for other value types
     */
    public Builder with(String key, Object value) {
      values.with(key, value);
      return this;
    }

    public ClientFilter build() {
      return new ClientFilter(values.snapshot());
    }
  }
}
