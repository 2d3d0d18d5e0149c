package io.tokenbroker.testkit.procore;

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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** A tiny raw HTTP client for talking to the sandbox the way Procore's docs show (curl). */
final class SandboxHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern OOB_CODE =
      Pattern.compile("<code id=\"authorization_code\">([^<]+)</code>");

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

    @Nullable String error() {
      JsonNode error = json().get("error");
      return error == null ? null : error.asText();
    }

    String text(String field) {
      return json().get(field).asText();
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

  Response get(URI uri, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  Response api(
      ProcoreSandbox sandbox, String pathAndQuery, @Nullable String token, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(sandbox.apiUrl() + pathAndQuery)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  Response postForm(URI uri, Map<String, String> params) throws Exception {
    return send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(params)))
            .build());
  }

  Response postJson(URI uri, Map<String, String> params) throws Exception {
    return send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(params)))
            .build());
  }

  /** What {@code curl -F name=value ...} sends. */
  Response postMultipart(URI uri, Map<String, String> params) throws Exception {
    String boundary = "------------------------d74496d66958873e";
    StringBuilder body = new StringBuilder();
    params.forEach(
        (k, v) ->
            body.append("--")
                .append(boundary)
                .append("\r\n")
                .append("Content-Disposition: form-data; name=\"")
                .append(k)
                .append("\"\r\n\r\n")
                .append(v)
                .append("\r\n"));
    body.append("--").append(boundary).append("--\r\n");
    return send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), UTF_8))
            .build());
  }

  Response send(HttpRequest request) throws Exception {
    HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers(), r.body());
  }

  /** Runs the OOB consent in "the browser" and reads the code off the page. */
  String oobCode(ProcoreSandbox sandbox, String clientId) throws Exception {
    Response page =
        get(
            URI.create(
                sandbox.authorizationEndpoint()
                    + "?response_type=code&client_id="
                    + clientId
                    + "&redirect_uri="
                    + URLEncoder.encode(ProcoreSandbox.OUT_OF_BAND, UTF_8)));
    if (page.status() != 200) {
      throw new AssertionError("authorize answered " + page.status());
    }
    Matcher m = OOB_CODE.matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no code on the OOB page");
    }
    return m.group(1);
  }

  /** Runs OOB consent and the code exchange: the token response. */
  Response consent(ProcoreSandbox sandbox, String clientId, String secret) throws Exception {
    String code = oobCode(sandbox, clientId);
    return postForm(
        sandbox.tokenEndpoint(),
        params(
            "grant_type",
            "authorization_code",
            "client_id",
            clientId,
            "client_secret",
            secret,
            "code",
            code,
            "redirect_uri",
            ProcoreSandbox.OUT_OF_BAND));
  }

  Response refresh(ProcoreSandbox sandbox, String clientId, String secret, String refreshToken)
      throws Exception {
    return postForm(
        sandbox.tokenEndpoint(),
        params(
            "grant_type",
            "refresh_token",
            "client_id",
            clientId,
            "client_secret",
            secret,
            "refresh_token",
            refreshToken));
  }

  Response clientCredentials(ProcoreSandbox sandbox, String clientId, String secret)
      throws Exception {
    return postForm(
        sandbox.tokenEndpoint(),
        params("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret));
  }
}
