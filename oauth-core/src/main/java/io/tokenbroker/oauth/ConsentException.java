package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/** A consent (authorization code or device authorization) did not produce tokens. */
public final class ConsentException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** Why the consent failed. */
  public enum Kind {
    /** The user (or the server) refused: {@code error=access_denied}. */
    ACCESS_DENIED,
    /** The callback's {@code state} did not match: a forged or stale callback. */
    STATE_MISMATCH,
    /** No callback arrived in time. */
    TIMEOUT,
    /** The callback carried another OAuth error. */
    ERROR_RESPONSE,
    /** The callback could not be understood (no code, wrong shape). */
    INVALID_CALLBACK,
    /**
     * The callback's {@code iss} is missing where the server promised it, or names another issuer
     * (RFC 9207): a mix-up attack or a misconfiguration.
     */
    ISSUER_MISMATCH,
    /** The device code expired before the user approved ({@code expired_token}, RFC 8628). */
    EXPIRED,
    /**
     * No started consent matches the callback's {@code state} ({@link
     * TokenBroker#completeAuthorization}): it was completed already (a replayed callback), it
     * expired ({@link TokenBroker.Builder#pendingConsentLifetime}), or it was never started with
     * this store. Start a new consent.
     */
    UNKNOWN_STATE
  }

  private final Kind kind;

  /** Creates a consent failure; {@code oauthError} is the callback's {@code error}, if any. */
  public ConsentException(
      String message, Kind kind, @Nullable String oauthError, @Nullable String errorDescription) {
    super(
        describe(message, 0, oauthError, errorDescription),
        0,
        oauthError,
        errorDescription,
        null,
        null);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
