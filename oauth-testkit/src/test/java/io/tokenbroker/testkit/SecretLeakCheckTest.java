package io.tokenbroker.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Plants leaks and proves {@link SecretLeakCheck}, registered by auto-detection as in every module,
 * fails the test that leaks. The planted tests are nested classes (never run by surefire itself)
 * started here through the JUnit launcher.
 */
@SecretLeakCheck.Skip("runs planted leaks, whose output it must not judge itself")
class SecretLeakCheckTest {

  /** Runs {@code planted} as JUnit would, with extension auto-detection on. */
  private static TestExecutionSummary run(Class<?> planted) {
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(planted))
            .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
            .build();
    Launcher launcher = LauncherFactory.create();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();
    launcher.execute(request, listener);
    return listener.getSummary();
  }

  private static String failure(TestExecutionSummary summary) {
    assertEquals(1, summary.getTestsStartedCount());
    assertEquals(1, summary.getTotalFailureCount(), "the planted leak was not caught");
    Throwable thrown = summary.getFailures().get(0).getException();
    return thrown.getMessage();
  }

  @Test
  void anAccessTokenPrintedToStderrFailsTheTest() {
    String message = failure(run(PrintsTokenToStderr.class));
    assertTrue(message.contains("access token in stderr"), message);
  }

  @Test
  void aTokenLoggedToAnotherLoggerFailsTheTest() {
    String message = failure(run(LogsTokenElsewhere.class));
    assertTrue(message.contains("access token in the log"), message);
  }

  @Test
  void aClientSecretInALibraryDebugLogFailsTheTest() {
    String message = failure(run(LogsSecretAtDebug.class));
    assertTrue(message.contains("client secret in the log"), message);
  }

  @Test
  void aTokenPrintedByAChildJvmFailsTheTest() {
    String message = failure(run(ChildPrintsToken.class));
    assertTrue(message.contains("refresh token in a child JVM's output"), message);
  }

  @Test
  void theFailureNeverShowsTheSecret() {
    TestExecutionSummary summary = run(PrintsTokenToStderr.class);
    String message = failure(summary);
    assertFalse(message.contains(PrintsTokenToStderr.printed), message);
  }

  @Test
  void cleanOutputPasses() {
    TestExecutionSummary summary = run(PrintsOnlyTheLength.class);
    assertEquals(1, summary.getTestsSucceededCount(), () -> summary.getFailures().toString());
  }

  // ---------------------------------------------------------------- planted tests

  /** A fake server and a token from it, for the planted tests. */
  abstract static class WithServer {
    final Http http = new Http();
    final FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .clientCredentialsRefreshToken(true)
            .start()
            .registerClient("app", "planted-client-secret");

    @AfterEach
    void stop() {
      server.close();
    }

    Http.Response token() throws Exception {
      Http.Response r = http.clientCredentials(server, "app", "planted-client-secret");
      assertEquals(200, r.status(), r.body());
      return r;
    }
  }

  static class PrintsTokenToStderr extends WithServer {
    static volatile String printed = "";

    @Test
    void leak() throws Exception {
      printed = token().json().get("access_token").asText();
      System.err.println("debugging: " + printed);
    }
  }

  static class LogsTokenElsewhere extends WithServer {
    @Test
    void leak() throws Exception {
      String token = token().json().get("access_token").asText();
      System.getLogger("com.example.app").log(System.Logger.Level.WARNING, "got " + token);
    }
  }

  static class LogsSecretAtDebug extends WithServer {
    @Test
    void leak() throws Exception {
      token();
      System.getLogger("io.tokenbroker.oauth.Planted")
          .log(System.Logger.Level.DEBUG, "auth with planted-client-secret");
    }
  }

  static class ChildPrintsToken extends WithServer {
    @Test
    void leak() throws Exception {
      String refreshToken = token().json().get("refresh_token").asText();
      try (ChildJvm child = ChildJvm.builder(Echo.class).name("echo").start()) {
        child.send(refreshToken);
        child.closeStdin();
        assertEquals(0, child.waitFor(Duration.ofSeconds(60)));
      }
    }
  }

  static class PrintsOnlyTheLength extends WithServer {
    @Test
    void noLeak() throws Exception {
      String token = token().json().get("access_token").asText();
      System.err.println("token of " + token.length() + " characters");
      System.getLogger("com.example.app").log(System.Logger.Level.WARNING, "got a token");
    }
  }

  /** The child of {@link ChildPrintsToken}: echoes stdin to stdout. */
  public static final class Echo {
    private Echo() {}

    public static void main(String[] args) throws Exception {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        System.out.println("echo " + line);
      }
    }
  }
}
