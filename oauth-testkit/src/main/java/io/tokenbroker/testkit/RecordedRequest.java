package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
 * One HTTP request as a {@link LoopbackServer} (and so {@link FakeAuthorizationServer} and the
 * vendor sandboxes) received it, for assertions and for the server's own dispatching.
 *
 * <p>Parameters are kept apart by where they travelled: {@link #queryParameters()} from the query
 * string, {@link #bodyParameters()} from a body that is a form ({@code
 * application/x-www-form-urlencoded}, also assumed when no content type is sent), {@code
 * multipart/form-data} (what {@code curl -F} sends) or a JSON object; {@link #bodyEncoding()} says
 * which. The servers read each parameter only where their protocol puts it. {@link #parameters()}
 * merges both for assertions that do not care.
 *
 * <p>Immutable and thread-safe. Header lookups are case-insensitive. {@link #toString()} shows only
 * the sequence number, host, method and path, never the query, headers or body, which carry
 * secrets.
 */
public final class RecordedRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Parameters that may be repeated with different values: RFC 8707's {@code resource} and the
   * {@code audience} of token exchange (RFC 8693) and its relatives.
   */
  private static final java.util.Set<String> REPEATABLE = java.util.Set.of("resource", "audience");

  /** How the body carried its parameters. */
  public enum BodyEncoding {
    /** No body. */
    NONE,
    /** {@code application/x-www-form-urlencoded}, or a body without a content type. */
    FORM,
    /** {@code multipart/form-data}. */
    MULTIPART,
    /** A JSON object ({@code application/json} or {@code +json}). */
    JSON,
    /** A body of another content type, or one that could not be parsed: no parameters. */
    OTHER
  }

  private final int sequenceNumber;
  private final String host;
  private final String method;
  private final String path;
  private final @Nullable String query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final BodyEncoding bodyEncoding;
  private final Map<String, List<String>> queryValues;
  private final Map<String, List<String>> bodyValues;
  private final Map<String, String> queryParameters;
  private final Map<String, String> bodyParameters;
  private final Map<String, String> parameters;
  private final @Nullable String parameterError;

  private RecordedRequest(
      int sequenceNumber,
      String host,
      String method,
      String path,
      @Nullable String query,
      Map<String, List<String>> headers,
      byte[] body,
      BodyEncoding bodyEncoding,
      Map<String, List<String>> queryValues,
      Map<String, List<String>> bodyValues,
      Map<String, String> queryParameters,
      Map<String, String> bodyParameters,
      Map<String, String> parameters,
      @Nullable String parameterError) {
    this.sequenceNumber = sequenceNumber;
    this.host = host;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.bodyEncoding = bodyEncoding;
    this.queryValues = queryValues;
    this.bodyValues = bodyValues;
    this.queryParameters = queryParameters;
    this.bodyParameters = bodyParameters;
    this.parameters = parameters;
    this.parameterError = parameterError;
  }

  /** Parses what a server received. Never throws on bad input; see {@link #parameterError()}. */
  static RecordedRequest parse(
      int sequenceNumber,
      String host,
      String method,
      URI uri,
      Map<String, List<String>> rawHeaders,
      byte[] body) {
    TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    rawHeaders.forEach(
        (name, values) -> headers.merge(name, List.copyOf(values), RecordedRequest::concat));
    String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    String query = uri.getRawQuery();

    String error = null;
    Map<String, List<String>> fromQuery = Map.of();
    try {
      fromQuery = query == null ? Map.of() : Forms.parse(query);
    } catch (IllegalArgumentException e) {
      error = "malformed query string";
    }

    List<String> contentTypes = headers.getOrDefault("Content-Type", List.of());
    String contentType = contentTypes.isEmpty() ? "" : contentTypes.get(0).trim();
    String lower = contentType.toLowerCase(Locale.ROOT);
    BodyEncoding encoding = BodyEncoding.NONE;
    Map<String, List<String>> fromBody = Map.of();
    if (body.length > 0) {
      try {
        if (lower.startsWith("multipart/form-data")) {
          encoding = BodyEncoding.MULTIPART;
          fromBody = parseMultipart(body, contentType);
        } else if (lower.startsWith("application/json") || lower.contains("+json")) {
          encoding = BodyEncoding.JSON;
          fromBody = parseJsonObject(body);
        } else if (lower.isEmpty() || lower.startsWith("application/x-www-form-urlencoded")) {
          encoding = BodyEncoding.FORM;
          fromBody = Forms.parse(new String(body, UTF_8));
        } else {
          encoding = BodyEncoding.OTHER;
        }
      } catch (IllegalArgumentException e) {
        error = encoding == BodyEncoding.FORM ? "malformed form body" : e.getMessage();
        encoding = BodyEncoding.OTHER;
        fromBody = Map.of();
      }
    }

    Map<String, List<String>> both = new LinkedHashMap<>();
    fromQuery.forEach((k, v) -> both.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    fromBody.forEach((k, v) -> both.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
    for (Map.Entry<String, List<String>> e : both.entrySet()) {
      if (error == null
          && !REPEATABLE.contains(e.getKey())
          && e.getValue().stream().distinct().count() > 1) {
        // RFC 6749 §3.1: parameters must not be included more than once.
        error = "parameter " + e.getKey() + " was sent more than once";
      }
    }
    Map<String, String> merged = new LinkedHashMap<>(firstValues(fromQuery));
    merged.putAll(firstValues(fromBody)); // the body wins, as in Rails
    Map<String, List<String>> queryValues = new LinkedHashMap<>();
    fromQuery.forEach((k, v) -> queryValues.put(k, List.copyOf(v)));
    Map<String, List<String>> bodyValues = new LinkedHashMap<>();
    fromBody.forEach((k, v) -> bodyValues.put(k, List.copyOf(v)));
    return new RecordedRequest(
        sequenceNumber,
        host,
        method,
        path,
        query,
        Collections.unmodifiableMap(headers),
        body,
        encoding,
        Collections.unmodifiableMap(queryValues),
        Collections.unmodifiableMap(bodyValues),
        Collections.unmodifiableMap(firstValues(fromQuery)),
        Collections.unmodifiableMap(firstValues(fromBody)),
        Collections.unmodifiableMap(merged),
        error);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
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

  private static Map<String, List<String>> parseJsonObject(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON body");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("JSON body is not an object");
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      JsonNode value = field.getValue();
      if (value.isArray() && REPEATABLE.contains(field.getKey())) {
        List<String> values = new ArrayList<>();
        value.forEach(v -> values.add(v.isValueNode() ? v.asText() : v.toString()));
        out.put(field.getKey(), values);
      } else if (!value.isNull()) {
        out.put(field.getKey(), List.of(value.isValueNode() ? value.asText() : value.toString()));
      }
    }
    return out;
  }

  /** A small RFC 7578 parser: enough for the text fields {@code curl -F} sends. */
  private static Map<String, List<String>> parseMultipart(byte[] body, String contentType) {
    String boundary = null;
    for (String param : contentType.split(";")) {
      String p = param.trim();
      if (p.regionMatches(true, 0, "boundary=", 0, 9)) {
        boundary = unquote(p.substring(9).trim());
      }
    }
    if (boundary == null || boundary.isEmpty()) {
      throw new IllegalArgumentException("multipart body without boundary");
    }
    // ISO-8859-1 maps bytes to chars one to one, so offsets survive; values are re-decoded as
    // UTF-8.
    String text = new String(body, ISO_8859_1);
    String delimiter = "--" + boundary;
    Map<String, List<String>> out = new LinkedHashMap<>();
    int pos = text.indexOf(delimiter);
    if (pos < 0) {
      throw new IllegalArgumentException("multipart body without a delimiter");
    }
    while (true) {
      pos += delimiter.length();
      if (text.startsWith("--", pos)) {
        break; // the close delimiter
      }
      int next = text.indexOf(delimiter, pos);
      if (next < 0) {
        throw new IllegalArgumentException("unterminated multipart body");
      }
      String part = stripLeadingLineBreak(text.substring(pos, next));
      int split = part.indexOf("\r\n\r\n");
      int sepLength = 4;
      if (split < 0) {
        split = part.indexOf("\n\n");
        sepLength = 2;
      }
      if (split < 0) {
        throw new IllegalArgumentException("multipart part without headers");
      }
      String partHeaders = part.substring(0, split);
      String value = part.substring(split + sepLength);
      if (value.endsWith("\r\n")) {
        value = value.substring(0, value.length() - 2);
      } else if (value.endsWith("\n")) {
        value = value.substring(0, value.length() - 1);
      }
      String name = null;
      for (String line : partHeaders.split("\r?\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
          for (String attr : line.substring(line.indexOf(':') + 1).split(";")) {
            String a = attr.trim();
            if (a.startsWith("name=")) {
              name = unquote(a.substring(5));
            }
          }
        }
      }
      if (name != null) {
        String decodedName = new String(name.getBytes(ISO_8859_1), UTF_8);
        String decodedValue = new String(value.getBytes(ISO_8859_1), UTF_8);
        out.computeIfAbsent(decodedName, k -> new ArrayList<>()).add(decodedValue);
      }
      pos = next;
    }
    return out;
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }

  private static String stripLeadingLineBreak(String s) {
    if (s.startsWith("\r\n")) {
      return s.substring(2);
    }
    return s.startsWith("\n") ? s.substring(1) : s;
  }

  /** 1 for the first request the server received (on any of its hosts), then 2, 3, ... */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  /** The name of the {@link LoopbackServer} host (port) that received the request. */
  public String host() {
    return host;
  }

  /** The HTTP method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /**
   * The decoded path without the query, as sent (a trailing slash is kept), e.g. {@code /token}.
   */
  public String path() {
    return path;
  }

  /** The raw (still encoded) query string, or null when the request had none. */
  public @Nullable String query() {
    return query;
  }

  /** Decoded query-string parameters only; the first value wins when a name repeats. */
  public Map<String, String> queryParameters() {
    return queryParameters;
  }

  /** Every decoded value of query parameter {@code name} (e.g. {@code filters[id][]}). */
  public List<String> queryParameterValues(String name) {
    requireNonNull(name, "name == null");
    return queryValues.getOrDefault(name, List.of());
  }

  /**
   * Every decoded value of body parameter {@code name}, in order (e.g. RFC 8707's repeated {@code
   * resource}).
   */
  public List<String> bodyParameterValues(String name) {
    requireNonNull(name, "name == null");
    return bodyValues.getOrDefault(name, List.of());
  }

  /** Every decoded value of parameter {@code name}: the query's, then the body's. */
  public List<String> parameterValues(String name) {
    List<String> values = new ArrayList<>(queryParameterValues(name));
    values.addAll(bodyParameterValues(name));
    return List.copyOf(values);
  }

  /** Decoded parameters of the body only (form, multipart or JSON object); first value wins. */
  public Map<String, String> bodyParameters() {
    return bodyParameters;
  }

  /** How the body carried its parameters. */
  public BodyEncoding bodyEncoding() {
    return bodyEncoding;
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

  /**
   * Query and body parameters merged, for assertions that do not care where a parameter travelled
   * (the body wins when a name is in both). The servers never read this: they read {@link
   * #queryParameters()} or {@link #bodyParameters()}, as their protocol says.
   */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** The parameter {@code name} from the query or the body (see {@link #parameters()}), or null. */
  public @Nullable String parameter(String name) {
    requireNonNull(name, "name == null");
    return parameters.get(name);
  }

  /**
   * Why the parameters could not be read cleanly (malformed query or body, a name repeated with
   * different values), or null.
   */
  public @Nullable String parameterError() {
    return parameterError;
  }

  @Override
  public String toString() {
    return "RecordedRequest[#"
        + sequenceNumber
        + " "
        + (host.equals(LoopbackServer.DEFAULT_HOST) ? "" : host + " ")
        + method
        + " "
        + path
        + "]";
  }
}
