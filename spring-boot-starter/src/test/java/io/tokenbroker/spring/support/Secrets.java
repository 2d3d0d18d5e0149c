package io.tokenbroker.spring.support;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.util.ArrayList;
import java.util.List;

/** Checks that no secret shows up in some text (logs, a response body). */
public final class Secrets {
  /** The client secret every test configures: a canary that must never be printed. */
  public static final String CLIENT_SECRET = "S3CRET-canary-4f9d2a71c0";

  private Secrets() {}

  /** Every token {@code server} issued, plus the client secret. */
  public static List<String> of(FakeAuthorizationServer server) {
    List<String> secrets = new ArrayList<>(server.issuedAccessTokens());
    secrets.addAll(server.issuedRefreshTokens());
    secrets.addAll(server.issuedAuthorizationCodes());
    secrets.add(CLIENT_SECRET);
    return secrets;
  }

  public static void assertNoneIn(String text, List<String> secrets, String where) {
    assertTrue(secrets.size() > 1 || secrets.contains(CLIENT_SECRET), "nothing to look for");
    for (String secret : secrets) {
      assertFalse(text.contains(secret), "a secret appears in " + where);
    }
  }
}
