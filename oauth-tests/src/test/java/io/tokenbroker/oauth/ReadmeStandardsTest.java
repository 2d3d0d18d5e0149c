package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Standards" block compiles, and runs against the fake server with only the issuer,
 * the key file, the API URL and the secret swapped; a thread plays the user of the device flow.
 */
class ReadmeStandardsTest {
  private static final String ISSUER = "https://login.example.com/tenant";
  private static final String KEY_FILE = "reporting-key.pem";
  private static final String API = "https://api.example.com/reports";
  private static final String SECRET_EXPRESSION = "System.getenv(\"SERVICE_SECRET\")";

  private static String block() throws Exception {
    String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    Matcher block =
        Pattern.compile("## Standards\\s+.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
    assertTrue(block.find(), "README has a java block under Standards");
    return block.group(1);
  }

  @Test
  void standardsBlockCompilesAndRuns(@TempDir Path dir) throws Exception {
    String snippet = block();
    for (String placeholder : List.of(ISSUER, KEY_FILE, API, SECRET_EXPRESSION)) {
      assertTrue(snippet.contains(placeholder), "the placeholder this test swaps: " + placeholder);
    }
    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .issuerPath("/tenant")
            .devicePollingInterval(Duration.ofSeconds(1))
            .start()) {
      KeyPair pair = TestKeys.rsa();
      server.registerClient("reporting", pair.getPublic(), "2026-01");
      server.registerPublicClient("tv-app");
      server.registerClient("service", "service-secret-0123456789");
      Path key = dir.resolve("key.pem");
      Files.writeString(key, TestKeys.pkcs8Pem(pair.getPrivate()));
      String runnable =
          snippet
              .replace(ISSUER, server.issuer().toString())
              .replace(KEY_FILE, key.toString().replace("\\", "\\\\"))
              .replace(API, server.resourceEndpoint() + "/reports")
              .replace(SECRET_EXPRESSION, "\"service-secret-0123456789\"");
      String source =
          "package readme;\n"
              + "import io.tokenbroker.oauth.*;\nimport java.net.URI;\nimport java.net.http.*;\n"
              + "import java.nio.file.Path;\nimport java.time.Duration;\n"
              + "public class Standards implements java.util.concurrent.Callable<String> {\n"
              + "  public String call() throws Exception {\n"
              + runnable
              + "    broker.close();\n"
              + "    return bearer + \"\\n\" + answer.statusCode() + \"\\n\" + answer.body();\n"
              + "  }\n}\n";
      Path classes = Files.createDirectory(dir.resolve("classes"));
      ReadmeQuickStartTest.compile("Standards", source, classes);
      Thread user =
          new Thread(
              () -> {
                // The user on their phone: approves the first device authorization that shows up.
                while (!Thread.currentThread().isInterrupted()) {
                  List<String> pending = server.pendingUserCodes();
                  if (!pending.isEmpty()) {
                    server.approveDevice(pending.get(0));
                    return;
                  }
                  java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
              },
              "readme-user");
      user.setDaemon(true);
      user.start();
      try (var loader =
          new java.net.URLClassLoader(
              new java.net.URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
        @SuppressWarnings("unchecked")
        Callable<String> standards =
            (Callable<String>)
                loader.loadClass("readme.Standards").getDeclaredConstructor().newInstance();
        String[] result = standards.call().split("\n", 3);

        assertEquals(server.issuedAccessTokens().get(0), result[0], "the private_key_jwt token");
        assertEquals("200", result[1], result[2]);
        assertTrue(result[2].contains("\"token_type\":\"DPoP\""), result[2]);
      } finally {
        user.interrupt();
      }
      RecordedRequest first =
          server.requests().stream()
              .filter(r -> r.path().equals("/token"))
              .findFirst()
              .orElseThrow();
      assertTrue(first.parameter("client_assertion") != null, "private_key_jwt");
      assertEquals("https://api.example.com/", first.parameter("resource"));
      assertTrue(server.tokenRequestCount("urn:ietf:params:oauth:grant-type:device_code") >= 1);
    }
  }
}
