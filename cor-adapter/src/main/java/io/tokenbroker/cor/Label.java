package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * A COR label, as in a user's {@code labels}. Field names as in COR's OpenAPI {@code Label}.
 *
 * @param id {@code id}
 * @param hex {@code hex}, e.g. {@code "#4caf50"}
 * @param hsl {@code hsl}, may be null
 * @param rgb {@code rgb}, may be null
 * @param lang {@code lang}
 * @param name {@code name}
 * @param colorId {@code color_id}
 */
public record Label(
    @JsonProperty("id") long id,
    @JsonProperty("hex") @Nullable String hex,
    @JsonProperty("hsl") @Nullable String hsl,
    @JsonProperty("rgb") @Nullable String rgb,
    @JsonProperty("lang") @Nullable String lang,
    @JsonProperty("name") @Nullable String name,
    @JsonProperty("color_id") @Nullable Long colorId) {}
