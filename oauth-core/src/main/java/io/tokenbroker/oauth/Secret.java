package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * A credential that must never be printed: {@link #toString()} is redacted and the raw value is
 * only available through the deliberately loud {@link #revealValue()}.
 *
 * <p>Equality compares values in constant time. Instances are immutable and thread-safe.
 */
public abstract sealed class Secret permits AccessToken, RefreshToken, ClientSecret {
  private final String value;

  Secret(String value) {
    requireNonNull(value, "value == null");
    if (value.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " is empty");
    }
    this.value = value;
  }

  /**
   * Returns the raw secret. Call it only where the value leaves the process as intended (an HTTP
   * header, a sealed store entry); grep for it in reviews.
   */
  public final String revealValue() {
    return value;
  }

  /** Whether this secret holds exactly {@code candidate}, compared in constant time. */
  public final boolean matches(String candidate) {
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  @SuppressWarnings("EqualsGetClass") // an access token never equals a refresh token of one value
  public final boolean equals(@Nullable Object other) {
    return other != null && other.getClass() == getClass() && ((Secret) other).matches(value);
  }

  @Override
  public final int hashCode() {
    return getClass().hashCode();
  }

  /** Returns {@code AccessToken[redacted]} and the like, never the value. */
  @Override
  public final String toString() {
    return getClass().getSimpleName() + "[redacted]";
  }
}
