package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes consent-callback parsing: {@link AuthorizationRequest#complete(URI)} with a callback URI
 * built from fuzzed query and fragment, and {@link AuthorizationRequest#exchange(String)} with a
 * fuzzed pasted code. A callback yields tokens (only when it carries the right {@code state} and a
 * code) or a {@link ConsentException}; never another exception.
 *
 * <p>The request is fabricated: its code exchange returns fixed tokens instead of calling a server,
 * and records the code it was given.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class ConsentCallbackFuzzTest {
  private static final String STATE = "Zt3c1mFz0k8d2WQ5y7nB4pXv9aLr6Hs";
  private static final URI REDIRECT = URI.create("http://127.0.0.1:53682/callback");
  private static final TokenSet TOKENS =
      new TokenSet(
          AccessToken.of("fuzz-access-token"),
          "Bearer",
          Instant.parse("2026-01-01T00:00:00Z"),
          Instant.parse("2026-01-01T01:00:00Z"),
          null,
          null,
          Set.of());

  @FuzzTest(maxDuration = "2m")
  void complete(FuzzedDataProvider data) {
    boolean stateRequired = data.consumeBoolean();
    boolean withFragment = data.consumeBoolean();
    String fragment = withFragment ? data.consumeString(200) : null;
    String query = data.consumeRemainingAsString();
    URI callback;
    try {
      callback = new URI(REDIRECT + "?" + query + (fragment == null ? "" : "#" + fragment));
    } catch (URISyntaxException e) {
      return; // not a URI: complete(URI) cannot be called with it
    }
    AtomicReference<String> exchanged = new AtomicReference<>();
    AuthorizationRequest request = request(stateRequired, exchanged);
    try {
      TokenSet tokens = request.complete(callback);
      assertEquals(TOKENS, tokens);
      assertNotNull(exchanged.get(), "tokens without an exchange");
      assertFalse(exchanged.get().isEmpty(), "empty code exchanged");
      assertTrue(
          callback.getRawQuery() != null || callback.getRawFragment() != null,
          "a code from nowhere");
    } catch (ConsentException e) {
      assertNotNull(e.kind());
      assertEquals(null, exchanged.get(), "code exchanged although the callback was refused");
    }
  }

  @FuzzTest(maxDuration = "2m")
  void exchangePastedCode(FuzzedDataProvider data) {
    String code = data.consumeRemainingAsString();
    AtomicReference<String> exchanged = new AtomicReference<>();
    try {
      assertEquals(TOKENS, request(true, exchanged).exchange(code));
      assertEquals(code.strip(), exchanged.get());
      assertFalse(exchanged.get().isEmpty());
    } catch (ConsentException e) {
      assertTrue(code.isBlank(), "a non-blank code was refused");
      assertEquals(ConsentException.Kind.INVALID_CALLBACK, e.kind());
    }
  }

  private static AuthorizationRequest request(
      boolean stateRequired, AtomicReference<String> exchanged) {
    return new AuthorizationRequest(
        URI.create("https://login.example/authorize?response_type=code&state=" + STATE),
        REDIRECT,
        STATE,
        stateRequired,
        code -> {
          exchanged.set(code);
          return TOKENS;
        });
  }
}
