package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code filters} parameter of a COR list: one JSON object, URL-encoded into the query string,
 * e.g. {@code {"client_id":25855,"status":"in_process"}}. One subtype per list endpoint ({@link
 * ProjectFilter}, {@link TaskFilter}, {@link HourFilter}, {@link UserFilter}, {@link
 * ClientFilter}), each built with its own builder whose typed methods are COR's documented keys.
 *
 * <p>A filter holds only what COR documents for its endpoint: each builder's {@code with(key,
 * value)} takes another value form for a documented key and refuses a key COR does not document
 * (COR answers an unknown key with a validation error, or worse, ignores it and returns every row).
 * To send anything else, build the query yourself and call {@link CorClient#list(String, Map,
 * Class)}, e.g. with {@code Map.of("filters", "{\"new_key\":1}")}.
 *
 * <p>Immutable and thread-safe; equal when of the same type with the same keys and values in the
 * same order.
 */
public abstract sealed class CorFilter
    permits ProjectFilter, TaskFilter, HourFilter, UserFilter, ClientFilter {
  private final Map<String, Object> values;

  CorFilter(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** Whether no key is set (then no {@code filters} parameter is sent). */
  public final boolean isEmpty() {
    return values.isEmpty();
  }

  /** The keys set, in the order they were set. */
  public final Set<String> keys() {
    return values.keySet();
  }

  /** The JSON object sent as {@code filters}. */
  public final String toJson() {
    return write(values);
  }

  @Override
  @SuppressWarnings("EqualsGetClass") // a task filter never equals a project filter of one JSON
  public final boolean equals(@Nullable Object o) {
    return o != null && o.getClass() == getClass() && toJson().equals(((CorFilter) o).toJson());
  }

  @Override
  public final int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public final String toString() {
    return getClass().getSimpleName() + toJson();
  }

  static String write(Map<String, Object> values) {
    try {
      return CorJson.MAPPER.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a filter", e);
    }
  }

  /**
   * The state of a filter builder: an ordered map of plain JSON values and the keys COR documents
   * for the endpoint ({@code null}: COR documents none, so any key is taken). Later values for a
   * key replace earlier ones. Not thread-safe.
   */
  static final class Values {
    private final String filter;
    private final String endpoint;
    private final @Nullable Set<String> documentedKeys;
    private final Map<String, String> hints;
    private final Map<String, Object> map = new LinkedHashMap<>();

    Values(
        String filter,
        String endpoint,
        @Nullable Set<String> documentedKeys,
        Map<String, String> hints) {
      this.filter = filter;
      this.endpoint = endpoint;
      this.documentedKeys = documentedKeys;
      this.hints = hints;
    }

    void put(String key, Object value) {
      map.put(key, value);
    }

    /**
     * The escape hatch: a documented key with a string, number, boolean or a collection of those.
     */
    void with(String key, Object value) {
      requireNonNull(key, "key == null");
      requireNonNull(value, "value == null");
      if (documentedKeys != null && !documentedKeys.contains(key)) {
        String hint = hints.get(key);
        throw new IllegalArgumentException(
            filter
                + " has no key '"
                + key
                + "': "
                + (hint != null
                    ? hint
                    : "COR documents only "
                        + String.join(", ", documentedKeys)
                        + " for "
                        + endpoint
                        + "; send other keys with CorClient.list(\""
                        + endpoint.substring(endpoint.indexOf('/'))
                        + "\", query, type)"));
      }
      map.put(key, plain(key, value));
    }

    Map<String, Object> snapshot() {
      return map;
    }
  }

  /** One id as a number, several as an array: COR's "an id or an array of ids". */
  static Object idOrIds(long... ids) {
    List<Long> list = ids(ids);
    return list.size() == 1 ? (Object) list.get(0) : list;
  }

  static List<Long> ids(long... ids) {
    requireNonNull(ids, "ids == null");
    if (ids.length == 0) {
      throw new IllegalArgumentException("give at least one id");
    }
    List<Long> list = new ArrayList<>(ids.length);
    for (long id : ids) {
      list.add(id);
    }
    return List.copyOf(list);
  }

  /** Checks an escape-hatch value: a string, number, boolean, or a collection of those. */
  private static Object plain(String key, Object value) {
    if (value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Collection<?> collection) {
      List<Object> copy = new ArrayList<>();
      for (Object item : collection) {
        if (!(item instanceof String || item instanceof Number || item instanceof Boolean)) {
          throw new IllegalArgumentException(
              "filter '" + key + "' holds a value that is not a string, number or boolean");
        }
        copy.add(item);
      }
      return List.copyOf(copy);
    }
    throw new IllegalArgumentException(
        "filter '" + key + "' must be a string, number, boolean or a collection of those");
  }
}
