package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Shared plumbing of the filter builders: an ordered JSON object of plain values. */
final class FilterJson {
  private FilterJson() {}

  static String write(Map<String, Object> values) {
    try {
      return CorJson.MAPPER.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a filter", e);
    }
  }

  /** One id as a number, several as an array: COR's "an id or an array of ids". */
  static Object idOrIds(long... ids) {
    requireNonNull(ids, "ids == null");
    if (ids.length == 0) {
      throw new IllegalArgumentException("give at least one id");
    }
    return ids.length == 1 ? (Object) ids[0] : ids(ids);
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
  static Object plain(String key, Object value) {
    requireNonNull(key, "key == null");
    requireNonNull(value, "value == null");
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

  static Map<String, Object> copy(Map<String, Object> values) {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
