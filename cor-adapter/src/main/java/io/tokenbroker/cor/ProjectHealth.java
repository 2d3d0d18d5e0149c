package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A project's health.
 *
 * <p>Sent as the integer {@code health}. A value COR adds later reads as {@link #UNKNOWN} instead
 * of failing.
 */
public enum ProjectHealth {
  /** {@code 1}: on track. */
  ON_TRACK(1),
  /** {@code 2}: at risk. */
  AT_RISK(2),
  /** {@code 3}: delayed. */
  DELAYED(3),
  /** {@code 4}: critical. */
  CRITICAL(4),
  /** A value this library does not know. */
  UNKNOWN(-1);

  private final int id;

  ProjectHealth(int id) {
    this.id = id;
  }

  /** The integer on the wire; -1 for {@link #UNKNOWN}. */
  @JsonValue
  public int id() {
    return id;
  }

  /** The constant for {@code id}, or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ProjectHealth fromId(int id) {
    for (ProjectHealth c : values()) {
      if (c != UNKNOWN && c.id == id) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
