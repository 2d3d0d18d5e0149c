package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP answer a {@link LoopbackServer.Dispatcher} gives for one request (as MockWebServer's
 * {@code MockResponse}): a status, an optional content type, a body and headers. Every answer also
 * carries {@code Connection: close}; the server adds it.
 *
 * <p>Immutable and thread-safe; the {@code with...} methods return new instances. {@link
 * #toString()} shows no body.
 */
public final class Reply {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The content type of {@link #json} answers. */
  public static final String JSON_TYPE = "application/json; charset=utf-8";

  private final int status;
  private final @Nullable String contentType;
  private final byte[] body;
  private final Map<String, String> headers;

  private Reply(
      int status, @Nullable String contentType, byte[] body, Map<String, String> headers) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be 100..599: " + status);
    }
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }

  /** {@code status} with {@code body} of type {@code contentType} (null: no Content-Type). */
  public static Reply of(int status, @Nullable String contentType, byte[] body) {
    requireNonNull(body, "body == null");
    return new Reply(status, contentType, body.clone(), Map.of());
  }

  /** {@code status} with an empty body. */
  public static Reply status(int status) {
    return new Reply(status, null, new byte[0], Map.of());
  }

  /** {@code status} with {@code json}. */
  public static Reply json(int status, JsonNode json) {
    requireNonNull(json, "json == null");
    try {
      return new Reply(status, JSON_TYPE, JSON.writeValueAsBytes(json), Map.of());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code status} with the JSON text {@code json}, sent verbatim (it may be invalid). */
  public static Reply json(int status, String json) {
    requireNonNull(json, "json == null");
    return new Reply(status, "application/json", json.getBytes(UTF_8), Map.of());
  }

  /**
   * An OAuth 2.0 error (RFC 6749 §5.2): {@code {"error": ..., "error_description": ...}}, not
   * cacheable.
   */
  public static Reply oauthError(int status, String error, String description) {
    requireNonNull(error, "error == null");
    requireNonNull(description, "description == null");
    ObjectNode node =
        JSON.createObjectNode().put("error", error).put("error_description", description);
    return json(status, node).noStore();
  }

  /** {@code status} with plain text. */
  public static Reply text(int status, String text) {
    requireNonNull(text, "text == null");
    return new Reply(status, "text/plain; charset=utf-8", text.getBytes(UTF_8), Map.of());
  }

  /** {@code status} with an HTML page. */
  public static Reply html(int status, String html) {
    requireNonNull(html, "html == null");
    return new Reply(status, "text/html; charset=utf-8", html.getBytes(UTF_8), Map.of());
  }

  /** 302 to {@code location}, with an empty body. */
  public static Reply redirect(String location) {
    requireNonNull(location, "location == null");
    return new Reply(302, null, new byte[0], Map.of("Location", location));
  }

  /** This answer with header {@code name} set to {@code value} (replacing an earlier value). */
  public Reply withHeader(String name, String value) {
    requireNonNull(name, "name == null");
    requireNonNull(value, "value == null");
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Reply(status, contentType, body, Collections.unmodifiableMap(copy));
  }

  /** This answer with every header of {@code more} set. */
  public Reply withHeaders(Map<String, String> more) {
    requireNonNull(more, "more == null");
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.putAll(more);
    return new Reply(status, contentType, body, Collections.unmodifiableMap(copy));
  }

  /** This answer marked not cacheable, as token responses must be (RFC 6749 §5.1). */
  public Reply noStore() {
    return withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
  }

  /** The status code. */
  public int status() {
    return status;
  }

  /** The Content-Type, or null for none. */
  public @Nullable String contentType() {
    return contentType;
  }

  /** A copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /** The body as UTF-8 text. */
  public String bodyUtf8() {
    return new String(body, UTF_8);
  }

  /** The headers to send besides Content-Type. */
  public Map<String, String> headers() {
    return headers;
  }

  byte[] bodyBytes() {
    return body;
  }

  /**
   * Applies a {@link Fault#successMissing}/{@link Fault#successWith} patch to a successful JSON
   * object answer; any other answer passes unchanged.
   */
  Reply patched(Map<String, @Nullable Object> patch) {
    if (status / 100 != 2
        || contentType == null
        || !contentType.toLowerCase(Locale.ROOT).contains("json")) {
      return this;
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(body);
    } catch (IOException e) {
      return this;
    }
    if (!(tree instanceof ObjectNode object)) {
      return this;
    }
    patch.forEach(
        (field, value) -> {
          if (value == Fault.REMOVE) {
            object.remove(field);
          } else if (value == null) {
            object.putNull(field);
          } else {
            object.set(field, JSON.valueToTree(value));
          }
        });
    try {
      return new Reply(status, contentType, JSON.writeValueAsBytes(object), headers);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "Reply["
        + status
        + (contentType == null ? "" : " " + contentType)
        + ", "
        + body.length
        + " bytes"
        + (headers.isEmpty() ? "" : ", headers " + headers.keySet())
        + "]";
  }
}
