package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.ServerMetadata;
import io.tokenbroker.oauth.internal.TokenResponses;
import io.tokenbroker.oauth.internal.Urls;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link ServerMetadata#parse}, the reading of RFC 8414 / OpenID metadata documents. The
 * input is a document; the expected issuer is fixed. Outside input may only produce metadata whose
 * issuer is exactly the expected one and whose endpoints are {@code https} (or loopback), or our
 * typed exceptions, whose messages never quote the document.
 *
 * <p>{@code ./mvnw verify} replays the seeds in {@code MetadataFuzzTestInputs}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MetadataFuzzTest {
  static final URI ISSUER = URI.create("https://login.example.com/tenant");
  private static final String MARKER = "marker-value-from-the-document";

  @FuzzTest(maxDuration = "2m")
  void metadata(byte[] input) {
    String body = new String(input, UTF_8);
    try {
      ServerMetadata metadata = ServerMetadata.parse(body, ISSUER);
      assertEquals(ISSUER.toString(), metadata.issuer());
      for (URI endpoint :
          new URI[] {
            metadata.authorizationEndpoint(),
            metadata.tokenEndpoint(),
            metadata.revocationEndpoint(),
            metadata.deviceAuthorizationEndpoint(),
            metadata.pushedAuthorizationRequestEndpoint()
          }) {
        if (endpoint != null) {
          assertTrue(Urls.requireSecure(endpoint, "endpoint") == endpoint);
        }
      }
    } catch (TokenResponses.MalformedResponseException | ServerMetadata.IssuerMismatchException e) {
      assertFalse(e.getMessage().contains(MARKER), "a message quotes the document");
    }
  }
}
