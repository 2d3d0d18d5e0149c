package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Set;

/**
 * The approval status of a time entry.
 *
 * <p>Sent as the string {@code status}. COR's schema and its status-change input list different
 * sets; this is their union. A value COR adds later reads as {@link #UNKNOWN} instead of failing.
 */
public enum HourStatus {
  /** {@code "pending"}. */
  PENDING("pending"),
  /** {@code "approved"}. */
  APPROVED("approved"),
  /** {@code "rejected"}. */
  REJECTED("rejected"),
  /** {@code "paid"}. */
  PAID("paid"),
  /** {@code "discarded"}: in the status-change input only. */
  DISCARDED("discarded"),
  /** {@code "under_review"}: in the status-change input only. */
  UNDER_REVIEW("under_review"),
  /** {@code "invoiced"}: in the status-change input only. */
  INVOICED("invoiced"),
  /** A value this library does not know. */
  UNKNOWN("");

  /** The values {@code POST /hours/status-change} takes (COR's input enum). */
  public static final Set<HourStatus> STATUS_CHANGE_VALUES =
      Set.of(PENDING, APPROVED, DISCARDED, UNDER_REVIEW, INVOICED, PAID);

  private final String wireValue;

  HourStatus(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The value on the wire; empty for {@link #UNKNOWN}. */
  @JsonValue
  public String wireValue() {
    return wireValue;
  }

  /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static HourStatus fromWire(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (HourStatus c : values()) {
      if (c != UNKNOWN && c.wireValue.equals(v)) {
        return c;
      }
    }
    return UNKNOWN;
  }
}
