package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code filters} of {@code GET /tasks}, e.g. {@code
 * {"projects":5001,"status":["nueva","en_proceso"]}}. The keys are those COR's OpenAPI documents:
 * {@code projects}, {@code pm}, {@code status}, {@code labels}, {@code categories}, {@code
 * clients}, {@code collaborator}, {@code priority}, {@code sprints}.
 *
 * <p>Filter by project with {@link Builder#projects}: COR's quickstart shows {@code
 * {"project_id":5001}}, but its OpenAPI documents {@code projects} and says not to use {@code
 * project_id}; {@link Builder#with} refuses {@code project_id} and points here.
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskFilter extends CorFilter {
  static final Set<String> KEYS =
      Set.of(
          "projects",
          "pm",
          "status",
          "labels",
          "categories",
          "clients",
          "collaborator",
          "priority",
          "sprints");

  private static final TaskFilter NONE = new TaskFilter(Map.of());

  private TaskFilter(Map<String, Object> values) {
    super(values);
  }

  /** No filter. */
  public static TaskFilter none() {
    return NONE;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link TaskFilter}; later calls for the same key replace earlier ones. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Values values =
        new Values(
            "TaskFilter",
            "GET /tasks",
            KEYS,
            Map.of(
                "project_id",
                "COR filters tasks by project with the key 'projects' (its OpenAPI says not to use"
                    + " project_id); use TaskFilter.builder().projects(id...)",
                "user_id",
                "COR filters tasks by person with 'pm' or 'collaborator'; use pm(id...) or"
                    + " collaborator(id)"));

    private Builder() {}

    /** {@code projects}: one project id (sent as a number) or several (an array). */
    public Builder projects(long... projectIds) {
      values.put("projects", idOrIds(projectIds));
      return this;
    }

    /** {@code pm}: the project manager's user id (a number), or several (an array). */
    public Builder pm(long... userIds) {
      values.put("pm", idOrIds(userIds));
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
      values.put("priority", idOrIds(ids));
      return this;
    }

    /** {@code labels}: label ids. */
    public Builder labels(long... labelIds) {
      values.put("labels", ids(labelIds));
      return this;
    }

    /** {@code categories}: category ids. */
    public Builder categories(long... categoryIds) {
      values.put("categories", ids(categoryIds));
      return this;
    }

    /** {@code clients}: client ids. */
    public Builder clients(long... clientIds) {
      values.put("clients", ids(clientIds));
      return this;
    }

    /** {@code collaborator}: a user id. */
    public Builder collaborator(long userId) {
      values.put("collaborator", userId);
      return this;
    }

    /** {@code sprints}: sprint ids. */
    public Builder sprints(long... sprintIds) {
      values.put("sprints", ids(sprintIds));
      return this;
    }

    /**
     * A documented key with another value form (a string, number, boolean or a collection of
     * those).
     *
     * @throws IllegalArgumentException for a key COR does not document for {@code GET /tasks} (the
     *     message for {@code project_id} points to {@link #projects}), or another value type
     */
    public Builder with(String key, Object value) {
      values.with(key, value);
      return this;
    }

    public TaskFilter build() {
      return new TaskFilter(values.snapshot());
    }
  }
}
