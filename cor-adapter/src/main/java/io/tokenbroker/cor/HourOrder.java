package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code orderBy} of {@code GET /hours}: {@code {"by":"start","order":"ASC"}}. COR documents
 * {@code start}; other field names are passed through as given.
 *
 * <p>Immutable and thread-safe.
 */
public final class HourOrder {
  private final Map<String, Object> values;

  private HourOrder(String by, SortDirection direction) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("by", by);
    v.put("order", direction.name());
    this.values = java.util.Collections.unmodifiableMap(v);
  }

  /** Orders by {@code start}. */
  public static HourOrder byStart(SortDirection direction) {
    return by("start", direction);
  }

  /** Orders by the field named {@code by}. */
  public static HourOrder by(String by, SortDirection direction) {
    requireNonNull(by, "by == null");
    requireNonNull(direction, "direction == null");
    if (by.isBlank()) {
      throw new IllegalArgumentException("by is blank");
    }
    return new HourOrder(by, direction);
  }

  /** The JSON object sent as {@code orderBy}. */
  public String toJson() {
    return CorFilter.write(values);
  }

  @Override
  public String toString() {
    return "HourOrder" + toJson();
  }
}
