package io.tokenbroker.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the user of an offline sandbox: opens a consent URL the way a browser would and approves it
 * (the sandboxes approve at once), so that examples and the demo run without anyone at the
 * keyboard. Against a real provider a person does this in a real browser.
 *
 * <p>Thread-safe. Failures are {@link IllegalStateException}s (no page, no code on it) or {@link
 * UncheckedIOException}s (the sandbox cannot be reached).
 */
public final class SandboxUser {
  private static final Pattern CODE =
      Pattern.compile("id=\"(?:authorization_code|code)\"[^>]*>([^<]+)<");
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private SandboxUser() {}

  /**
   * Opens an out-of-band consent URL ({@code redirect_uri=urn:ietf:wg:oauth:2.0:oob}) and returns
   * the code the page shows, as a user would copy it.
   */
  public static String outOfBandCode(URI consentUrl) {
    requireNonNull(consentUrl, "consentUrl == null");
    String page = get(consentUrl).body();
    Matcher m = CODE.matcher(page);
    if (!m.find()) {
      throw new IllegalStateException(
          "the consent page at " + consentUrl.getHost() + " shows no code");
    }
    return m.group(1).strip();
  }

  private static HttpResponse<String> get(URI uri) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the consent page", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the consent page", e);
    }
  }
}
