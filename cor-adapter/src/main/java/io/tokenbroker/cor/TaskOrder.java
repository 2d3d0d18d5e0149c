package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code order} of {@code GET /tasks}: a JSON object of fields and directions, e.g. {@code
 * {"deadline":"ASC"}}.
 *
 * <pre>{@code
 * TaskOrder order = TaskOrder.by(TaskOrder.Field.PRIORITY, SortDirection.DESC)
 *     .then(TaskOrder.Field.DEADLINE, SortDirection.ASC);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskOrder {
  /** The sortable fields COR documents. */
  public enum Field {
    CLIENT("client"),
    PROJECT("project"),
    TASK("task"),
    DEADLINE("deadline"),
    DATETIME("datetime"),
    PM("pm"),
    PRIORITY("priority"),
    SPRINT("sprint");

    private final String wireName;

    Field(String wireName) {
      this.wireName = wireName;
    }

    /** The name sent. */
    public String wireName() {
      return wireName;
    }
  }

  private final Map<String, Object> values;

  private TaskOrder(Map<String, Object> values) {
    this.values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** Orders by {@code field} in {@code direction}. */
  public static TaskOrder by(Field field, SortDirection direction) {
    return new TaskOrder(Map.of()).then(field, direction);
  }

  /** This order, then {@code field} in {@code direction}. */
  public TaskOrder then(Field field, SortDirection direction) {
    requireNonNull(field, "field == null");
    requireNonNull(direction, "direction == null");
    Map<String, Object> copy = new LinkedHashMap<>(values);
    copy.put(field.wireName(), direction.name());
    return new TaskOrder(copy);
  }

  /** The JSON object sent as {@code order}. */
  public String toJson() {
    return CorFilter.write(values);
  }

  @Override
  public String toString() {
    return "TaskOrder" + toJson();
  }
}
