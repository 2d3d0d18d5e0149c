package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A project's status.
 *
 * <p>Sent as the string {@code status}. COR's schema lists {@code active}, {@code finished} and
 * {@code suspended}, while its projects filter takes {@code in_process} for running projects; both
 * are here. A value COR adds later reads as {@link #UNKNOWN} instead of failing.
 */
public enum ProjectStatus {
  /** {@code "active"}: what project rows carry while running. */
  ACTIVE("active"),
  /** {@code "in_process"}: what the projects filter takes for running projects. */
  IN_PROCESS("in_process"),
  /** {@code "finished"}. */
  FINISHED("finished"),
  /** {@code "suspended"}. */
  SUSPENDED("suspended"),
  /** A value this library does not know. */
  UNKNOWN("");

  private final String wireValue;

  ProjectStatus(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The value on the wire; empty for {@link #UNKNOWN}. */
  @JsonValue
  public String wireValue() {
    return wireValue;
  }

  /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static ProjectStatus fromWire(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (ProjectStatus c : values()) {
      if (c != UNKNOWN && c.wireValue.equals(v)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
