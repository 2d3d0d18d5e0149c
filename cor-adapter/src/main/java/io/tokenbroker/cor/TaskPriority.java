package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A task's priority.
 *
 * <p>Sent as the integer {@code priority}. A value COR adds later reads as {@link #UNKNOWN} instead
 * of failing.
 */
public enum TaskPriority {
  /** {@code 0}: low. */
  LOW(0),
  /** {@code 1}: medium. */
  MEDIUM(1),
  /** {@code 2}: high. */
  HIGH(2),
  /** {@code 3}: urgent. */
  URGENT(3),
  /** A value this library does not know. */
  UNKNOWN(-1);

  private final int id;

  TaskPriority(int id) {
    this.id = id;
  }

  /** The integer on the wire; -1 for {@link #UNKNOWN}. */
  @JsonValue
  public int id() {
    return id;
  }

  /** The constant for {@code id}, or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TaskPriority fromId(int id) {
    for (TaskPriority c : values()) {
      if (c != UNKNOWN && c.id == id) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
