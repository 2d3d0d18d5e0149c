package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;

/** A tiny HTTP client for talking to the fake from tests. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();

  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  record Response(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Nullable String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** The {@code error} field of a JSON error, or null. */
    @Nullable String error() {
      JsonNode error = json().get("error");
      return error == null ? null : error.asText();
    }
  }

  static Map<String, String> params(String... namesAndValues) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      out.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return out;
  }

  static String form(Map<String, String> params) {
    StringJoiner joiner = new StringJoiner("&");
    params.forEach(
        (k, v) -> joiner.add(URLEncoder.encode(k, UTF_8) + "=" + URLEncoder.encode(v, UTF_8)));
    return joiner.toString();
  }

  /** RFC 6749 §2.3.1: form-encode id and secret, then Basic. */
  static String basic(String id, String secret) {
    String pair = URLEncoder.encode(id, UTF_8) + ":" + URLEncoder.encode(secret, UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(UTF_8));
  }

  Response postForm(URI uri, Map<String, String> params, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(params)));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  Response get(URI uri) throws Exception {
    return send(HttpRequest.newBuilder(uri).GET().build());
  }

  Response send(HttpRequest request) throws Exception {
    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers(), r.body());
  }

  /** Client-credentials token request with client_secret_basic. */
  Response clientCredentials(FakeAuthorizationServer server, String id, String secret)
      throws Exception {
    return postForm(
        server.tokenEndpoint(),
        params("grant_type", "client_credentials"),
        "Authorization",
        basic(id, secret));
  }

  Response refresh(FakeAuthorizationServer server, String id, String secret, String refreshToken)
      throws Exception {
    return postForm(
        server.tokenEndpoint(),
        params("grant_type", "refresh_token", "refresh_token", refreshToken),
        "Authorization",
        basic(id, secret));
  }

  /** Query parameters of a URI, decoded. */
  static Map<String, String> query(URI uri) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = uri.getRawQuery();
    if (q == null) {
      return out;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          java.net.URLDecoder.decode(pair.substring(0, eq), UTF_8),
          java.net.URLDecoder.decode(pair.substring(eq + 1), UTF_8));
    }
    return out;
  }
}
