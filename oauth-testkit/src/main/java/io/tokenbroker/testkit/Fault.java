package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A scripted misbehaviour of a {@link LoopbackServer} (and so of {@link FakeAuthorizationServer}
 * and the vendor sandboxes) for one request.
 *
 * <p>{@link LoopbackServer#enqueue(Fault) Enqueued} faults apply, first in first out, each to the
 * next request it matches: by default the requests the server names (the token and refresh
 * endpoints of {@link FakeAuthorizationServer}, the REST resources of the sandboxes), or those
 * chosen by {@link #on(String)} or {@link #when(Predicate)}. A {@link
 * LoopbackServer.FaultDispatcher} may also return one for any request. There are three families:
 *
 * <ul>
 *   <li><b>canned responses</b> ({@link #status}, {@link #response}, {@link #json}, {@link #html},
 *       {@link #malformedJson}, {@link #oversizedBody}, {@link #reply}): the server answers with
 *       them <em>instead of</em> processing the request, so no code or refresh token is consumed;
 *   <li><b>after-the-fact faults</b> ({@link #dropConnectionAfterGrant}, {@link #successMissing},
 *       {@link #successWith}): the server processes the request for real (codes and refresh tokens
 *       are consumed, tokens are issued) and then loses or mangles the answer;
 *   <li>{@link #delay}: the server waits, then processes the request normally.
 * </ul>
 *
 * <p>Every fault can also carry a {@link #withDelay delay} and extra {@link #withHeader headers}
 * (e.g. {@link #withRetryAfter Retry-After}). Immutable and thread-safe; the {@code with...},
 * {@link #on} and {@link #when} methods return new instances. {@code toString()} shows no body.
 *
 * <pre>{@code
 * server.enqueue(Fault.status(503).withRetryAfter("2"));
 * server.enqueue(Fault.dropConnectionAfterGrant());
 * sandbox.enqueue(Fault.status(429).on("/v1/oauth/refreshtoken"));
 * }</pre>
 */
public final class Fault {
  enum Kind {
    /** Answer with the canned response, do not process. */
    RESPOND,
    /** Process normally (after the delay). */
    PROCEED,
    /** Process, then close the connection without answering. */
    DROP_AFTER_PROCESSING,
    /** Process, then patch the fields of a successful JSON answer. */
    PATCH_SUCCESS
  }

  /** Marks a field that {@link #successMissing} removes. */
  static final Object REMOVE = new Object();

  private final Kind kind;
  private final @Nullable Reply reply;
  private final Map<String, String> headers;
  private final Duration delay;
  private final Map<String, @Nullable Object> patch;
  private final @Nullable Predicate<RecordedRequest> scope;
  private final String description;

  private Fault(
      Kind kind,
      @Nullable Reply reply,
      Map<String, String> headers,
      Duration delay,
      Map<String, @Nullable Object> patch,
      @Nullable Predicate<RecordedRequest> scope,
      String description) {
    this.kind = kind;
    this.reply = reply;
    this.headers = headers;
    this.delay = delay;
    this.patch = patch;
    this.scope = scope;
    this.description = description;
  }

  private static Fault of(Kind kind, @Nullable Reply reply, String description) {
    return new Fault(kind, reply, Map.of(), Duration.ZERO, Map.of(), null, description);
  }

  private static Fault respond(int status, @Nullable String contentType, byte[] body, String what) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status must be 200..599: " + status);
    }
    return of(Kind.RESPOND, Reply.of(status, contentType, body), what);
  }

  /** Answers {@code status} with an empty body. */
  public static Fault status(int status) {
    return respond(status, null, new byte[0], "status " + status);
  }

  /** Answers {@code status} with {@code body} (UTF-8) of type {@code contentType}. */
  public static Fault response(int status, String contentType, String body) {
    requireNonNull(contentType, "contentType == null");
    requireNonNull(body, "body == null");
    return respond(
        status, contentType, body.getBytes(UTF_8), "status " + status + " " + contentType);
  }

  /** Answers {@code status} with the JSON text {@code body}, sent verbatim (it may be invalid). */
  public static Fault json(int status, String body) {
    return response(status, "application/json", body);
  }

  /** Answers with {@code reply} (any status, body and headers) instead of processing. */
  public static Fault reply(Reply reply) {
    requireNonNull(reply, "reply == null");
    return of(Kind.RESPOND, reply, "status " + reply.status());
  }

  /** Answers {@code status} with an HTML error page, as a proxy or load balancer would. */
  public static Fault html(int status) {
    String title = status + " " + reason(status);
    String page =
        "<!DOCTYPE html>\n<html><head><title>"
            + title
            + "</title></head>\n<body><h1>"
            + title
            + "</h1><p>The upstream server could not complete your request.</p></body></html>\n";
    return respond(status, "text/html; charset=utf-8", page.getBytes(UTF_8), "html " + status);
  }

  /** Answers 200 with a truncated JSON object declared as {@code application/json}. */
  public static Fault malformedJson() {
    String truncated = "{\"access_token\":\"malformed\",\"token_type\":\"Bearer\",\"expires_in\":";
    return respond(200, "application/json", truncated.getBytes(UTF_8), "malformed JSON");
  }

  /**
   * Answers 200 with a syntactically valid token-like JSON object of exactly {@code bytes} bytes
   * (or the smallest such object, if {@code bytes} is smaller), padded by a long string field.
   */
  public static Fault oversizedBody(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes < 0: " + bytes);
    }
    byte[] prefix =
        "{\"access_token\":\"oversized\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"padding\":\""
            .getBytes(UTF_8);
    byte[] suffix = "\"}".getBytes(UTF_8);
    byte[] body = new byte[Math.max(bytes, prefix.length + suffix.length)];
    Arrays.fill(body, (byte) 'x');
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    System.arraycopy(suffix, 0, body, body.length - suffix.length, suffix.length);
    return respond(200, "application/json", body, "oversized body of " + bytes + " bytes");
  }

  /** Waits {@code delay} (real time), then processes the request normally. */
  public static Fault delay(Duration delay) {
    return of(Kind.PROCEED, null, "delay").withDelay(delay);
  }

  /**
   * Processes the request for real (a code or refresh token is consumed, new tokens are issued and
   * stay valid), then closes the connection without sending a single byte of response. The client
   * sees an {@code IOException}.
   */
  public static Fault dropConnectionAfterGrant() {
    return of(Kind.DROP_AFTER_PROCESSING, null, "drop connection after processing");
  }

  /**
   * Processes the request for real; if it succeeds with a JSON object (a token response), removes
   * {@code fields} (e.g. {@code token_type}, {@code expires_in}, {@code access_token}) from it.
   * Error responses pass unchanged.
   */
  public static Fault successMissing(String... fields) {
    requireNonNull(fields, "fields == null");
    Map<String, @Nullable Object> patch = new LinkedHashMap<>();
    for (String field : fields) {
      patch.put(requireNonNull(field, "field == null"), REMOVE);
    }
    return patchSuccess(patch, "success missing " + String.join(",", patch.keySet()));
  }

  /**
   * Processes the request for real; if it succeeds with a JSON object (a token response), sets
   * {@code field} to {@code value} (a string, number, boolean, or null for JSON {@code null}), e.g.
   * {@code successWith("expires_in", "3600")} or {@code successWith("token_type", "bearer")}. Error
   * responses pass unchanged.
   */
  public static Fault successWith(String field, @Nullable Object value) {
    requireNonNull(field, "field == null");
    if (value != null
        && !(value instanceof String || value instanceof Number || value instanceof Boolean)) {
      throw new IllegalArgumentException("value must be a String, Number, Boolean or null");
    }
    Map<String, @Nullable Object> patch = new LinkedHashMap<>();
    patch.put(field, value);
    return patchSuccess(patch, "success with " + field);
  }

  private static Fault patchSuccess(Map<String, @Nullable Object> patch, String what) {
    return new Fault(
        Kind.PATCH_SUCCESS,
        null,
        Map.of(),
        Duration.ZERO,
        Collections.unmodifiableMap(patch),
        null,
        what);
  }

  /** This fault, answered only after {@code delay} (real time; it replaces any earlier delay). */
  public Fault withDelay(Duration delay) {
    requireNonNull(delay, "delay == null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay is negative: " + delay);
    }
    return new Fault(kind, reply, headers, delay, patch, scope, description);
  }

  /** This fault with a response header added (ignored when the connection is dropped). */
  public Fault withHeader(String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Fault(
        kind, reply, Collections.unmodifiableMap(copy), delay, patch, scope, description);
  }

  /**
   * This fault with a {@code Retry-After} header carrying {@code value} verbatim: delta-seconds
   * ({@code "2"}), an HTTP-date, or garbage, to test the client's parsing.
   */
  public Fault withRetryAfter(String value) {
    return withHeader("Retry-After", value);
  }

  /**
   * This fault, matching only (enqueued) requests whose path starts with {@code pathPrefix}, any
   * path of the server included.
   */
  public Fault on(String pathPrefix) {
    requireNonNull(pathPrefix, "pathPrefix == null");
    if (!pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException("pathPrefix must start with /: " + pathPrefix);
    }
    return new Fault(
        kind,
        reply,
        headers,
        delay,
        patch,
        request -> request.path().startsWith(pathPrefix),
        description + " on " + pathPrefix);
  }

  /** This fault, matching only (enqueued) requests that {@code scope} accepts. */
  public Fault when(Predicate<RecordedRequest> scope) {
    requireNonNull(scope, "scope == null");
    return new Fault(kind, reply, headers, delay, patch, scope, description);
  }

  Kind kind() {
    return kind;
  }

  /** The canned answer of a {@link Kind#RESPOND} fault, its extra headers applied. */
  Reply reply() {
    if (reply == null) {
      throw new IllegalStateException(kind + " has no canned reply");
    }
    return reply.withHeaders(headers);
  }

  Map<String, String> headers() {
    return headers;
  }

  Duration delay() {
    return delay;
  }

  Map<String, @Nullable Object> patch() {
    return patch;
  }

  /** Whether this enqueued fault applies to {@code request}; {@code fallback} if unscoped. */
  boolean matches(RecordedRequest request, Predicate<RecordedRequest> fallback) {
    return scope == null ? fallback.test(request) : scope.test(request);
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Error";
    };
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Fault[").append(description);
    if (!delay.isZero()) {
      sb.append(", delay ").append(delay);
    }
    if (!headers.isEmpty()) {
      sb.append(", headers ").append(headers.keySet());
    }
    return sb.append(']').toString();
  }
}
