package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A project, with the fields Procore documents for {@code GET /rest/v1.0/projects} (v1.0
 * "Project"). Every field but {@code id} is null when absent: the {@code compact} serializer view
 * sends only {@code id}, {@code name} and {@code display_name}. IDs are {@code long}; objects whose
 * shape Procore leaves open ({@code project_stage}, {@code project_template}, {@code
 * custom_fields}) are kept as maps of plain JSON values, and {@code origin_data} as whatever JSON
 * value it is (string, number, map or list).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Project(
    @JsonProperty("id") long id,
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("is_demo") @Nullable Boolean isDemo,
    @JsonProperty("parent_job_id") @Nullable Long parentJobId,
    @JsonProperty("display_name") @Nullable String displayName,
    @JsonProperty("project_number") @Nullable String projectNumber,
    @JsonProperty("address") @Nullable String address,
    @JsonProperty("city") @Nullable String city,
    @JsonProperty("state_code") @Nullable String stateCode,
    @JsonProperty("country_code") @Nullable String countryCode,
    @JsonProperty("zip") @Nullable String zip,
    @JsonProperty("county") @Nullable String county,
    @JsonProperty("time_zone") @Nullable String timeZone,
    @JsonProperty("latitude") @Nullable Double latitude,
    @JsonProperty("longitude") @Nullable Double longitude,
    @JsonProperty("stage") @Nullable String stage,
    @JsonProperty("project_stage") @Nullable Map<String, Object> projectStage,
    @JsonProperty("project_template") @Nullable Map<String, Object> projectTemplate,
    @JsonProperty("phone") @Nullable String phone,
    @JsonProperty("created_at") @Nullable Instant createdAt,
    @JsonProperty("updated_at") @Nullable Instant updatedAt,
    @JsonProperty("active") @Nullable Boolean active,
    @JsonProperty("origin_id") @Nullable String originId,
    @JsonProperty("origin_data") @Nullable Object originData,
    @JsonProperty("origin_code") @Nullable String originCode,
    @JsonProperty("owners_project_id") @Nullable Long ownersProjectId,
    @JsonProperty("total_value") @Nullable BigDecimal totalValue,
    @JsonProperty("store_number") @Nullable String storeNumber,
    @JsonProperty("accounting_project_number") @Nullable String accountingProjectNumber,
    @JsonProperty("designated_market_area") @Nullable String designatedMarketArea,
    @JsonProperty("project_region_id") @Nullable Long projectRegionId,
    @JsonProperty("project_bid_type_id") @Nullable Long projectBidTypeId,
    @JsonProperty("project_owner_type_id") @Nullable Long projectOwnerTypeId,
    @JsonProperty("photo_id") @Nullable Long photoId,
    @JsonProperty("start_date") @Nullable LocalDate startDate,
    @JsonProperty("completion_date") @Nullable LocalDate completionDate,
    @JsonProperty("estimated_value") @Nullable BigDecimal estimatedValue,
    @JsonProperty("fax") @Nullable String fax,
    @JsonProperty("company") @Nullable CompanyRef company,
    @JsonProperty("custom_fields") @Nullable Map<String, Object> customFields) {

  /**
   * The company a project belongs to, as embedded in it.
   *
   * @param id the company ID
   * @param name the company name
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record CompanyRef(
      @JsonProperty("id") long id, @JsonProperty("name") @Nullable String name) {}
}
