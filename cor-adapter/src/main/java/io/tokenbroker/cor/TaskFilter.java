package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code filters} of {@code GET /tasks}, sent as one URL-encoded JSON object, e.g. {@code
 * {"projects":5001,"status":["nueva","en_proceso"]}}. Filter by project with {@link
 * Builder#projects}: COR's OpenAPI says not to use {@code project_id}, which older examples show.
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskFilter {
  private static final TaskFilter NONE = new TaskFilter(Map.of());

  private final Map<String, Object> values;

  private TaskFilter(Map<String, Object> values) {
    this.values = FilterJson.copy(values);
  }

  /** No filter. */
  public static TaskFilter none() {
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
    return "TaskFilter" + toJson();
  }

  /**
   * Builds a {@link TaskFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /** {@code projects}: one project id (sent as a number) or several (an array). */
    public Builder projects(long... projectIds) {
      values.put("projects", FilterJson.idOrIds(projectIds));
      return this;
    }

    /** {@code pm}: the project manager's user id. */
    public Builder pm(long userId) {
      values.put("pm", userId);
      return this;
    }

    /**
     * {@code status}: one status (a string) or several (an array).
     *
     * @throws IllegalArgumentException if none is given or one is {@link TaskStatus#UNKNOWN}
     */
    public Builder status(TaskStatus... statuses) {
      requireNonNull(statuses, "statuses == null");
      List<String> wire = new ArrayList<>();
      for (TaskStatus s : statuses) {
        if (requireNonNull(s, "status == null") == TaskStatus.UNKNOWN) {
          throw new IllegalArgumentException("cannot filter by UNKNOWN status");
        }
        wire.add(s.wireValue());
      }
      if (wire.isEmpty()) {
        throw new IllegalArgumentException("give at least one status");
      }
      values.put("status", wire.size() == 1 ? wire.get(0) : List.copyOf(wire));
      return this;
    }

    /**
     * {@code priority}: one priority (a number) or several (an array).
     *
     * @throws IllegalArgumentException if none is given or one is {@link TaskPriority#UNKNOWN}
     */
    public Builder priority(TaskPriority... priorities) {
      requireNonNull(priorities, "priorities == null");
      long[] ids = new long[priorities.length];
      for (int i = 0; i < priorities.length; i++) {
        if (requireNonNull(priorities[i], "priority == null") == TaskPriority.UNKNOWN) {
          throw new IllegalArgumentException("cannot filter by UNKNOWN priority");
        }
        ids[i] = priorities[i].id();
      }
      values.put("priority", FilterJson.idOrIds(ids));
      return this;
    }

    /** {@code labels}: label ids. */
    public Builder labels(long... labelIds) {
      values.put("labels", FilterJson.ids(labelIds));
      return this;
    }

    /** {@code categories}: category ids. */
    public Builder categories(long... categoryIds) {
      values.put("categories", FilterJson.ids(categoryIds));
      return this;
    }

    /** {@code clients}: client ids. */
    public Builder clients(long... clientIds) {
      values.put("clients", FilterJson.ids(clientIds));
      return this;
    }

    /** {@code collaborator}: a user id. */
    public Builder collaborator(long userId) {
      values.put("collaborator", userId);
      return this;
    }

    /** {@code sprints}: sprint ids. */
    public Builder sprints(long... sprintIds) {
      values.put("sprints", FilterJson.ids(sprintIds));
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

    public TaskFilter build() {
      return new TaskFilter(values);
    }
  }
}
