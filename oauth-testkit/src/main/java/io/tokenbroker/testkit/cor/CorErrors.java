package io.tokenbroker.testkit.cor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.Reply;

/** COR's answer shapes: its four error bodies, as its documentation shows them. */
final class CorErrors {
  private CorErrors() {}

  /** {@code Error}: {@code {"error": 401, "message": "Unauthorized"}}. */
  static Reply error(int status, String message) {
    return Reply.json(status, errorShape(status, message));
  }

  static Reply unauthorized() {
    return error(401, "Unauthorized");
  }

  /** {@code CORCustomError} with an int status. */
  static Reply customError(int status, String code, String message) {
    return Reply.json(status, customErrorShape(status, code, message));
  }

  /** {@code CORErrorResponse} with {@code status: "ERROR"}. */
  static Reply errorResponse(int status, String code, String message) {
    return Reply.json(status, errorResponseShape(code, message));
  }

  /** 417 with a validation array. */
  static Reply validation(ArrayNode items) {
    return Reply.json(417, items);
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
}
