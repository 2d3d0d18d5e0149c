package io.tokenbroker.testkit.procore;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** An answer the sandbox is about to send. */
record SandboxReply(int status, String contentType, byte[] body, Map<String, String> headers) {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String JSON_TYPE = "application/json; charset=utf-8";

  static SandboxReply json(int status, Object json) {
    try {
      return new SandboxReply(status, JSON_TYPE, JSON.writeValueAsBytes(json), Map.of());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An OAuth error body, as Doorkeeper renders it. */
  static SandboxReply oauthError(int status, String error, String description) {
    ObjectNode node =
        JSON.createObjectNode().put("error", error).put("error_description", description);
    return json(status, node);
  }

  /** A REST error body: Procore's bodies often carry an {@code errors} field. */
  static SandboxReply apiError(int status, String message) {
    return json(status, JSON.createObjectNode().put("errors", message));
  }

  static SandboxReply text(int status, String text) {
    return new SandboxReply(status, "text/plain; charset=utf-8", text.getBytes(UTF_8), Map.of());
  }

  static SandboxReply html(int status, String html) {
    return new SandboxReply(status, "text/html; charset=utf-8", html.getBytes(UTF_8), Map.of());
  }

  static SandboxReply redirect(String location) {
    return new SandboxReply(
        302, "text/html; charset=utf-8", new byte[0], Map.of("Location", location));
  }

  SandboxReply withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new SandboxReply(status, contentType, body, copy);
  }

  SandboxReply withHeaders(Map<String, String> more) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.putAll(more);
    return new SandboxReply(status, contentType, body, copy);
  }
}
