package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A COR time entry, from {@code GET /hours} and {@code POST /hours}. JSON names exactly as COR's
 * {@code Hour} schema; the answer to {@code POST /hours} carries only {@code id}, {@code
 * task_log_id}, {@code start}, {@code stop} and {@code status}, so the rest is null there. The
 * nested {@code user}, {@code client}, {@code project}, {@code task}, {@code userPosition}, {@code
 * billInput} and {@code rework_hour} objects are not documented field by field and are ignored.
 *
 * @param id {@code id}
 * @param start {@code start}
 * @param stop {@code stop}; null for a running timer
 * @param duration {@code duration}, a decimal number of hours sent as a string (e.g. {@code
 *     "2.0000000000000000"}); see {@link #durationHours()}
 * @param cost {@code cost}
 * @param userId {@code user_id}
 * @param taskLogId {@code task_log_id}, the task
 * @param projectId {@code project_id}
 * @param clientId {@code client_id}
 * @param createdAt {@code created_at}
 * @param status {@code status}
 * @param statusChangedBy {@code status_changed_by}
 * @param statusChangedAt {@code status_changed_at}
 * @param type {@code type}, e.g. {@code "TASK"}
 * @param taskLogReworkId {@code task_log_rework_id}
 * @param comments {@code comments}
 */
public record Hour(
    @JsonProperty("id") long id,
    @JsonProperty("start") @Nullable CorDateTime start,
    @JsonProperty("stop") @Nullable CorDateTime stop,
    @JsonProperty("duration") @Nullable String duration,
    @JsonProperty("cost") @Nullable Double cost,
    @JsonProperty("user_id") @Nullable Long userId,
    @JsonProperty("task_log_id") @Nullable Long taskLogId,
    @JsonProperty("project_id") @Nullable Long projectId,
    @JsonProperty("client_id") @Nullable Long clientId,
    @JsonProperty("created_at") @Nullable CorDateTime createdAt,
    @JsonProperty("status") @Nullable HourStatus status,
    @JsonProperty("status_changed_by") @Nullable Long statusChangedBy,
    @JsonProperty("status_changed_at") @Nullable CorDateTime statusChangedAt,
    @JsonProperty("type") @Nullable String type,
    @JsonProperty("task_log_rework_id") @Nullable Long taskLogReworkId,
    @JsonProperty("comments") @Nullable String comments) {

  /** {@link #duration()} as an exact number of hours, if present and numeric. */
  public Optional<BigDecimal> durationHours() {
    if (duration == null || duration.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new BigDecimal(duration.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
