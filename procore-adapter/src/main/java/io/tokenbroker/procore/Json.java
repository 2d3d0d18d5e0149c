package io.tokenbroker.procore;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The one Jackson configuration of the adapter: lenient, with ISO times and dates. */
final class Json {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
          .addModule(
              new SimpleModule("procore-time")
                  .addDeserializer(Instant.class, new InstantDeserializer())
                  .addDeserializer(LocalDate.class, new LocalDateDeserializer()))
          .build();

  private Json() {}

  /** ISO-8601 with offset ({@code 2016-08-22T20:18:55Z}) or Unix seconds; unreadable gives null. */
  static final class InstantDeserializer extends JsonDeserializer<Instant> {
    @Override
    public @Nullable Instant deserialize(JsonParser p, DeserializationContext ctxt)
        throws IOException {
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
        return Instant.ofEpochSecond(p.getLongValue());
      }
      String text = p.getValueAsString();
      if (text == null || text.isBlank()) {
        return null;
      }
      try {
        return OffsetDateTime.parse(text.trim()).toInstant();
      } catch (DateTimeParseException e) {
        try {
          return Instant.parse(text.trim());
        } catch (DateTimeParseException again) {
          return null; // a model field is informative; never fail a whole page over it
        }
      }
    }
  }

  /** {@code 2024-03-01}, or the date part of a date-time; unreadable gives null. */
  static final class LocalDateDeserializer extends JsonDeserializer<LocalDate> {
    @Override
    public @Nullable LocalDate deserialize(JsonParser p, DeserializationContext ctxt)
        throws IOException {
      String text = p.getValueAsString();
      if (text == null || text.isBlank()) {
        return null;
      }
      String t = text.trim();
      try {
        return LocalDate.parse(t.length() > 10 ? t.substring(0, 10) : t);
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }

  /**
   * The server's message from an error body: a JSON object's {@code message}, {@code errors},
   * {@code error_description} or {@code error} field (strings, arrays or objects of strings), a
   * plain-text body, or a note for HTML; empty if there is nothing.
   */
  static String serverMessage(String body, @Nullable String contentType) {
    String trimmed = body.strip();
    if (trimmed.isEmpty()) {
      return "";
    }
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        JsonNode node = MAPPER.readTree(trimmed);
        String found = messageOf(node);
        if (found != null) {
          return found;
        }
        return "";
      } catch (IOException e) {
        // Not JSON after all: fall through to text.
      }
    }
    String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
    if (type.contains("html")
        || trimmed.regionMatches(true, 0, "<!doctype html", 0, 14)
        || trimmed.regionMatches(true, 0, "<html", 0, 5)) {
      return "an HTML page instead of JSON";
    }
    int newline = trimmed.indexOf('\n');
    String line = newline < 0 ? trimmed : trimmed.substring(0, newline).strip();
    return line.length() > 300 ? line.substring(0, 300) + "…" : line;
  }

  /**
   * Rails-style validation errors of an error body: {@code {"errors": {"field": ["message", …]}}}
   * (or a single message per field); a plain string under {@code errors} is filed under {@code
   * "base"}. Empty for anything else; never throws.
   */
  static Map<String, List<String>> validationErrors(String body) {
    String trimmed = body.strip();
    if (!trimmed.startsWith("{")) {
      return Map.of();
    }
    JsonNode errors;
    try {
      errors = MAPPER.readTree(trimmed).get("errors");
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    if (errors == null) {
      return Map.of();
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (errors.isTextual()) {
      out.put("base", List.of(errors.asText()));
    } else if (errors.isObject()) {
      for (Map.Entry<String, JsonNode> e : errors.properties()) {
        List<String> messages = new ArrayList<>();
        JsonNode value = e.getValue();
        for (JsonNode item : value.isArray() ? value : List.of(value)) {
          if (item.isValueNode() && !item.isNull()) {
            messages.add(item.asText());
          }
        }
        if (!messages.isEmpty()) {
          out.put(e.getKey(), List.copyOf(messages));
        }
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static @Nullable String messageOf(JsonNode node) {
    if (node.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode item : node) {
        String text = textOf(item);
        if (text != null) {
          sb.append(sb.length() == 0 ? "" : "; ").append(text);
        }
      }
      return sb.length() == 0 ? null : sb.toString();
    }
    if (!node.isObject()) {
      return null;
    }
    for (String field :
        new String[] {"message", "errors", "error_description", "error", "reason"}) {
      JsonNode value = node.get(field);
      if (value != null) {
        String text = textOf(value);
        if (text != null && !text.isBlank()) {
          return text;
        }
      }
    }
    return null;
  }

  private static @Nullable String textOf(JsonNode value) {
    if (value.isTextual() || value.isNumber() || value.isBoolean()) {
      return value.asText();
    }
    if (value.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode item : value) {
        String text = textOf(item);
        if (text != null) {
          sb.append(sb.length() == 0 ? "" : "; ").append(text);
        }
      }
      return sb.length() == 0 ? null : sb.toString();
    }
    if (value.isObject()) {
      // {"name": ["can't be blank"]} -> "name: can't be blank"
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        String text = textOf(e.getValue());
        if (text != null) {
          sb.append(sb.length() == 0 ? "" : "; ").append(e.getKey()).append(": ").append(text);
        }
      }
      return sb.length() == 0 ? null : sb.toString();
    }
    return null;
  }
}
