package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of a COR write: the fields to send, named as in COR's OpenAPI input schemas. One subtype
 * per resource ({@link TaskInput}, {@link ProjectInput}, {@link ClientInput}), each built with its
 * own builder; unset fields are not sent, so the same input serves a create and a partial update.
 *
 * <p>Immutable and thread-safe.
 */
public abstract sealed class CorInput permits TaskInput, ProjectInput, ClientInput {
  private final Map<String, Object> fields;

  CorInput(Map<String, Object> fields) {
    this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** The fields sent, by COR's name, in the order they were set. */
  public final Map<String, Object> fields() {
    return fields;
  }

  /**
   * @throws IllegalArgumentException naming the missing fields, if any of {@code required} is not
   *     set
   */
  final void require(String operation, String... required) {
    List<String> missing = new java.util.ArrayList<>();
    for (String name : required) {
      if (!fields.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          operation + " needs " + String.join(", ", missing) + " (required by COR's OpenAPI)");
    }
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + fields.keySet();
  }

  /** The state of an input builder. Not thread-safe. */
  static final class Fields {
    private final Set<String> typed;
    private final Map<String, Object> map = new LinkedHashMap<>();

    Fields(Set<String> typed) {
      this.typed = typed;
    }

    void put(String name, Object value) {
      map.put(name, requireNonNull(value, name + " == null"));
    }

    /** Another field of COR's input schema: a string, number, boolean, or a collection of those. */
    void with(String name, Object value) {
      requireNonNull(name, "name == null");
      requireNonNull(value, "value == null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      if (typed.contains(name)) {
        throw new IllegalArgumentException(
            "'" + name + "' has a typed setter; use it so that the value is sent as COR expects");
      }
      boolean plain =
          value instanceof String || value instanceof Number || value instanceof Boolean;
      if (!plain && value instanceof Collection<?> c) {
        plain = c.stream().allMatch(v -> v instanceof String || v instanceof Number);
      }
      if (!plain) {
        throw new IllegalArgumentException(
            "'" + name + "' must be a string, number, boolean or a collection of those");
      }
      map.put(name, value instanceof Collection<?> c ? List.copyOf(c) : value);
    }

    Map<String, Object> snapshot() {
      return map;
    }
  }
}
