package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the user's browser against the fake server where a test reads the page or the query itself
 * ({@link io.tokenbroker.testkit.FakeAuthorizationServer#approve} follows a consent URL to its
 * redirect).
 */
final class Browser {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private Browser() {}

  /** GETs {@code uri} and returns the answer. */
  static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The decoded query parameters of {@code uri}, each with all its values in order. */
  static Map<String, List<String>> query(URI uri) {
    Map<String, List<String>> result = new LinkedHashMap<>();
    if (uri.getRawQuery() == null) {
      return result;
    }
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), UTF_8);
      result.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return result;
  }
}
