package io.tokenbroker.oauth.internal;

import java.util.List;
import java.util.Map;
import net.minidev.json.JSONArray;
import net.minidev.json.JSONObject;

/**
 * Hands JSON that Jackson parsed (strictly, with its depth and size limits) to Nimbus, whose
 * parsers expect json-smart's types.
 */
final class Json {
  private Json() {}

  /** Converts Jackson's maps and lists, at any depth, into json-smart's. */
  static JSONObject toNimbus(Map<String, Object> object) {
    JSONObject out = new JSONObject();
    object.forEach((name, value) -> out.put(name, convert(value)));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Object convert(Object value) {
    if (value instanceof Map<?, ?> map) {
      return toNimbus((Map<String, Object>) map);
    }
    if (value instanceof List<?> list) {
      JSONArray array = new JSONArray();
      for (Object element : list) {
        array.add(convert(element));
      }
      return array;
    }
    return value;
  }
}
