package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A COR task, from {@code GET /tasks}, {@code GET /tasks/{id}}, the title search and the task
 * writes. JSON names exactly as COR's {@code Task} schema; unknown fields are ignored.
 *
 * @param id {@code id}
 * @param title {@code title}
 * @param projectId {@code project_id}
 * @param description {@code description}
 * @param deadline {@code deadline} (ISO with {@code Z} in COR's examples)
 * @param status {@code status} ({@code nueva}, {@code en_proceso}, {@code estancada}, {@code
 *     finalizada})
 * @param priority {@code priority} (0 low … 3 urgent)
 * @param archived {@code archived}
 */
public record Task(
    @JsonProperty("id") long id,
    @JsonProperty("title") @Nullable String title,
    @JsonProperty("project_id") @Nullable Long projectId,
    @JsonProperty("description") @Nullable String description,
    @JsonProperty("deadline") @Nullable CorDateTime deadline,
    @JsonProperty("status") @Nullable TaskStatus status,
    @JsonProperty("priority") @Nullable TaskPriority priority,
    @JsonProperty("archived") @Nullable Boolean archived) {}
