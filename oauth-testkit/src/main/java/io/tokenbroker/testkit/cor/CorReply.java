package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** An answer the sandbox is about to send, and COR's error body shapes. */
record CorReply(
    int status, @Nullable String contentType, byte[] body, Map<String, String> headers) {
  static final String JSON_TYPE = "application/json; charset=utf-8";

  static CorReply json(int status, JsonNode node) {
    try {
      return new CorReply(status, JSON_TYPE, CorSeed.JSON.writeValueAsBytes(node), Map.of());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static CorReply ok(JsonNode node) {
    return json(200, node);
  }

  /** A token response: never cached. */
  static CorReply token(JsonNode node) {
    CorReply reply = json(200, node);
    return reply.withHeader("Cache-Control", "no-store").withHeader("Pragma", "no-cache");
  }

  static CorReply html(int status, String html) {
    return new CorReply(status, "text/html; charset=utf-8", html.getBytes(UTF_8), Map.of());
  }

  static CorReply redirect(String location) {
    return new CorReply(302, null, new byte[0], Map.of("Location", location));
  }

  /** {@code Error}: {@code {"error": 401, "message": "Unauthorized"}}. */
  static CorReply error(int status, String message) {
    return json(status, errorShape(status, message));
  }

  static CorReply unauthorized() {
    return error(401, "Unauthorized");
  }

  /** {@code CORCustomError} with an int status. */
  static CorReply customError(int status, String code, String message) {
    return json(status, customErrorShape(status, code, message));
  }

  /** {@code CORErrorResponse} with {@code status: "ERROR"}. */
  static CorReply errorResponse(int status, String code, String message) {
    return json(status, errorResponseShape(code, message));
  }

  /** 417 with a validation array. */
  static CorReply validation(ArrayNode items) {
    return json(417, items);
  }

  static ObjectNode errorShape(int status, String message) {
    return CorSeed.JSON.createObjectNode().put("error", status).put("message", message);
  }

  static ObjectNode customErrorShape(int status, String code, String message) {
    return CorSeed.JSON
        .createObjectNode()
        .put("status", status)
        .put("name", "CORCustomError")
        .put("code", code)
        .put("message", message);
  }

  static ObjectNode errorResponseShape(String code, String message) {
    return CorSeed.JSON
        .createObjectNode()
        .put("status", "ERROR")
        .put("code", code)
        .put("message", message);
  }

  static ObjectNode validationItem(String field, String validation) {
    return CorSeed.JSON
        .createObjectNode()
        .put("field", field)
        .put("validation", validation)
        .put("message", validation + " validation failed on " + field);
  }

  CorReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new CorReply(status, contentType, body, copy);
  }
}
