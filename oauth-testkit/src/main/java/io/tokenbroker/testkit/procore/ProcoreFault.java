package io.tokenbroker.testkit.procore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scripted misbehaviour of a {@link ProcoreSandbox} for one request. {@link
 * ProcoreSandbox#enqueue Enqueued} faults apply first in first out, each to the next request of its
 * target: the token endpoint ({@code /oauth/token}) or the REST API ({@code /rest/...}).
 *
 * <ul>
 *   <li>{@link #dropTokenResponseAfterProcessing()}: the token request is processed for real (a
 *       refresh token presented is burned, new tokens are issued) and then the connection is closed
 *       without a byte of answer: Procore's "lost response" lockout.
 *   <li>{@link #tokenResponse} and {@link #apiResponse}: a canned answer instead of processing
 *       (nothing is consumed).
 *   <li>{@link #serviceUnavailable(long)}: a 503 with {@code Retry-After}, as Procore sends under
 *       heavy load.
 * </ul>
 *
 * <p>Immutable and thread-safe; {@code toString()} shows no body.
 */
public final class ProcoreFault {
  enum Target {
    TOKEN,
    API
  }

  enum Kind {
    RESPOND,
    DROP_AFTER_PROCESSING
  }

  private final Target target;
  private final Kind kind;
  private final int status;
  private final String contentType;
  private final byte[] body;
  private final Map<String, String> headers;
  private final String description;

  private ProcoreFault(
      Target target,
      Kind kind,
      int status,
      String contentType,
      byte[] body,
      Map<String, String> headers,
      String description) {
    this.target = target;
    this.kind = kind;
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
    this.description = description;
  }

  /**
   * Processes the next token request for real, then drops the connection without answering. With a
   * refresh request this burns the refresh token and loses the new pair: the client can only
   * re-authorize.
   */
  public static ProcoreFault dropTokenResponseAfterProcessing() {
    return new ProcoreFault(
        Target.TOKEN,
        Kind.DROP_AFTER_PROCESSING,
        0,
        "",
        new byte[0],
        Map.of(),
        "drop token response");
  }

  /** Answers the next token request with {@code status} and {@code body}, without processing it. */
  public static ProcoreFault tokenResponse(int status, String contentType, String body) {
    return respond(Target.TOKEN, status, contentType, body);
  }

  /** Answers the next API request with {@code status} and {@code body}, without processing it. */
  public static ProcoreFault apiResponse(int status, String contentType, String body) {
    return respond(Target.API, status, contentType, body);
  }

  /** Answers the next API request 503 with {@code Retry-After: retryAfterSeconds}. */
  public static ProcoreFault serviceUnavailable(long retryAfterSeconds) {
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("retryAfterSeconds < 0: " + retryAfterSeconds);
    }
    return respond(Target.API, 503, "text/plain; charset=utf-8", "Service Unavailable")
        .withHeader("Retry-After", Long.toString(retryAfterSeconds));
  }

  private static ProcoreFault respond(Target target, int status, String contentType, String body) {
    requireNonNull(contentType, "contentType == null");
    requireNonNull(body, "body == null");
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be 200..599: " + status);
    }
    return new ProcoreFault(
        target,
        Kind.RESPOND,
        status,
        contentType,
        body.getBytes(UTF_8),
        Map.of(),
        target.name().toLowerCase(java.util.Locale.ROOT) + " status " + status);
  }

  /** This fault with a response header added (ignored when the connection is dropped). */
  public ProcoreFault withHeader(String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new ProcoreFault(
        target, kind, status, contentType, body, Collections.unmodifiableMap(copy), description);
  }

  Target target() {
    return target;
  }

  Kind kind() {
    return kind;
  }

  SandboxReply reply() {
    return new SandboxReply(status, contentType, body, headers);
  }

  @Override
  public String toString() {
    return "ProcoreFault[" + description + "]";
  }
}
