package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.DeviceResponses;
import io.tokenbroker.oauth.internal.TokenResponses;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@link DeviceResponses#parse}, the reading of device authorization responses (RFC 8628
 * §3.2). A result has non-empty codes, a printable user code and verification URIs (they are shown
 * on a terminal), a positive lifetime and an interval within 1..300 s; anything else is a {@link
 * TokenResponses.MalformedResponseException} that never quotes the device code.
 *
 * <p>{@code ./mvnw verify} replays the seeds in {@code DeviceAuthorizationFuzzTestInputs}.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class DeviceAuthorizationFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void deviceAuthorizationResponse(byte[] input) {
    String body = new String(input, UTF_8);
    try {
      DeviceResponses.Started started = DeviceResponses.parse(body);
      assertFalse(started.deviceCode().isEmpty());
      assertFalse(started.userCode().isEmpty());
      assertTrue(started.userCode().chars().noneMatch(Character::isISOControl));
      assertTrue(started.verificationUri().toString().chars().noneMatch(Character::isISOControl));
      assertTrue(started.expiresInSeconds() > 0);
      assertTrue(started.intervalSeconds() >= 1 && started.intervalSeconds() <= 300);
      String shown = started.userCode() + " " + started.verificationUri();
      if (started.deviceCode().length() >= 8 && !shown.contains(started.deviceCode())) {
        // The user code and the URI are shown by design; a server may put anything in them. A
        // code shorter than 8 characters occurs in ordinary text by chance ("deviceCode").
        assertFalse(started.toString().contains(started.deviceCode()), "toString shows the code");
      }
    } catch (TokenResponses.MalformedResponseException e) {
      assertFalse(e.getMessage().contains("device-code-marker"), "a message quotes the code");
    }
  }
}
