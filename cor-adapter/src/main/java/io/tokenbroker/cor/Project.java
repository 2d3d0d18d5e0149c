package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A COR project, from {@code GET /projects}, {@code GET /projects/{id}}, the name search and the
 * project writes. JSON names exactly as COR's {@code Project} schema; unknown fields are ignored.
 * {@code estimation_by_categories} ({@code bool|int}) and {@code estimated_by_hourly_rates} ({@code
 * bool|str}) are read as booleans. {@code usersPositionsProject}, {@code categoriesProject} and
 * {@code ratecard} come only from the single GET, as plain JSON values.
 *
 * @param id {@code id}
 * @param name {@code name}
 * @param brief {@code brief}
 * @param clientId {@code client_id}
 * @param health {@code health}
 * @param status {@code status}
 * @param start {@code start} ({@code "2025-01-15 00:00:00"})
 * @param end {@code end}
 * @param estimatedTime {@code estimated_time}
 * @param elapsedTime {@code elapsed_time}
 * @param profitabilityNow {@code profitability_now}
 * @param estimatedProfitability {@code estimated_profitability}
 * @param archived {@code archived}
 * @param billable {@code billable}
 * @param incomeType {@code income_type}
 * @param pmId {@code pm_id}
 * @param createdBy {@code created_by}
 * @param companyId {@code company_id}
 * @param templateId {@code template_id}
 * @param brandId {@code brand_id}
 * @param productId {@code product_id}
 * @param totalEstimated {@code total_estimated}
 * @param createdAt {@code created_at}
 * @param updatedAt {@code updated_at}
 * @param labels {@code labels} (label ids)
 * @param client {@code client}
 * @param pm {@code pm}
 * @param estimatedByPosition {@code estimated_by_position}
 * @param estimationByCategories {@code estimation_by_categories}
 * @param estimatedByHourlyRates {@code estimated_by_hourly_rates}
 * @param userPositionsHeaderId {@code user_positions_header_id}
 * @param feeId {@code fee_id}
 * @param contractId {@code contract_id}
 * @param usersPositionsProject {@code usersPositionsProject} (single GET only)
 * @param categoriesProject {@code categoriesProject} (single GET only)
 * @param ratecard {@code ratecard} (single GET only; empty otherwise)
 */
public record Project(
    @JsonProperty("id") long id,
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("brief") @Nullable String brief,
    @JsonProperty("client_id") @Nullable Long clientId,
    @JsonProperty("health") @Nullable ProjectHealth health,
    @JsonProperty("status") @Nullable ProjectStatus status,
    @JsonProperty("start") @Nullable CorDateTime start,
    @JsonProperty("end") @Nullable CorDateTime end,
    @JsonProperty("estimated_time") @Nullable Double estimatedTime,
    @JsonProperty("elapsed_time") @Nullable Double elapsedTime,
    @JsonProperty("profitability_now") @Nullable Double profitabilityNow,
    @JsonProperty("estimated_profitability") @Nullable Double estimatedProfitability,
    @JsonProperty("archived") @Nullable Boolean archived,
    @JsonProperty("billable") @Nullable Boolean billable,
    @JsonProperty("income_type") @Nullable IncomeType incomeType,
    @JsonProperty("pm_id") @Nullable Long pmId,
    @JsonProperty("created_by") @Nullable Long createdBy,
    @JsonProperty("company_id") @Nullable Long companyId,
    @JsonProperty("template_id") @Nullable Long templateId,
    @JsonProperty("brand_id") @Nullable Long brandId,
    @JsonProperty("product_id") @Nullable Long productId,
    @JsonProperty("total_estimated") @Nullable Double totalEstimated,
    @JsonProperty("created_at") @Nullable CorDateTime createdAt,
    @JsonProperty("updated_at") @Nullable CorDateTime updatedAt,
    @JsonProperty("labels") List<Long> labels,
    @JsonProperty("client") @Nullable ClientRef client,
    @JsonProperty("pm") @Nullable PersonRef pm,
    @JsonProperty("estimated_by_position") @Nullable Boolean estimatedByPosition,
    @JsonProperty("estimation_by_categories") @JsonDeserialize(using = CorJson.LenientBoolean.class)
        @Nullable Boolean estimationByCategories,
    @JsonProperty("estimated_by_hourly_rates")
        @JsonDeserialize(using = CorJson.LenientBoolean.class)
        @Nullable Boolean estimatedByHourlyRates,
    @JsonProperty("user_positions_header_id") @Nullable Long userPositionsHeaderId,
    @JsonProperty("fee_id") @Nullable Long feeId,
    @JsonProperty("contract_id") @Nullable Long contractId,
    @JsonProperty("usersPositionsProject") List<Map<String, Object>> usersPositionsProject,
    @JsonProperty("categoriesProject") List<Map<String, Object>> categoriesProject,
    @JsonProperty("ratecard") Map<String, Object> ratecard) {

  public Project {
    labels = labels == null ? List.of() : List.copyOf(labels);
    usersPositionsProject =
        usersPositionsProject == null ? List.of() : List.copyOf(usersPositionsProject);
    categoriesProject = categoriesProject == null ? List.of() : List.copyOf(categoriesProject);
    ratecard = ratecard == null ? Map.of() : ratecard;
  }

  /**
   * The project's {@code client} object.
   *
   * @param id {@code id}
   * @param name {@code name}
   * @param clientStatusId {@code client_status_id}
   */
  public record ClientRef(
      @JsonProperty("id") long id,
      @JsonProperty("name") @Nullable String name,
      @JsonProperty("client_status_id") @Nullable Long clientStatusId) {}

  /**
   * The project's {@code pm} object.
   *
   * @param id {@code id}
   * @param firstName {@code first_name}
   * @param lastName {@code last_name}
   * @param email {@code email}
   * @param role {@code role_id}
   */
  public record PersonRef(
      @JsonProperty("id") long id,
      @JsonProperty("first_name") @Nullable String firstName,
      @JsonProperty("last_name") @Nullable String lastName,
      @JsonProperty("email") @Nullable String email,
      @JsonProperty("role_id") @Nullable Role role) {}
}
