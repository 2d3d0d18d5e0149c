package io.tokenbroker.spring;

import java.util.Locale;

/**
 * What a grant can do right now, as the health indicator, the {@code tokenbroker} endpoint and the
 * {@code tokenbroker.grants} gauge report it ({@link #value()} is the tag and JSON value).
 */
public enum GrantState {
  /** An access token is held and not expired. */
  VALID,
  /** The access token expired; the grant renews on next use. */
  EXPIRED,
  /**
   * Nothing is stored yet: a client-credentials grant fetches its first token on first use; an
   * authorization-code grant waits for a consent ({@code tokenbroker login NAME} on the same
   * store).
   */
  NO_TOKEN,
  /** The grant is dead (refresh token revoked, expired or reused): consent again. */
  REAUTHORIZATION_REQUIRED,
  /** The store could not be read, or the entry cannot be opened with the keyset. */
  UNAVAILABLE;

  /** The lowercase name, e.g. {@code reauthorization_required}. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
