package io.tokenbroker.testkit.procore;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as a {@link ProcoreSandbox} received it, for assertions.
 *
 * <p>{@link #parameters()} merges the query string with the body, which may be {@code
 * multipart/form-data} (what {@code curl -F} sends), {@code application/x-www-form-urlencoded} or a
 * JSON object: Procore's token endpoint accepts all three. Header lookups are case-insensitive.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the sequence number, host, method and
 * path only, never the query, headers or body, which carry secrets.
 */
public final class SandboxRequest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Which of the sandbox's two servers received the request. */
  public enum Host {
    /** The login host ({@code login.procore.com}): OAuth 2.0. */
    LOGIN,
    /** The API host ({@code api.procore.com}): {@code /rest/vX.Y/...}. */
    API
  }

  /** How the body carried its parameters. */
  public enum BodyEncoding {
    NONE,
    FORM,
    MULTIPART,
    JSON,
    /** A body of another content type, or one that could not be parsed. */
    OTHER
  }

  private final int sequenceNumber;
  private final Host host;
  private final String method;
  private final String path;
  private final @Nullable String query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final BodyEncoding bodyEncoding;
  private final Map<String, List<String>> queryParameters;
  private final Map<String, String> parameters;

  private SandboxRequest(
      int sequenceNumber,
      Host host,
      String method,
      String path,
      @Nullable String query,
      Map<String, List<String>> headers,
      byte[] body,
      BodyEncoding bodyEncoding,
      Map<String, List<String>> queryParameters,
      Map<String, String> parameters) {
    this.sequenceNumber = sequenceNumber;
    this.host = host;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.bodyEncoding = bodyEncoding;
    this.queryParameters = queryParameters;
    this.parameters = parameters;
  }

  /** Parses what a server received. Never throws on bad input: bad parts contribute nothing. */
  static SandboxRequest parse(
      int sequenceNumber,
      Host host,
      String method,
      URI uri,
      Map<String, List<String>> rawHeaders,
      byte[] body) {
    TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    rawHeaders.forEach(
        (name, values) ->
            headers.merge(
                name,
                List.copyOf(values),
                (a, b) -> {
                  List<String> all = new ArrayList<>(a);
                  all.addAll(b);
                  return List.copyOf(all);
                }));
    String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    String query = uri.getRawQuery();
    Map<String, List<String>> fromQuery = query == null ? Map.of() : parseForm(query);

    List<String> types = headers.getOrDefault("Content-Type", List.of());
    String contentType = types.isEmpty() ? "" : types.get(0);
    String lower = contentType.toLowerCase(Locale.ROOT).trim();
    BodyEncoding encoding = BodyEncoding.NONE;
    Map<String, List<String>> fromBody = Map.of();
    if (body.length > 0) {
      try {
        if (lower.startsWith("multipart/form-data")) {
          fromBody = parseMultipart(body, contentType);
          encoding = BodyEncoding.MULTIPART;
        } else if (lower.startsWith("application/json") || lower.contains("+json")) {
          fromBody = parseJson(body);
          encoding = BodyEncoding.JSON;
        } else if (lower.isEmpty() || lower.startsWith("application/x-www-form-urlencoded")) {
          fromBody = parseForm(new String(body, UTF_8));
          encoding = BodyEncoding.FORM;
        } else {
          encoding = BodyEncoding.OTHER;
        }
      } catch (IllegalArgumentException e) {
        encoding = BodyEncoding.OTHER;
        fromBody = Map.of();
      }
    }
    // Rails merges query and body parameters; the body wins, as in Rails.
    Map<String, String> merged = new LinkedHashMap<>();
    fromQuery.forEach((k, v) -> merged.put(k, v.get(0)));
    fromBody.forEach((k, v) -> merged.put(k, v.get(0)));
    return new SandboxRequest(
        sequenceNumber,
        host,
        method,
        path,
        query,
        Collections.unmodifiableMap(headers),
        body,
        encoding,
        Collections.unmodifiableMap(fromQuery),
        Collections.unmodifiableMap(merged));
  }

  static Map<String, List<String>> parseForm(String form) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String pair : form.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
      out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    out.replaceAll((k, v) -> List.copyOf(v));
    return out;
  }

  private static Map<String, List<String>> parseJson(byte[] body) {
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
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      JsonNode v = e.getValue();
      if (!v.isNull()) {
        out.put(e.getKey(), List.of(v.isValueNode() ? v.asText() : v.toString()));
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
        boundary = p.substring(9).trim();
        if (boundary.length() >= 2 && boundary.startsWith("\"") && boundary.endsWith("\"")) {
          boundary = boundary.substring(1, boundary.length() - 1);
        }
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
      String part = text.substring(pos, next);
      part = stripLeadingLineBreak(part);
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
              name = a.substring(5);
              if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                name = name.substring(1, name.length() - 1);
              }
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
    out.replaceAll((k, v) -> List.copyOf(v));
    return out;
  }

  private static String stripLeadingLineBreak(String s) {
    if (s.startsWith("\r\n")) {
      return s.substring(2);
    }
    if (s.startsWith("\n")) {
      return s.substring(1);
    }
    return s;
  }

  /** 1 for the first request the sandbox received (on either host), then 2, 3, ... */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  public Host host() {
    return host;
  }

  /** The HTTP method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The decoded path without the query, as sent (a trailing slash is kept). */
  public String path() {
    return path;
  }

  /** The raw query string, or null. */
  public @Nullable String query() {
    return query;
  }

  /** Decoded query parameters with every value, e.g. for {@code filters[id][]}. */
  public Map<String, List<String>> queryParameters() {
    return queryParameters;
  }

  /** All headers; lookups on the map are case-insensitive. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The first value of header {@code name} (case-insensitive), or null. */
  public @Nullable String header(String name) {
    requireNonNull(name, "name == null");
    List<String> values = headers.getOrDefault(name, List.of());
    return values.isEmpty() ? null : values.get(0);
  }

  /** A copy of the raw body. */
  public byte[] body() {
    return body.clone();
  }

  public String bodyUtf8() {
    return new String(body, UTF_8);
  }

  public BodyEncoding bodyEncoding() {
    return bodyEncoding;
  }

  /** Query and body parameters merged (first value of each; the body wins over the query). */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** One merged parameter, or null. */
  public @Nullable String parameter(String name) {
    requireNonNull(name, "name == null");
    return parameters.get(name);
  }

  @Override
  public String toString() {
    return "SandboxRequest[#" + sequenceNumber + " " + host + " " + method + " " + path + "]";
  }
}
