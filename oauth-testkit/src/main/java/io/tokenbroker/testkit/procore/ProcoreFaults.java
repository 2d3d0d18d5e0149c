package io.tokenbroker.testkit.procore;

import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.Reply;

/**
 * {@link Fault}s with Procore's failure modes, for {@link ProcoreSandbox#enqueue}. Each applies,
 * first in first out, to the next request of its target: the token endpoint ({@code /oauth/token})
 * or the REST API ({@code /rest/...}, the target of generic faults too).
 *
 * <ul>
 *   <li>{@link #dropTokenResponseAfterProcessing()}: the token request is processed for real (a
 *       refresh token presented is burned, new tokens are issued) and then the connection is closed
 *       without a byte of answer: Procore's "lost response" lockout.
 *   <li>{@link #tokenResponse} and {@link #apiResponse}: a canned answer instead of processing
 *       (nothing is consumed). API answers still carry the rate-limit headers.
 *   <li>{@link #serviceUnavailable(long)}: a 503 with {@code Retry-After}, as Procore sends under
 *       heavy load.
 * </ul>
 */
public final class ProcoreFaults {
  private ProcoreFaults() {}

  /**
   * Processes the next token request for real, then drops the connection without answering. With a
   * refresh request this burns the refresh token and loses the new pair: the client can only
   * re-authorize.
   */
  public static Fault dropTokenResponseAfterProcessing() {
    return Fault.dropConnectionAfterGrant().when(ProcoreSandbox::isTokenRequest);
  }

  /** Answers the next token request with {@code status} and {@code body}, without processing it. */
  public static Fault tokenResponse(int status, String contentType, String body) {
    return Fault.response(status, contentType, body).when(ProcoreSandbox::isTokenRequest);
  }

  /** Answers the next API request with {@code status} and {@code body}, without processing it. */
  public static Fault apiResponse(int status, String contentType, String body) {
    return Fault.response(status, contentType, body).when(ProcoreSandbox::isApiRequest);
  }

  /** Answers the next API request 503 with {@code Retry-After: retryAfterSeconds}. */
  public static Fault serviceUnavailable(long retryAfterSeconds) {
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("retryAfterSeconds < 0: " + retryAfterSeconds);
    }
    return Fault.reply(Reply.text(503, "Service Unavailable"))
        .withHeader("Retry-After", Long.toString(retryAfterSeconds))
        .when(ProcoreSandbox::isApiRequest);
  }
}
