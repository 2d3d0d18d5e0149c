package io.tokenbroker.cor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The Jackson setup for COR's JSON: unknown fields ignored, lenient booleans. */
final class CorJson {
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private CorJson() {}

  /**
   * Reads COR's {@code bool|int} and {@code bool|str} fields: {@code true}/{@code false}, numbers
   * (0 is false), and the strings {@code "true"}, {@code "false"}, {@code "1"}, {@code "0"}; an
   * empty string is null.
   */
  static final class LenientBoolean extends JsonDeserializer<Boolean> {
    @Override
    public @Nullable Boolean deserialize(JsonParser p, DeserializationContext context)
        throws IOException {
      JsonToken token = p.currentToken();
      switch (token) {
        case VALUE_TRUE:
          return Boolean.TRUE;
        case VALUE_FALSE:
          return Boolean.FALSE;
        case VALUE_NUMBER_INT:
          return p.getLongValue() != 0;
        case VALUE_NUMBER_FLOAT:
          return p.getDoubleValue() != 0;
        case VALUE_STRING:
          String text = p.getText().trim().toLowerCase(Locale.ROOT);
          switch (text) {
            case "true", "1" -> {
              return Boolean.TRUE;
            }
            case "false", "0" -> {
              return Boolean.FALSE;
            }
            case "" -> {
              return null;
            }
            default -> {
              return (Boolean)
                  context.handleWeirdStringValue(Boolean.class, text, "not a boolean COR knows");
            }
          }
        default:
          return (Boolean) context.handleUnexpectedToken(Boolean.class, p);
      }
    }
  }
}
