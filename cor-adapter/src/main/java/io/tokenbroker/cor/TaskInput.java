package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

/**
 * The body of {@code POST /tasks} and {@code PUT /tasks/{id}}, with the field names of COR's {@code
 * TaskInput} ({@code title} required, {@code project_id}) and {@code TaskUpdateInput} ({@code
 * title} required, plus {@code description}, {@code deadline}, {@code status}, {@code priority},
 * {@code archived}). COR documents only {@code title} and {@code project_id} for the create;
 * whether it takes the others there is UNCONFIRMED (they are sent if set).
 *
 * <pre>{@code
 * Task t = cor.createTask(TaskInput.builder("Design homepage mockup").projectId(5001).build());
 * cor.updateTask(t.id(), TaskInput.builder(t.title()).status(TaskStatus.EN_PROCESO).build());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskInput extends CorInput {
  private static final Set<String> TYPED =
      Set.of("title", "project_id", "description", "deadline", "status", "priority", "archived");

  private TaskInput(Builder b) {
    super(b.fields.snapshot());
  }

  /** A builder with {@code title}, which COR requires on both create and update. */
  public static Builder builder(String title) {
    return new Builder(title);
  }

  /** Builds a {@link TaskInput}. Not thread-safe. */
  public static final class Builder {
    private final Fields fields = new Fields(TYPED);

    private Builder(String title) {
      requireNonNull(title, "title == null");
      if (title.isBlank()) {
        throw new IllegalArgumentException("title is blank");
      }
      fields.put("title", title);
    }

    /** {@code project_id}. */
    public Builder projectId(long projectId) {
      fields.put("project_id", projectId);
      return this;
    }

    /** {@code description}. */
    public Builder description(String description) {
      fields.put("description", description);
      return this;
    }

    /** {@code deadline}, sent as ISO-8601 UTC in whole seconds ({@code 2024-01-15T18:00:00Z}). */
    public Builder deadline(Instant deadline) {
      fields.put(
          "deadline",
          requireNonNull(deadline, "deadline == null").truncatedTo(ChronoUnit.SECONDS).toString());
      return this;
    }

    /**
     * {@code status}.
     *
     * @throws IllegalArgumentException for {@link TaskStatus#UNKNOWN}
     */
    public Builder status(TaskStatus status) {
      if (requireNonNull(status, "status == null") == TaskStatus.UNKNOWN) {
        throw new IllegalArgumentException("cannot send UNKNOWN status");
      }
      fields.put("status", status.wireValue());
      return this;
    }

    /**
     * {@code priority} (0 low … 3 urgent).
     *
     * @throws IllegalArgumentException for {@link TaskPriority#UNKNOWN}
     */
    public Builder priority(TaskPriority priority) {
      if (requireNonNull(priority, "priority == null") == TaskPriority.UNKNOWN) {
        throw new IllegalArgumentException("cannot send UNKNOWN priority");
      }
      fields.put("priority", priority.id());
      return this;
    }

    /** {@code archived}. */
    public Builder archived(boolean archived) {
      fields.put("archived", archived);
      return this;
    }

    /**
     * Another field COR takes (a string, number, boolean or a collection of those).
     *
     * @throws IllegalArgumentException for a field with a typed setter, or another value type
     */
    public Builder with(String name, Object value) {
      fields.with(name, value);
      return this;
    }

    public TaskInput build() {
      return new TaskInput(this);
    }
  }
}
