package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A user's role in COR.
 *
 * <p>Sent as the integer {@code role_id}. A value COR adds later reads as {@link #UNKNOWN} instead
 * of failing.
 */
public enum Role {
  /** {@code 1}: C-Level. */
  C_LEVEL(1),
  /** {@code 2}: Director. */
  DIRECTOR(2),
  /** {@code 3}: Project Manager. */
  PROJECT_MANAGER(3),
  /** {@code 4}: Collaborator. */
  COLLABORATOR(4),
  /** {@code 5}: Freelancer. */
  FREELANCER(5),
  /** {@code 6}: Client. */
  CLIENT(6),
  /** A value this library does not know. */
  UNKNOWN(-1);

  private final int id;

  Role(int id) {
    this.id = id;
  }

  /** The integer on the wire; -1 for {@link #UNKNOWN}. */
  @JsonValue
  public int id() {
    return id;
  }

  /** The constant for {@code id}, or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Role fromId(int id) {
    for (Role c : values()) {
      if (c != UNKNOWN && c.id == id) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
