package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A company, from {@code GET /rest/v1.0/companies}. Fields other than {@code id} are null when
 * Procore leaves them out.
 *
 * @param id the company ID (may exceed 32 bits)
 * @param name the company name
 * @param isActive whether the company is active
 * @param logoUrl the logo's URL
 * @param pcnBusinessExperience whether the company has the Procore Construction Network business
 *     experience
 * @param myCompany whether this is the user's own company
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Company(
    @JsonProperty("id") long id,
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("is_active") @Nullable Boolean isActive,
    @JsonProperty("logo_url") @Nullable String logoUrl,
    @JsonProperty("pcn_business_experience") @Nullable Boolean pcnBusinessExperience,
    @JsonProperty("my_company") @Nullable Boolean myCompany) {}
