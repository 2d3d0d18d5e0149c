package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.PushedAuthorizationResponses;
import io.tokenbroker.oauth.internal.TokenResponses;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link PushedAuthorizationResponses#parse}, the reading of pushed authorization responses
 * (RFC 9126 §2.2): an absolute, printable {@code request_uri} with a positive lifetime, or a {@link
 * TokenResponses.MalformedResponseException}.
 *
 * <p>{@code ./mvnw verify} replays the seeds in {@code PushedAuthorizationFuzzTestInputs}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class PushedAuthorizationFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void pushedAuthorizationResponse(byte[] input) {
    try {
      PushedAuthorizationResponses.Pushed pushed =
          PushedAuthorizationResponses.parse(new String(input, UTF_8));
      assertTrue(pushed.requestUri().isAbsolute());
      assertTrue(pushed.requestUri().toString().chars().noneMatch(Character::isISOControl));
      assertTrue(pushed.expiresInSeconds() > 0);
    } catch (TokenResponses.MalformedResponseException e) {
      assertTrue(e.getMessage() != null);
    }
  }
}
