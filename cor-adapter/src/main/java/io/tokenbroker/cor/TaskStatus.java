package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A task's status; COR uses Spanish values.
 *
 * <p>Sent as the string {@code status}. A value COR adds later reads as {@link #UNKNOWN} instead of
 * failing.
 */
public enum TaskStatus {
  /** {@code "nueva"}: new. */
  NUEVA("nueva"),
  /** {@code "en_proceso"}: in progress. */
  EN_PROCESO("en_proceso"),
  /** {@code "estancada"}: stalled. */
  ESTANCADA("estancada"),
  /** {@code "finalizada"}: completed. */
  FINALIZADA("finalizada"),
  /** A value this library does not know. */
  UNKNOWN("");

  private final String wireValue;

  TaskStatus(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The value on the wire; empty for {@link #UNKNOWN}. */
  @JsonValue
  public String wireValue() {
    return wireValue;
  }

  /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static TaskStatus fromWire(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (TaskStatus c : values()) {
      if (c != UNKNOWN && c.wireValue.equals(v)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
