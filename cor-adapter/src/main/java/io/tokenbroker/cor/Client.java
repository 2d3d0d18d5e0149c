package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A COR client (a customer of the COR account), from {@code GET /clients}, {@code GET
 * /clients/{id}}, the client search and the client writes. JSON names exactly as COR's {@code
 * Client} schema; all but {@code id} are strings. Unknown fields are ignored.
 *
 * @param id {@code id}
 * @param name {@code name}
 * @param businessName {@code business_name}
 * @param nameContact {@code name_contact}
 * @param lastNameContact {@code last_name_contact}
 * @param emailContact {@code email_contact}
 * @param website {@code website}
 * @param description {@code description}
 * @param condition {@code condition}, e.g. {@code "active"}
 * @param phone {@code phone}
 */
public record Client(
    @JsonProperty("id") long id,
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("business_name") @Nullable String businessName,
    @JsonProperty("name_contact") @Nullable String nameContact,
    @JsonProperty("last_name_contact") @Nullable String lastNameContact,
    @JsonProperty("email_contact") @Nullable String emailContact,
    @JsonProperty("website") @Nullable String website,
    @JsonProperty("description") @Nullable String description,
    @JsonProperty("condition") @Nullable String condition,
    @JsonProperty("phone") @Nullable String phone) {}
