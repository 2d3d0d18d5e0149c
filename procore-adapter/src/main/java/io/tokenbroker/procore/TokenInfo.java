package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@code GET /oauth/token/info} says about an access token. Contains no secret.
 *
 * @param resourceOwnerId the user the token acts for; null for client-credentials tokens
 * @param scopes the token's scopes (often empty)
 * @param expiresInSeconds seconds until the token expires
 * @param application the app the token was issued to
 * @param createdAt when the token was issued, Unix seconds
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenInfo(
    @JsonProperty("resource_owner_id") @Nullable Long resourceOwnerId,
    @JsonProperty("scopes") List<String> scopes,
    @JsonProperty("expires_in_seconds") long expiresInSeconds,
    @JsonProperty("application") @Nullable Application application,
    @JsonProperty("created_at") long createdAt) {

  public TokenInfo {
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  /** {@link #createdAt} as an instant. */
  public Instant createdAtInstant() {
    return Instant.ofEpochSecond(createdAt);
  }

  /**
   * The app a token belongs to.
   *
   * @param uid the app's client ID
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Application(@JsonProperty("uid") @Nullable String uid) {}
}
