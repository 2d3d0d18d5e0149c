package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as {@link FakeAuthorizationServer} received it, for assertions.
 *
 * <p>Immutable and thread-safe. {@link #parameters()} merges the query string with the body, which
 * may be a form ({@code application/x-www-form-urlencoded}) or a JSON object ({@code
 * application/json}); a body of another content type contributes no parameters. Header lookups are
 * case-insensitive. {@link #toString()} shows only the sequence number, method and path, never the
 * query, headers or body, which carry secrets.
 */
public final class RecordedRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int sequenceNumber;
  private final String method;
  private final String path;
  private final @Nullable String query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final Map<String, String> queryParameters;
  private final Map<String, String> parameters;
  private final @Nullable String parameterError;

  private RecordedRequest(
      int sequenceNumber,
      String method,
      String path,
      @Nullable String query,
      Map<String, List<String>> headers,
      byte[] body,
      Map<String, String> queryParameters,
      Map<String, String> parameters,
      @Nullable String parameterError) {
    this.sequenceNumber = sequenceNumber;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.queryParameters = queryParameters;
    this.parameters = parameters;
    this.parameterError = parameterError;
  }

  /** Parses what the server received. Never throws on bad input; see {@link #parameterError()}. */
  static RecordedRequest parse(
      int sequenceNumber,
      String method,
      URI uri,
      Map<String, List<String>> rawHeaders,
      byte[] body) {
    TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    rawHeaders.forEach(
        (name, values) ->
            headers.merge(name, List.copyOf(values), (a, b) -> concat(a, b)));
    String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    String query = uri.getRawQuery();

    String error = null;
    Map<String, List<String>> fromQuery = Map.of();
    try {
      fromQuery = query == null ? Map.of() : Forms.parse(query);
    } catch (IllegalArgumentException e) {
      error = "malformed query string";
    }
    Map<String, List<String>> fromBody = Map.of();
    List<String> contentTypes = headers.getOrDefault("Content-Type", List.of());
    String contentType =
        contentTypes.isEmpty() ? "" : contentTypes.get(0).toLowerCase(Locale.ROOT).trim();
    if (body.length > 0) {
      if (contentType.startsWith("application/json") || contentType.contains("+json")) {
        try {
          fromBody = parseJsonObject(body);
        } catch (IllegalArgumentException e) {
          error = e.getMessage();
        }
      } else if (contentType.isEmpty()
          || contentType.startsWith("application/x-www-form-urlencoded")) {
        try {
          fromBody = Forms.parse(new String(body, UTF_8));
        } catch (IllegalArgumentException e) {
          error = "malformed form body";
        }
      }
    }

    Map<String, String> queryParameters = firstValues(fromQuery);
    Map<String, List<String>> merged = new LinkedHashMap<>();
    fromQuery.forEach((k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    fromBody.forEach((k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    for (Map.Entry<String, List<String>> e : merged.entrySet()) {
      if (e.getValue().stream().distinct().count() > 1 && error == null) {
        // RFC 6749 §3.1: parameters must not be included more than once.
        error = "parameter " + e.getKey() + " was sent more than once";
      }
    }
    return new RecordedRequest(
        sequenceNumber,
        method,
        path,
        query,
        Collections.unmodifiableMap(headers),
        body,
        Collections.unmodifiableMap(queryParameters),
        Collections.unmodifiableMap(firstValues(merged)),
        error);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  private static Map<String, List<String>> parseJsonObject(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed JSON body");
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("unreadable JSON body");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("JSON body is not an object");
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      JsonNode value = field.getValue();
      if (value.isNull()) {
        continue;
      }
      out.put(field.getKey(), List.of(value.isValueNode() ? value.asText() : value.toString()));
    }
    return out;
  }

  private static Map<String, String> firstValues(Map<String, List<String>> multi) {
    Map<String, String> out = new LinkedHashMap<>();
    multi.forEach(
        (k, v) -> {
          if (!v.isEmpty()) {
            out.put(k, v.get(0));
          }
        });
    return out;
  }

  /** 1 for the first request the server received, then 2, 3, ... */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  /** The HTTP method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The decoded path without the query, e.g. {@code /token}. */
  public String path() {
    return path;
  }

  /** The raw (still encoded) query string, or null when the request had none. */
  public @Nullable String query() {
    return query;
  }

  /** Decoded query parameters; the first value wins when a name repeats. */
  public Map<String, String> queryParameters() {
    return queryParameters;
  }

  /** All headers; the map's key lookup is case-insensitive. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** All values of header {@code name} (case-insensitive), possibly empty. */
  public List<String> headers(String name) {
    requireNonNull(name, "name == null");
    return headers.getOrDefault(name, List.of());
  }

  /** The first value of header {@code name} (case-insensitive), or null. */
  public @Nullable String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  /** A copy of the raw request body (empty when there was none). */
  public byte[] body() {
    return body.clone();
  }

  /** The request body decoded as UTF-8. */
  public String bodyUtf8() {
    return new String(body, UTF_8);
  }

  /** Query and body parameters merged; the first value wins when a name repeats. */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** The parameter {@code name} from the query or the body, or null. */
  public @Nullable String parameter(String name) {
    requireNonNull(name, "name == null");
    return parameters.get(name);
  }

  /** Why the parameters could not be read cleanly (malformed body, repeated name), or null. */
  @Nullable String parameterError() {
    return parameterError;
  }

  @Override
  public String toString() {
    return "RecordedRequest[#" + sequenceNumber + " " + method + " " + path + "]";
  }
}
