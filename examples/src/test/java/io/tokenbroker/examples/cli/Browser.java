package io.tokenbroker.examples.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Plays the user's browser: follows the consent URL (the fake approves at once). */
final class Browser {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private Browser() {}

  /** GETs {@code uri} following redirects (to the loopback receiver); returns the final page. */
  static HttpResponse<String> visit(URI uri) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("browser could not load " + uri, e);
    }
  }

  /** Visits the consent URL on another thread, as a browser the CLI opened would. */
  static CliContext.Browser async() {
    return uri -> {
      Thread t = new Thread(() -> visit(uri), "test-browser");
      t.setDaemon(true);
      t.start();
      return true;
    };
  }

  /** The out-of-band code shown on the fake's page. */
  static String oobCode(URI consentUri) {
    String page = visit(consentUri).body();
    Matcher m = Pattern.compile("id=\"(?:code|authorization_code)\"[^>]*>([^<]+)<").matcher(page);
    if (!m.find()) {
      throw new AssertionError("no code on the page: " + page);
    }
    return m.group(1);
  }
}
