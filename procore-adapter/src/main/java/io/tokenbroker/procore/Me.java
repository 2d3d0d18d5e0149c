package io.tokenbroker.procore;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.jspecify.annotations.Nullable;

/**
 * The user a token speaks for, from {@code GET /rest/v1.0/me}.
 *
 * @param id the user ID (may exceed 32 bits)
 * @param login the login e-mail address
 * @param name the display name
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Me(long id, @Nullable String login, @Nullable String name) {}
