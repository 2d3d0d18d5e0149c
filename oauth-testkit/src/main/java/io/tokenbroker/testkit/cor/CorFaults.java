package io.tokenbroker.testkit.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.tokenbroker.testkit.Fault;

/**
 * {@link Fault}s with COR's failure answers, for {@link CorSandbox#enqueue}: the four documented
 * error body shapes, 417 validation arrays, 401s, and 429/500/503 without any rate-limit header.
 * Each is a canned answer the sandbox sends <em>instead of</em> processing one request.
 *
 * <p>A fault enqueued on a {@link CorSandbox} matches, by default, the next request to a REST
 * resource under {@code /v1} (not the auth endpoints and not the consent page); {@link
 * Fault#on(String)} narrows or widens it to a path prefix, such as {@code /v1/oauth/refreshtoken}.
 * The generic faults ({@link Fault#status}, {@link Fault#html}, {@link Fault#json}, ...) work the
 * same way.
 *
 * <pre>{@code
 * sandbox.enqueue(CorFaults.tooManyRequests());                         // 429, no headers
 * sandbox.enqueue(CorFaults.customError(400, "F010", "Malformed JSON"));
 * sandbox.enqueue(CorFaults.unauthorized().on("/v1/oauth/refreshtoken"));
 * }</pre>
 */
public final class CorFaults {
  private CorFaults() {}

  /** COR's {@code Error} shape: {@code {"error": <status>, "message": "<message>"}}. */
  public static Fault error(int status, String message) {
    requireNonNull(message, "message == null");
    return Fault.reply(CorErrors.error(status, message));
  }

  /** 401 {@code {"error":401,"message":"Unauthorized"}}, what COR answers for a bad token. */
  public static Fault unauthorized() {
    return error(401, "Unauthorized");
  }

  /** 403 {@code {"error":403,"message":"Forbidden"}}. */
  public static Fault forbidden() {
    return error(403, "Forbidden");
  }

  /**
   * {@code CORCustomError}: {@code {"status": <int>, "name": "CORCustomError", "code", "message"}}.
   */
  public static Fault customError(int status, String code, String message) {
    requireNonNull(code, "code == null");
    requireNonNull(message, "message == null");
    return Fault.reply(CorErrors.customError(status, code, message));
  }

  /**
   * {@code CORErrorResponse}: {@code {"status": "ERROR", "code", "message"}} (status is a string).
   */
  public static Fault errorResponse(int status, String code, String message) {
    requireNonNull(code, "code == null");
    requireNonNull(message, "message == null");
    return Fault.reply(CorErrors.errorResponse(status, code, message));
  }

  /**
   * 417 with a {@code ValidationErrorArray} of one item per {@code (field, validation)} pair, each
   * with the message {@code "<validation> validation failed on <field>"}.
   *
   * @param fieldsAndValidations alternating field names and validation names
   */
  public static Fault validation(String... fieldsAndValidations) {
    requireNonNull(fieldsAndValidations, "fieldsAndValidations == null");
    if (fieldsAndValidations.length == 0 || fieldsAndValidations.length % 2 != 0) {
      throw new IllegalArgumentException("give field/validation pairs");
    }
    ArrayNode array = CorSeed.JSON.createArrayNode();
    for (int i = 0; i < fieldsAndValidations.length; i += 2) {
      array.add(CorErrors.validationItem(fieldsAndValidations[i], fieldsAndValidations[i + 1]));
    }
    return Fault.reply(CorErrors.validation(array));
  }

  /** 429 with an empty body and no headers: COR publishes no rate-limit headers. */
  public static Fault tooManyRequests() {
    return Fault.status(429);
  }

  /** 500 with COR's {@code Error} shape. */
  public static Fault serverError() {
    return error(500, "Internal Server Error");
  }

  /** 503 with an empty body and no headers (COR's docs say "wait 5 minutes and retry"). */
  public static Fault serviceUnavailable() {
    return Fault.status(503);
  }
}
