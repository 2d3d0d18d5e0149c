package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

/**
 * The identity of one stored authorization, for example {@code procore/company-42/ops-user}.
 *
 * <p>Any non-blank Unicode string of at most {@value #MAX_LENGTH} characters without control
 * characters. Stores must map it to their own naming safely (no path traversal, no collisions).
 * Grant keys are not secret: they appear in logs, events and exception messages.
 */
public record GrantKey(String value) implements Comparable<GrantKey> {
  /** The longest key accepted, in UTF-16 chars. */
  public static final int MAX_LENGTH = 256;

  public GrantKey {
    requireNonNull(value, "value == null");
    if (value.isBlank()) {
      throw new IllegalArgumentException("grant key is blank");
    }
    if (value.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "grant key is longer than " + MAX_LENGTH + " characters: " + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new IllegalArgumentException("grant key contains a control character at index " + i);
      }
    }
  }

  /** Returns the key for {@code value}. */
  public static GrantKey of(String value) {
    return new GrantKey(value);
  }

  @Override
  public int compareTo(GrantKey other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
