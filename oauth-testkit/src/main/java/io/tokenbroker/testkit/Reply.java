package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An answer the fake is about to send. {@code tokenJson} is set on successful token responses so a
 * {@link Fault#successMissing} fault can patch it before it is rendered.
 */
record Reply(
    int status,
    @Nullable String contentType,
    byte[] body,
    Map<String, String> headers,
    @Nullable ObjectNode tokenJson) {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JSON_TYPE = "application/json;charset=UTF-8";
  static final String HTML_TYPE = "text/html; charset=utf-8";

  static Reply json(int status, ObjectNode json) {
    return new Reply(status, JSON_TYPE, bytes(json), noStore(), null);
  }

  /** A successful token response (RFC 6749 §5.1: no-store, no-cache). */
  static Reply token(ObjectNode json) {
    return new Reply(200, JSON_TYPE, bytes(json), noStore(), json);
  }

  static Reply error(int status, String error, String description) {
    ObjectNode node = JSON.createObjectNode().put("error", error).put("error_description", description);
    return json(status, node);
  }

  static Reply html(int status, String html) {
    return new Reply(status, HTML_TYPE, html.getBytes(UTF_8), Map.of(), null);
  }

  static Reply redirect(String location) {
    return new Reply(302, null, new byte[0], Map.of("Location", location), null);
  }

  static Reply empty(int status) {
    return new Reply(status, null, new byte[0], Map.of(), null);
  }

  static Reply methodNotAllowed(String allow) {
    Reply error = error(405, "invalid_request", "method not allowed");
    Map<String, String> headers = new LinkedHashMap<>(error.headers());
    headers.put("Allow", allow);
    return new Reply(405, error.contentType(), error.body(), headers, null);
  }

  Reply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Reply(status, contentType, body, copy, tokenJson);
  }

  /** Applies a {@link Fault.Kind#PATCH_SUCCESS} patch; non-token replies pass unchanged. */
  Reply patched(Map<String, @Nullable Object> patch) {
    if (tokenJson == null) {
      return this;
    }
    ObjectNode copy = tokenJson.deepCopy();
    patch.forEach(
        (field, value) -> {
          if (value == Fault.REMOVE) {
            copy.remove(field);
          } else if (value == null) {
            copy.putNull(field);
          } else {
            copy.set(field, JSON.valueToTree(value));
          }
        });
    return new Reply(status, contentType, bytes(copy), headers, copy);
  }

  private static Map<String, String> noStore() {
    return Map.of("Cache-Control", "no-store", "Pragma", "no-cache");
  }

  private static byte[] bytes(ObjectNode json) {
    try {
      return JSON.writeValueAsBytes(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
