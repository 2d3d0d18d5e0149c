package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A Procore API call failed: an error status, a response that could not be read, or a network
 * failure after the retries allowed. One type for every failure of the REST API, carrying the
 * status, the server's message and the body; {@link #kind()} classifies it.
 *
 * <p>Failures to obtain a token are not wrapped: they stay {@code TokenBrokerException}s from the
 * broker (for example {@code InvalidGrantException} when the grant needs a new consent).
 *
 * <p>The message names the method, path and query, the status and the server's message; it never
 * contains an access token (text that looks like one is redacted). The {@link #body()} is kept as
 * received (up to {@value #MAX_BODY_CHARS} characters) for diagnosis; it is not part of the
 * message.
 */
public final class ProcoreApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The most body characters kept. */
  public static final int MAX_BODY_CHARS = 64 * 1024;

  /** What kind of failure this is. */
  public enum Kind {
    /**
     * 400: a malformed request (or a missing {@code Procore-Company-Id}, where Procore says so).
     */
    BAD_REQUEST,
    /** 401 after the one refresh-and-retry: the token is not accepted. */
    UNAUTHORIZED,
    /** 403 "App is not connected to this company": the app was uninstalled or never installed. */
    APP_NOT_CONNECTED,
    /** Another 403: permissions, disabled tool, resource out of scope. */
    FORBIDDEN,
    /** 404: not found, or not readable by this user (Procore answers 404 for both). */
    NOT_FOUND,
    /** 409: a duplicate, or an {@code origin_id} conflict. */
    CONFLICT,
    /** 422: business validation; see {@link #validationErrors()}. */
    VALIDATION,
    /**
     * 429 after the pacing allowed, or a request not sent because the window it would need resets
     * later than {@code maxWait} ({@link #status()} is then empty).
     */
    RATE_LIMITED,
    /** 5xx after the retries allowed. */
    SERVER_ERROR,
    /** Any other status (406, 408, ...). */
    OTHER_STATUS,
    /** A success status whose body was not the JSON expected. */
    MALFORMED_RESPONSE,
    /** The connection failed, timed out or was interrupted. */
    NETWORK
  }

  /** The text of Procore's 403 when the app is not installed in the company. */
  static final String APP_NOT_CONNECTED_TEXT = "App is not connected to this company";

  private final Kind kind;
  private final int status;
  private final String method;
  private final URI uri;
  private final String serverMessage;
  private final String body;
  private final @Nullable RateLimit rateLimit;
  private final @Nullable Duration retryAfter;
  private final Map<String, List<String>> validationErrors;

  ProcoreApiException(
      Kind kind,
      int status,
      String method,
      URI uri,
      String serverMessage,
      String body,
      @Nullable RateLimit rateLimit,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause) {
    super(describe(kind, status, method, uri, serverMessage), cause);
    this.kind = requireNonNull(kind, "kind == null");
    this.status = status;
    this.method = method;
    this.uri = uri;
    this.serverMessage = serverMessage;
    this.body = body.length() > MAX_BODY_CHARS ? body.substring(0, MAX_BODY_CHARS) : body;
    this.rateLimit = rateLimit;
    this.retryAfter = retryAfter;
    this.validationErrors = status >= 400 && status < 500 ? Json.validationErrors(body) : Map.of();
  }

  private static String describe(
      Kind kind, int status, String method, URI uri, String serverMessage) {
    StringBuilder sb =
        new StringBuilder("Procore API ").append(method).append(' ').append(pathAndQuery(uri));
    if (status > 0) {
      sb.append(" answered HTTP ").append(status);
    } else {
      sb.append(" failed");
    }
    sb.append(" (").append(kind).append(')');
    if (!serverMessage.isEmpty()) {
      sb.append(": ").append(Redaction.scrub(serverMessage));
    }
    return sb.toString();
  }

  private static String pathAndQuery(URI uri) {
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  public Kind kind() {
    return kind;
  }

  /**
   * The HTTP status, or empty when no answer arrived ({@link Kind#NETWORK}, or a request held back
   * by the pacing); the same shape as {@code CorApiException.status()} and {@code
   * TokenBrokerException.httpStatus()}.
   */
  public OptionalInt status() {
    return status > 0 ? OptionalInt.of(status) : OptionalInt.empty();
  }

  /** The HTTP method of the failed request. */
  public String method() {
    return method;
  }

  /** The request URI (it holds no secret: the token travels in a header). */
  public URI uri() {
    return uri;
  }

  /**
   * The server's own message: the {@code message}, {@code errors}, {@code error_description} or
   * {@code error} field of a JSON body, or a plain-text body (Procore's 429); empty if none.
   */
  public String serverMessage() {
    return serverMessage;
  }

  /** The response body as received (truncated), or empty. */
  public String body() {
    return body;
  }

  /** The rate-limit headers of the failed response, if it had them. */
  public Optional<RateLimit> rateLimit() {
    return Optional.ofNullable(rateLimit);
  }

  /** How long the server asked to wait ({@code Retry-After} or the rate-limit reset), if it did. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /**
   * Procore's validation messages by field, from a 4xx body {@code {"errors": {"name": ["can't be
   * blank"]}}} (a plain string under {@code errors} is filed under {@code "base"}); empty
   * otherwise.
   */
  public Map<String, List<String>> validationErrors() {
    return validationErrors;
  }

  /**
   * Whether trying again later may succeed: {@link Kind#NETWORK}, {@link Kind#RATE_LIMITED} or
   * {@link Kind#SERVER_ERROR} (after the retries this client allowed). For a {@code POST} or {@code
   * PATCH}, a server error or a lost answer leaves open whether Procore acted.
   */
  public boolean isRetryable() {
    return kind == Kind.NETWORK || kind == Kind.RATE_LIMITED || kind == Kind.SERVER_ERROR;
  }

  /** Whether Procore said "App is not connected to this company". */
  public boolean isAppNotConnected() {
    return kind == Kind.APP_NOT_CONNECTED;
  }
}
