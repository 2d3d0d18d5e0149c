package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A webhook hook, from {@code /rest/v1.0/webhooks/hooks}: where Procore sends a company's or a
 * project's events. Field names as in Procore's {@code WebhooksHook}.
 *
 * <p>{@link #destinationHeaders()} holds what you configured, often a secret ({@code
 * Authorization}); {@link #toString()} shows only the header names.
 *
 * @param id {@code id}
 * @param apiVersion {@code api_version}: the payload format of the events, e.g. {@code "v2"}
 * @param namespace {@code namespace}: isolates one integration's hooks from another's
 * @param destinationUrl {@code destination_url}: the notification endpoint
 * @param destinationHeaders {@code destination_headers}: sent with every delivery
 * @param ownedByCompanyId {@code owned_by_company_id}
 * @param ownedByProjectId {@code owned_by_project_id}; null for a company-level hook
 * @param ownedByUserId {@code owned_by_user_id}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WebhookHook(
    @JsonProperty("id") long id,
    @JsonProperty("api_version") @Nullable String apiVersion,
    @JsonProperty("namespace") @Nullable String namespace,
    @JsonProperty("destination_url") @Nullable String destinationUrl,
    @JsonProperty("destination_headers") Map<String, String> destinationHeaders,
    @JsonProperty("owned_by_company_id") @Nullable Long ownedByCompanyId,
    @JsonProperty("owned_by_project_id") @Nullable Long ownedByProjectId,
    @JsonProperty("owned_by_user_id") @Nullable Long ownedByUserId) {

  public WebhookHook {
    destinationHeaders =
        destinationHeaders == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new TreeMap<>(destinationHeaders));
  }

  @Override
  public String toString() {
    return "WebhookHook[id="
        + id
        + ", apiVersion="
        + apiVersion
        + ", namespace="
        + namespace
        + ", destinationUrl="
        + destinationUrl
        + ", destinationHeaders="
        + destinationHeaders.keySet()
        + ", ownedByCompanyId="
        + ownedByCompanyId
        + ", ownedByProjectId="
        + ownedByProjectId
        + "]";
  }
}
