package io.tokenbroker.cor;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * A COR API call failed: COR answered an error status, sent a body this library cannot read, or
 * could not be reached. Every error body COR documents is read into the same fields:
 *
 * <ul>
 *   <li>{@link Shape#ERROR} {@code {"error": 401, "message": "Unauthorized"}};
 *   <li>{@link Shape#CUSTOM_ERROR} {@code {"status": 400, "name": "CORCustomError", "code": "F010",
 *       "message": …}};
 *   <li>{@link Shape#ERROR_RESPONSE} {@code {"status": "ERROR", "code": "FS003", "message": …}};
 *   <li>{@link Shape#VALIDATION} 417 {@code [{"field", "validation", "message"}, …]}, in {@link
 *       #validationErrors()}.
 * </ul>
 *
 * <p>{@link #status()} and {@link #kind()} mean the same as {@code ProcoreApiException}'s: the
 * status (empty when no answer arrived) and what kind of failure it was, whatever body shape COR
 * chose.
 *
 * <p>Failures to obtain a token are not wrapped: they surface as the broker's {@code
 * TokenBrokerException} subtypes. Messages name the method and path (never the query) and quote at
 * most 300 characters of COR's message; they never hold a token. Immutable.
 */
public final class CorApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_QUOTE = 300;

  /** What kind of failure this is, by status (the same names as {@code ProcoreApiException}'s). */
  public enum Kind {
    /** 400: a malformed request (COR's {@code CORCustomError} {@code F010} and the like). */
    BAD_REQUEST,
    /** 401 after the one refresh-and-retry: the token is not accepted. */
    UNAUTHORIZED,
    /** 403: the user's role may not do this. */
    FORBIDDEN,
    /** 404: no such resource (or route). */
    NOT_FOUND,
    /** 409: a conflict. */
    CONFLICT,
    /**
     * 417 (COR's validation status) or 422: the input was refused; see {@link #validationErrors()}.
     */
    VALIDATION,
    /** 429 after the pacing allowed. */
    RATE_LIMITED,
    /** 5xx (after the retries allowed for reads; writes are never repeated). */
    SERVER_ERROR,
    /** Any other status. */
    OTHER_STATUS,
    /** A 2xx answer whose body could not be read as the documented model. */
    MALFORMED_RESPONSE,
    /** No answer: the connection failed, timed out or the call was interrupted. */
    NETWORK
  }

  /** Which body shape the error came in. */
  public enum Shape {
    /** {@code {"error": <int>, "message"}}. */
    ERROR,
    /** {@code {"status": <int>, "name": "CORCustomError", "code", "message"}}. */
    CUSTOM_ERROR,
    /** {@code {"status": "ERROR", "code", "message"}}. */
    ERROR_RESPONSE,
    /** A JSON array of {@code {"field", "validation", "message"}} (417). */
    VALIDATION,
    /** Some other JSON body with a {@code message}. */
    OTHER_JSON,
    /** No body, or one that is not JSON (an HTML page from a proxy, say). */
    NO_JSON,
    /** A 2xx answer whose body could not be read as the documented model. */
    UNREADABLE_SUCCESS,
    /** No answer at all: the connection failed or the call was interrupted. */
    NO_RESPONSE
  }

  /**
   * One item of a 417 validation array.
   *
   * @param field {@code field}
   * @param validation {@code validation}, e.g. {@code "required"} or {@code "exists"}
   * @param message {@code message}
   */
  public record ValidationError(
      @Nullable String field, @Nullable String validation, @Nullable String message) {}

  private final String method;
  private final String path;
  private final int status;
  private final Kind kind;
  private final Shape shape;
  private final @Nullable String code;
  private final @Nullable String corMessage;
  private final List<ValidationError> validationErrors;

  private CorApiException(
      String method,
      String path,
      int status,
      Shape shape,
      @Nullable String code,
      @Nullable String corMessage,
      List<ValidationError> validationErrors,
      String summary,
      @Nullable Throwable cause) {
    super(summary, cause);
    this.method = method;
    this.path = path;
    this.status = status;
    this.kind = kindOf(shape, status);
    this.shape = shape;
    this.code = code;
    this.corMessage = corMessage;
    this.validationErrors = List.copyOf(validationErrors);
  }

  /** Reads an error answer (status outside 2xx) of {@code method path}. */
  static CorApiException fromResponse(
      String method, String path, int status, @Nullable String body) {
    JsonNode json = null;
    if (body != null && !body.isBlank()) {
      try {
        json = CorJson.MAPPER.readTree(body);
      } catch (java.io.IOException | RuntimeException e) {
        json = null;
      }
    }
    Shape shape;
    String code = null;
    String message = null;
    List<ValidationError> validation = new ArrayList<>();
    if (json != null && json.isArray()) {
      shape = Shape.VALIDATION;
      for (JsonNode item : json) {
        validation.add(
            new ValidationError(
                text(item, "field"), text(item, "validation"), text(item, "message")));
      }
      List<String> messages = new ArrayList<>();
      validation.forEach(
          v ->
              messages.add(
                  v.message() != null
                      ? v.message()
                      : v.validation() + " validation failed on " + v.field()));
      message = String.join("; ", messages);
    } else if (json != null && json.isObject()) {
      message = text(json, "message");
      JsonNode statusNode = json.get("status");
      if (json.has("error") && json.get("error").isNumber()) {
        shape = Shape.ERROR;
      } else if ("CORCustomError".equals(text(json, "name"))
          || (statusNode != null && statusNode.isNumber() && json.has("code"))) {
        shape = Shape.CUSTOM_ERROR;
        code = text(json, "code");
      } else if (statusNode != null
          && statusNode.isTextual()
          && statusNode.asText().equalsIgnoreCase("error")) {
        shape = Shape.ERROR_RESPONSE;
        code = text(json, "code");
      } else {
        shape = Shape.OTHER_JSON;
        code = text(json, "code");
        if (message == null) {
          message = json.has("error") ? text(json, "error") : null;
        }
      }
    } else {
      shape = Shape.NO_JSON;
    }
    StringBuilder summary =
        new StringBuilder("COR ")
            .append(method)
            .append(' ')
            .append(path)
            .append(" failed: HTTP ")
            .append(status);
    if (code != null) {
      summary.append(' ').append(shape == Shape.CUSTOM_ERROR ? "CORCustomError " : "").append(code);
    }
    if (message != null && !message.isBlank()) {
      summary.append(": ").append(quote(message));
    } else if (shape == Shape.NO_JSON) {
      summary.append(" with ").append(describe(body));
    }
    return new CorApiException(
        method, path, status, shape, code, message, validation, summary.toString(), null);
  }

  /** A 2xx answer whose body is not the documented JSON. */
  static CorApiException unreadable(String method, String path, int status, Throwable cause) {
    return new CorApiException(
        method,
        path,
        status,
        Shape.UNREADABLE_SUCCESS,
        null,
        null,
        List.of(),
        "COR "
            + method
            + " "
            + path
            + " answered HTTP "
            + status
            + " with a body that is not the documented JSON ("
            + cause.getClass().getSimpleName()
            + ")",
        cause);
  }

  /** No answer: a network failure or interruption. */
  static CorApiException noResponse(String method, String path, Throwable cause) {
    return new CorApiException(
        method,
        path,
        0,
        Shape.NO_RESPONSE,
        null,
        null,
        List.of(),
        "COR " + method + " " + path + " got no answer: " + cause.getClass().getSimpleName(),
        cause);
  }

  /** The HTTP method of the failed call. */
  public String method() {
    return method;
  }

  /** The path of the failed call, without the query, e.g. {@code /v1/projects}. */
  public String path() {
    return path;
  }

  /**
   * The HTTP status, or empty when no answer arrived ({@link Kind#NETWORK}); the same shape as
   * {@code TokenBrokerException.httpStatus()}.
   */
  public OptionalInt status() {
    return status > 0 ? OptionalInt.of(status) : OptionalInt.empty();
  }

  /** What kind of failure this is. */
  public Kind kind() {
    return kind;
  }

  /** Which of COR's body shapes the answer came in. */
  public Shape shape() {
    return shape;
  }

  /** COR's error {@code code} ({@code F010}, {@code FS003}, …), if the body had one. */
  public Optional<String> code() {
    return Optional.ofNullable(code);
  }

  /** COR's {@code message} (validation messages joined by {@code "; "}), if any. */
  public Optional<String> corMessage() {
    return Optional.ofNullable(corMessage);
  }

  /** The items of a 417 validation array; empty for other shapes. */
  public List<ValidationError> validationErrors() {
    return validationErrors;
  }

  /**
   * Whether trying again later may succeed: {@link Kind#NETWORK}, {@link Kind#RATE_LIMITED} or
   * {@link Kind#SERVER_ERROR}. (The client already retried reads and paced 429s before throwing.)
   * For a write, a server error or a lost answer leaves open whether COR acted: look before you
   * send it again.
   */
  public boolean isRetryable() {
    return kind == Kind.NETWORK || kind == Kind.RATE_LIMITED || kind == Kind.SERVER_ERROR;
  }

  private static Kind kindOf(Shape shape, int status) {
    if (shape == Shape.NO_RESPONSE) {
      return Kind.NETWORK;
    }
    if (shape == Shape.UNREADABLE_SUCCESS) {
      return Kind.MALFORMED_RESPONSE;
    }
    return switch (status) {
      case 400 -> Kind.BAD_REQUEST;
      case 401 -> Kind.UNAUTHORIZED;
      case 403 -> Kind.FORBIDDEN;
      case 404 -> Kind.NOT_FOUND;
      case 409 -> Kind.CONFLICT;
      case 417, 422 -> Kind.VALIDATION;
      case 429 -> Kind.RATE_LIMITED;
      default -> status >= 500 ? Kind.SERVER_ERROR : Kind.OTHER_STATUS;
    };
  }

  private static @Nullable String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull()
        ? null
        : value.isValueNode() ? value.asText() : value.toString();
  }

  private static String quote(String message) {
    String clean = message.replaceAll("\\p{Cntrl}", " ");
    return clean.length() > MAX_QUOTE ? clean.substring(0, MAX_QUOTE) + "…" : clean;
  }

  private static String describe(@Nullable String body) {
    if (body == null || body.isEmpty()) {
      return "an empty body";
    }
    String start = body.stripLeading().toLowerCase(Locale.ROOT);
    return start.startsWith("<")
        ? "an HTML page of " + body.length() + " characters"
        : "a non-JSON body of " + body.length() + " characters";
  }
}
