package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One delivery of a webhook event, from {@code GET /rest/v1.0/webhooks/hooks/{hook_id}/deliveries}:
 * what Procore sent and how the endpoint answered. Field names as in Procore's {@code
 * WebhooksDelivery} and its guide.
 *
 * @param id {@code id}, the delivery's id (the key of {@code page_start})
 * @param eventId {@code event_id}
 * @param event {@code event}
 * @param outcome {@code outcome}
 * @param responseStatus {@code response_status}: a number in Procore's OpenAPI, {@code "200 OK"} in
 *     its guide; see {@link #statusCode()}
 * @param responseHeaders {@code response_headers}
 * @param responseError {@code response_error}
 * @param responseBody {@code response_body}
 * @param startedAt {@code started_at}
 * @param completedAt {@code completed_at}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WebhookDelivery(
    @JsonProperty("id") @Nullable Long id,
    @JsonProperty("event_id") @Nullable Long eventId,
    @JsonProperty("event") @Nullable WebhookEvent event,
    @JsonProperty("outcome") @Nullable Outcome outcome,
    @JsonProperty("response_status") @Nullable String responseStatus,
    @JsonProperty("response_headers") Map<String, Object> responseHeaders,
    @JsonProperty("response_error") @Nullable String responseError,
    @JsonProperty("response_body") @Nullable String responseBody,
    @JsonProperty("started_at") @Nullable Instant startedAt,
    @JsonProperty("completed_at") @Nullable Instant completedAt) {
  private static final Pattern LEADING_DIGITS =
      Pattern.compile("\\s*(\\d{3})\\b.*", Pattern.DOTALL);

  public WebhookDelivery {
    responseHeaders = responseHeaders == null ? Map.of() : Map.copyOf(responseHeaders);
  }

  /** The endpoint's HTTP status, read from {@link #responseStatus()}; empty if none. */
  public OptionalInt statusCode() {
    if (responseStatus == null) {
      return OptionalInt.empty();
    }
    Matcher m = LEADING_DIGITS.matcher(responseStatus);
    return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /** A delivery's {@code outcome}. */
  public enum Outcome {
    /** {@code "ok"}: the endpoint answered 2xx. */
    OK("ok"),
    /** {@code "retried"}: it failed and will be tried again (backoff up to an hour). */
    RETRIED("retried"),
    /** {@code "failed"}. */
    FAILED("failed"),
    /** {@code "discarded"}: dropped after 12 hours of retries. */
    DISCARDED("discarded"),
    /** A value this library does not know. */
    UNKNOWN("");

    private final String wireValue;

    Outcome(String wireValue) {
      this.wireValue = wireValue;
    }

    @JsonValue
    public String wireValue() {
      return wireValue;
    }

    /** The constant for {@code value} (case-insensitive), or {@link #UNKNOWN}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Outcome fromWire(String value) {
      String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
      for (Outcome o : values()) {
        if (o != UNKNOWN && o.wireValue.equals(v)) {
          return o;
        }
      }
      return UNKNOWN;
    }
  }
}
