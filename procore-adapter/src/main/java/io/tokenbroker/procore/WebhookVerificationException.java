package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

/**
 * An incoming request is not a webhook delivery this app should trust or can read ({@link
 * WebhookVerifier#verify}). Answer it with a 4xx and do not act on it. The message names the reason
 * and the header, never a header value or the body. Immutable.
 */
public final class WebhookVerificationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request was refused. */
  public enum Reason {
    /** A header the hook was configured to send is missing or sent more than once. */
    MISSING_HEADER,
    /** A configured header has another value: not from this hook (or the secret was rotated). */
    WRONG_HEADER,
    /** The body is larger than the verifier accepts. */
    TOO_LARGE,
    /** The request does not declare JSON, or its body is not a JSON object. */
    NOT_JSON,
    /** The body is JSON but not a webhook event (no {@code id}). */
    NOT_AN_EVENT
  }

  private final Reason reason;

  WebhookVerificationException(Reason reason, String message) {
    super(message);
    this.reason = requireNonNull(reason, "reason == null");
  }

  public Reason reason() {
    return reason;
  }
}
