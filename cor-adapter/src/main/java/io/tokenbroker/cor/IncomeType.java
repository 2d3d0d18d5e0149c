package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a project is billed.
 *
 * <p>Sent as the string {@code income_type}. A value COR adds later reads as {@link #UNKNOWN}
 * instead of failing.
 */
public enum IncomeType {
  /** {@code "fee"}. */
  FEE("fee"),
  /** {@code "one_time"}. */
  ONE_TIME("one_time"),
  /** {@code "hourly_rate"}. */
  HOURLY_RATE("hourly_rate"),
  /** {@code "contract"}. */
  CONTRACT("contract"),
  /** A value this library does not know. */
  UNKNOWN("");

  private final String wireValue;

  IncomeType(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The value on the wire; empty for {@link #UNKNOWN}. */
  @JsonValue
  public String wireValue() {
    return wireValue;
  }

  /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static IncomeType fromWire(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (IncomeType c : values()) {
      if (c != UNKNOWN && c.wireValue.equals(v)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
