package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URLDecoder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request as a {@link CorSandbox} received it, for assertions about the wire format: where
 * each parameter travelled (query string or form body), which headers were sent.
 *
 * <p>Immutable and thread-safe. Header lookups are case-insensitive. {@link #toString()} shows only
 * the sequence number, method and path, never the query, headers or body, which carry secrets.
 */
public final class CorRequest {
  private final int sequenceNumber;
  private final String method;
  private final String path;
  private final @Nullable String query;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final Map<String, String> queryParameters;
  private final Map<String, String> formParameters;
  private final boolean malformedForm;

  private CorRequest(
      int sequenceNumber,
      String method,
      String path,
      @Nullable String query,
      Map<String, List<String>> headers,
      byte[] body,
      Map<String, String> queryParameters,
      Map<String, String> formParameters,
      boolean malformedForm) {
    this.sequenceNumber = sequenceNumber;
    this.method = method;
    this.path = path;
    this.query = query;
    this.headers = headers;
    this.body = body;
    this.queryParameters = queryParameters;
    this.formParameters = formParameters;
    this.malformedForm = malformedForm;
  }

  static CorRequest parse(
      int sequenceNumber,
      String method,
      URI uri,
      Map<String, List<String>> rawHeaders,
      byte[] body) {
    TreeMap<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    rawHeaders.forEach((name, values) -> headers.put(name, List.copyOf(values)));
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getPath();
    String query = uri.getRawQuery();
    boolean malformed = false;
    Map<String, String> queryParameters = Map.of();
    if (query != null) {
      try {
        queryParameters = parseForm(query);
      } catch (IllegalArgumentException e) {
        malformed = true;
      }
    }
    Map<String, String> form = Map.of();
    List<String> types = headers.getOrDefault("Content-Type", List.of());
    String type = types.isEmpty() ? "" : types.get(0).toLowerCase(Locale.ROOT);
    if (body.length > 0 && type.startsWith("application/x-www-form-urlencoded")) {
      try {
        form = parseForm(new String(body, UTF_8));
      } catch (IllegalArgumentException e) {
        malformed = true;
      }
    }
    return new CorRequest(
        sequenceNumber,
        method,
        path,
        query,
        Collections.unmodifiableMap(headers),
        body,
        queryParameters,
        form,
        malformed);
  }

  /** Parses a query or form; the first value of a repeated name wins. */
  static Map<String, String> parseForm(String form) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
      out.putIfAbsent(name, value);
    }
    return Collections.unmodifiableMap(out);
  }

  /** 1 for the first request the sandbox received, then 2, 3, ... */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  /** The HTTP method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The decoded path without the query, e.g. {@code /v1/oauth/token}. */
  public String path() {
    return path;
  }

  /** The raw (still encoded) query string, or null when there was none. */
  public @Nullable String query() {
    return query;
  }

  /** Decoded query-string parameters only. */
  public Map<String, String> queryParameters() {
    return queryParameters;
  }

  /** Decoded parameters of an {@code application/x-www-form-urlencoded} body only. */
  public Map<String, String> formParameters() {
    return formParameters;
  }

  /** All headers; the map's key lookup is case-insensitive. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The first value of header {@code name} (case-insensitive), or null. */
  public @Nullable String header(String name) {
    requireNonNull(name, "name == null");
    List<String> values = headers.getOrDefault(name, List.of());
    return values.isEmpty() ? null : values.get(0);
  }

  /** A copy of the raw body (empty when there was none). */
  public byte[] body() {
    return body.clone();
  }

  /** The body decoded as UTF-8. */
  public String bodyUtf8() {
    return new String(body, UTF_8);
  }

  boolean malformedForm() {
    return malformedForm;
  }

  @Override
  public String toString() {
    return "CorRequest[#" + sequenceNumber + " " + method + " " + path + "]";
  }
}
