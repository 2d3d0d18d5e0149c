package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One webhook event, as Procore POSTs it to a hook's destination and lists it in a delivery. All
 * three documented payload formats are read into the same fields:
 *
 * <ul>
 *   <li><b>v2.0</b> (legacy): {@code {id, ulid, timestamp, metadata{…}, user_id, company_id,
 *       project_id, api_version, event_type, resource_name, resource_id}} with numeric IDs;
 *   <li><b>v3.0</b>: the same plus {@code related_resources: [{id, name}]};
 *   <li><b>v4.0</b>: {@code {id (a ULID), timestamp, reason, company_id, project_id, user_id,
 *       resource_type, resource_id}} with every ID a string.
 * </ul>
 *
 * IDs of companies, projects, users and resources are read as numbers whether sent as numbers or
 * strings (null when absent or not numeric); the event's own {@code id} stays text. A delivery can
 * arrive more than once: deduplicate on {@link #dedupeKey()}.
 *
 * @param id the event's {@code id} (a number in v2/v3, a ULID in v4), as text
 * @param ulid {@code ulid} (v2/v3), or null
 * @param timestamp {@code timestamp} (UTC), or null if absent or unreadable
 * @param eventType {@code event_type} (v2/v3) or {@code reason} (v4)
 * @param reason the raw {@code event_type}/{@code reason} text
 * @param resourceName {@code resource_name} (v2/v3) or {@code resource_type} (v4), e.g. {@code
 *     "Projects"}
 * @param resourceId {@code resource_id}
 * @param companyId {@code company_id}
 * @param projectId {@code project_id}; null for company-level resources
 * @param userId {@code user_id}: who initiated the event
 * @param apiVersion {@code api_version} (v2/v3: {@code "v2.0"}, {@code "v3.0"}), or null
 * @param metadata {@code metadata} (v2/v3); empty fields otherwise
 * @param relatedResources {@code related_resources} (v3); empty otherwise
 */
public record WebhookEvent(
    String id,
    @Nullable String ulid,
    @Nullable Instant timestamp,
    WebhookEventType eventType,
    String reason,
    @Nullable String resourceName,
    @Nullable Long resourceId,
    @Nullable Long companyId,
    @Nullable Long projectId,
    @Nullable Long userId,
    @Nullable String apiVersion,
    Metadata metadata,
    List<RelatedResource> relatedResources) {

  public WebhookEvent {
    requireNonNull(id, "id == null");
    requireNonNull(eventType, "eventType == null");
    requireNonNull(reason, "reason == null");
    requireNonNull(metadata, "metadata == null");
    relatedResources = List.copyOf(requireNonNull(relatedResources, "relatedResources == null"));
  }

  /**
   * The event's {@code metadata}: where the change came from, to ignore your own changes.
   *
   * @param sourceUserId {@code source_user_id}
   * @param sourceCompanyId {@code source_company_id}
   * @param sourceProjectId {@code source_project_id}
   * @param sourceApplicationId {@code source_application_id}: the client id of the app that made
   *     the change
   * @param sourceOperationId {@code source_operation_id}
   */
  public record Metadata(
      @Nullable Long sourceUserId,
      @Nullable Long sourceCompanyId,
      @Nullable Long sourceProjectId,
      @Nullable String sourceApplicationId,
      @Nullable String sourceOperationId) {
    static final Metadata NONE = new Metadata(null, null, null, null, null);
  }

  /**
   * One item of v3.0's {@code related_resources}.
   *
   * @param id {@code id}
   * @param name {@code name}, e.g. {@code "Direct Costs"}
   */
  public record RelatedResource(@Nullable Long id, @Nullable String name) {}

  /** The key to deduplicate deliveries on: {@link #ulid()} when sent, else {@link #id()}. */
  public String dedupeKey() {
    return ulid != null ? ulid : id;
  }

  /**
   * Reads an event object of any documented payload version.
   *
   * @throws IllegalArgumentException if {@code node} is not a JSON object with an {@code id}
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static WebhookEvent fromJson(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("a webhook event is a JSON object");
    }
    String id = text(node, "id");
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("a webhook event has an id");
    }
    String reason = text(node, "event_type");
    if (reason == null) {
      reason = text(node, "reason");
    }
    String resource = text(node, "resource_name");
    if (resource == null) {
      resource = text(node, "resource_type");
    }
    JsonNode meta = node.get("metadata");
    Metadata metadata =
        meta == null || !meta.isObject()
            ? Metadata.NONE
            : new Metadata(
                number(meta, "source_user_id"),
                number(meta, "source_company_id"),
                number(meta, "source_project_id"),
                text(meta, "source_application_id"),
                text(meta, "source_operation_id"));
    List<RelatedResource> related = new ArrayList<>();
    JsonNode items = node.get("related_resources");
    if (items != null && items.isArray()) {
      for (JsonNode item : items) {
        if (item.isObject()) {
          related.add(new RelatedResource(number(item, "id"), text(item, "name")));
        }
      }
    }
    return new WebhookEvent(
        id,
        text(node, "ulid"),
        instant(text(node, "timestamp")),
        reason == null ? WebhookEventType.UNKNOWN : WebhookEventType.fromWire(reason),
        reason == null ? "" : reason,
        resource,
        number(node, "resource_id"),
        number(node, "company_id"),
        number(node, "project_id"),
        number(node, "user_id"),
        text(node, "api_version"),
        metadata,
        related);
  }

  private static @Nullable String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isValueNode() || value.isNull() ? null : value.asText();
  }

  private static @Nullable Long number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.asLong();
    }
    if (value.isTextual() && value.asText().trim().matches("-?\\d{1,18}")) {
      return Long.parseLong(value.asText().trim());
    }
    return null;
  }

  private static @Nullable Instant instant(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.trim()).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
