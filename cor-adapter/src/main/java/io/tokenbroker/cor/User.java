package io.tokenbroker.cor;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.DateTimeException;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A COR user, from {@code GET /me} and {@code GET /users}. JSON names exactly as COR's {@code User}
 * schema; fields COR leaves out (the {@code /me} example sends only some) are null, lists empty.
 * Unknown fields are ignored.
 *
 * @param id {@code id}
 * @param firstName {@code first_name}
 * @param lastName {@code last_name}
 * @param picture {@code picture} (a URL)
 * @param email {@code email}
 * @param cuil {@code cuil} (an Argentine tax id; often null)
 * @param remainingHours {@code remaining_hours}
 * @param userPositionId {@code user_position_id}
 * @param role {@code role_id}
 * @param dailyHours {@code daily_hours}
 * @param planId {@code plan_id} (4 Project Management, 5 Capacity Planning)
 * @param planName {@code plan_name}
 * @param hidden {@code hidden}
 * @param positionName {@code position_name}
 * @param categoryId {@code category_id}
 * @param categoryName {@code category_name}
 * @param gmt {@code gmt}, the user's UTC offset, e.g. {@code "-03:00"}
 * @param labels {@code labels}
 * @param leaves {@code leaves}, as plain JSON values (COR does not document their fields)
 */
public record User(
    @JsonProperty("id") long id,
    @JsonProperty("first_name") @Nullable String firstName,
    @JsonProperty("last_name") @Nullable String lastName,
    @JsonProperty("picture") @Nullable String picture,
    @JsonProperty("email") @Nullable String email,
    @JsonProperty("cuil") @Nullable String cuil,
    @JsonProperty("remaining_hours") @Nullable Double remainingHours,
    @JsonProperty("user_position_id") @Nullable Long userPositionId,
    @JsonProperty("role_id") @Nullable Role role,
    @JsonProperty("daily_hours") @Nullable Double dailyHours,
    @JsonProperty("plan_id") @Nullable Long planId,
    @JsonProperty("plan_name") @Nullable String planName,
    @JsonProperty("hidden") @Nullable Boolean hidden,
    @JsonProperty("position_name") @Nullable String positionName,
    @JsonProperty("category_id") @Nullable Long categoryId,
    @JsonProperty("category_name") @Nullable String categoryName,
    @JsonProperty("gmt") @Nullable String gmt,
    @JsonProperty("labels") List<Label> labels,
    @JsonProperty("leaves") List<Map<String, Object>> leaves) {

  public User {
    labels = labels == null ? List.of() : List.copyOf(labels);
    leaves = leaves == null ? List.of() : List.copyOf(leaves);
  }

  /**
   * {@link #gmt()} as an offset ({@code "-03:00"}, {@code "+5:30"}, {@code "Z"}); empty when absent
   * or unreadable. COR's zone-less times are taken to be in it (UNCONFIRMED).
   */
  public Optional<ZoneOffset> utcOffset() {
    if (gmt == null || gmt.isBlank()) {
      return Optional.empty();
    }
    String text = gmt.trim();
    // "-3:00" and "+5:30" (one-digit hours) are read as well as ISO's "-03:00".
    if (text.matches("[+-]\\d:\\d\\d")) {
      text = text.charAt(0) + "0" + text.substring(1);
    }
    try {
      return Optional.of(ZoneOffset.of(text));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }
}
