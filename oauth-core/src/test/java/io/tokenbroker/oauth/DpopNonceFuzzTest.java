package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.DpopNonces;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of DPoP nonce demands (RFC 9449 §8, §9): {@link DpopNonces#fromTokenEndpoint}
 * and {@link DpopNonces#fromResourceServer}. The input is lines: the status, the {@code DPoP-Nonce}
 * header, then the body (token endpoint) or {@code WWW-Authenticate} values (resource server). They
 * never throw; a nonce they return is the header's and a valid one.
 *
 * <p>{@code ./mvnw verify} replays the seeds in {@code DpopNonceFuzzTestInputs}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DpopNonceFuzzTest {
  private record Answer(int status, String nonce, List<String> rest) {}

  private static Answer answer(byte[] input) {
    String[] lines = new String(input, UTF_8).split("\n", -1);
    int status;
    try {
      status = Integer.parseInt(lines[0].trim());
    } catch (NumberFormatException e) {
      status = 400;
    }
    String nonce = lines.length > 1 ? lines[1] : null;
    List<String> rest = new ArrayList<>();
    for (int i = 2; i < lines.length; i++) {
      rest.add(lines[i]);
    }
    return new Answer(status, nonce, rest);
  }

  @FuzzTest(maxDuration = "2m")
  void tokenEndpointNonce(byte[] input) {
    Answer a = answer(input);
    String nonce = DpopNonces.fromTokenEndpoint(a.status(), String.join("\n", a.rest()), a.nonce());
    if (nonce != null) {
      assertEquals(a.nonce(), nonce);
      assertTrue(DpopNonces.isValid(nonce));
      assertTrue(a.status() == 400 || a.status() == 401);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void resourceServerNonce(byte[] input) {
    Answer a = answer(input);
    String nonce = DpopNonces.fromResourceServer(a.status(), a.rest(), a.nonce());
    if (nonce != null) {
      assertEquals(a.nonce(), nonce);
      assertTrue(DpopNonces.isValid(nonce));
      assertEquals(401, a.status());
    }
  }
}
