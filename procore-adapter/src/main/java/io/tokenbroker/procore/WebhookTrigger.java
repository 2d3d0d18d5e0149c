package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A webhook trigger, from {@code /rest/v1.0/webhooks/hooks/{hook_id}/triggers}: which resource's
 * which event a hook is notified of. Field names as in Procore's {@code WebhooksTrigger}.
 *
 * @param id {@code id}
 * @param webhookHookId {@code webhook_hook_id}
 * @param resourceName {@code resource_name}, e.g. {@code "Projects"} or {@code "RFIs"}
 * @param resourceId {@code resource_id}
 * @param eventType {@code event_type}
 * @param companyId {@code company_id} (company scope)
 * @param projectId {@code project_id} (project scope)
 * @param userId {@code user_id}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WebhookTrigger(
    @JsonProperty("id") long id,
    @JsonProperty("webhook_hook_id") @Nullable Long webhookHookId,
    @JsonProperty("resource_name") @Nullable String resourceName,
    @JsonProperty("resource_id") @Nullable Long resourceId,
    @JsonProperty("event_type") @Nullable WebhookEventType eventType,
    @JsonProperty("company_id") @Nullable Long companyId,
    @JsonProperty("project_id") @Nullable Long projectId,
    @JsonProperty("user_id") @Nullable Long userId) {}
