package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A canned answer that a {@link CorSandbox} sends <em>instead of</em> processing one request, to
 * test a client against COR's failure modes: the four documented error body shapes, 417 validation
 * arrays, 401s, and 429/500/503 without any rate-limit header.
 *
 * <p>{@link CorSandbox#enqueue Enqueued} faults apply first in first out. By default a fault
 * matches the next request to a REST resource under {@code /v1} (not the auth endpoints and not the
 * consent page); {@link #on(String)} narrows or widens it to a path prefix, such as {@code
 * /v1/oauth/refreshtoken}.
 *
 * <pre>{@code
 * sandbox.enqueue(CorFault.tooManyRequests());                         // 429, no headers
 * sandbox.enqueue(CorFault.customError(400, "F010", "Malformed JSON"));
 * sandbox.enqueue(CorFault.unauthorized().on("/v1/oauth/refreshtoken"));
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@code with...} and {@link #on} return new instances.
 */
public final class CorFault {
  private final int status;
  private final @Nullable String contentType;
  private final byte[] body;
  private final Map<String, String> headers;
  private final @Nullable String pathPrefix;
  private final String description;

  private CorFault(
      int status,
      @Nullable String contentType,
      byte[] body,
      Map<String, String> headers,
      @Nullable String pathPrefix,
      String description) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
    this.pathPrefix = pathPrefix;
    this.description = description;
  }

  private static CorFault of(int status, @Nullable String contentType, String body, String what) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be 200..599: " + status);
    }
    return new CorFault(status, contentType, body.getBytes(UTF_8), Map.of(), null, what);
  }

  /** {@code status} with an empty body and no headers. */
  public static CorFault status(int status) {
    return of(status, null, "", "status " + status);
  }

  /** {@code status} with the JSON text {@code body}, sent verbatim (it may be invalid JSON). */
  public static CorFault json(int status, String body) {
    requireNonNull(body, "body == null");
    return of(status, CorReply.JSON_TYPE, body, "json " + status);
  }

  /** {@code status} with an HTML error page, as a proxy or load balancer would answer. */
  public static CorFault html(int status) {
    return of(
        status,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><title>"
            + status
            + "</title></head><body><h1>"
            + status
            + "</h1><p>upstream error</p></body></html>",
        "html " + status);
  }

  /** COR's {@code Error} shape: {@code {"error": <status>, "message": "<message>"}}. */
  public static CorFault error(int status, String message) {
    return json(status, CorReply.errorShape(status, message).toString());
  }

  /** 401 {@code {"error":401,"message":"Unauthorized"}}, what COR answers for a bad token. */
  public static CorFault unauthorized() {
    return error(401, "Unauthorized");
  }

  /** 403 {@code {"error":403,"message":"Forbidden"}}. */
  public static CorFault forbidden() {
    return error(403, "Forbidden");
  }

  /**
   * {@code CORCustomError}: {@code {"status": <int>, "name": "CORCustomError", "code", "message"}}.
   */
  public static CorFault customError(int status, String code, String message) {
    return json(status, CorReply.customErrorShape(status, code, message).toString());
  }

  /**
   * {@code CORErrorResponse}: {@code {"status": "ERROR", "code", "message"}} (status is a string).
   */
  public static CorFault errorResponse(int status, String code, String message) {
    return json(status, CorReply.errorResponseShape(code, message).toString());
  }

  /**
   * 417 with a {@code ValidationErrorArray} of one item per {@code (field, validation)} pair, each
   * with the message {@code "<validation> validation failed on <field>"}.
   *
   * @param fieldsAndValidations alternating field names and validation names
   */
  public static CorFault validation(String... fieldsAndValidations) {
    requireNonNull(fieldsAndValidations, "fieldsAndValidations == null");
    if (fieldsAndValidations.length == 0 || fieldsAndValidations.length % 2 != 0) {
      throw new IllegalArgumentException("give field/validation pairs");
    }
    ArrayNode array = CorSeed.JSON.createArrayNode();
    for (int i = 0; i < fieldsAndValidations.length; i += 2) {
      array.add(CorReply.validationItem(fieldsAndValidations[i], fieldsAndValidations[i + 1]));
    }
    return json(417, array.toString());
  }

  /** 429 with an empty body and no headers: COR publishes no rate-limit headers. */
  public static CorFault tooManyRequests() {
    return of(429, null, "", "429");
  }

  /** 500 with COR's {@code Error} shape. */
  public static CorFault serverError() {
    return error(500, "Internal Server Error");
  }

  /** 503 with an empty body and no headers (COR's docs say "wait 5 minutes and retry"). */
  public static CorFault serviceUnavailable() {
    return of(503, null, "", "503");
  }

  /** This fault with a response header added. */
  public CorFault withHeader(String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new CorFault(
        status, contentType, body, Collections.unmodifiableMap(copy), pathPrefix, description);
  }

  /** This fault with {@code Retry-After: value} (COR does not document one; for tests). */
  public CorFault withRetryAfter(String value) {
    return withHeader("Retry-After", value);
  }

  /**
   * This fault, matching only requests whose path starts with {@code pathPrefix} (any path of the
   * sandbox, auth endpoints and the consent page included).
   */
  public CorFault on(String pathPrefix) {
    requireNonNull(pathPrefix, "pathPrefix == null");
    if (!pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException("pathPrefix must start with /: " + pathPrefix);
    }
    return new CorFault(status, contentType, body, headers, pathPrefix, description);
  }

  boolean matches(String path, boolean resource) {
    return pathPrefix == null ? resource : path.startsWith(pathPrefix);
  }

  CorReply reply() {
    return new CorReply(status, contentType, body, headers);
  }

  @Override
  public String toString() {
    return "CorFault["
        + description
        + (pathPrefix == null ? "" : " on " + pathPrefix)
        + (headers.isEmpty() ? "" : ", headers " + headers.keySet())
        + "]";
  }
}
