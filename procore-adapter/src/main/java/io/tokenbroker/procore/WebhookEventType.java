package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What happened to a resource, as a webhook trigger's {@code event_type} and an event's {@code
 * event_type} (payload v2.0/v3.0) or {@code reason} (v4.0, which "can include more than create,
 * update, and delete": those read as {@link #UNKNOWN}, the raw value stays in {@link
 * WebhookEvent#reason()}).
 */
public enum WebhookEventType {
  /** {@code "create"}. */
  CREATE("create"),
  /** {@code "update"}. */
  UPDATE("update"),
  /** {@code "delete"}. */
  DELETE("delete"),
  /** A value this library does not know; never sent. */
  UNKNOWN("");

  private final String wireValue;

  WebhookEventType(String wireValue) {
    this.wireValue = wireValue;
  }

  /** The value on the wire; empty for {@link #UNKNOWN}. */
  @JsonValue
  public String wireValue() {
    return wireValue;
  }

  /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static WebhookEventType fromWire(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    for (WebhookEventType t : values()) {
      if (t != UNKNOWN && t.wireValue.equals(v)) {
        return t;
      }
    }
    return UNKNOWN;
  }
}
