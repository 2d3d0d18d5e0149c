package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start compiles, and runs against the fake server with only the URL and secret
 * swapped.
 */
class ReadmeQuickStartTest {
  private static final String URL = "https://login.acme.example/oauth/token";
  private static final String SECRET_EXPRESSION = "System.getenv(\"ACME_CLIENT_SECRET\")";

  static String quickStart() throws IOException {
    Path readme = Path.of("..", "README.md");
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    Matcher block =
        Pattern.compile("## Quick start\\s+```java\\n(.*?)```", Pattern.DOTALL).matcher(text);
    assertTrue(block.find(), "README has a java quick-start block");
    return block.group(1);
  }

  @Test
  void quickStartCompilesAndRuns(@TempDir Path classes) throws Exception {
    String snippet = quickStart();
    assertTrue(
        snippet.contains(URL) && snippet.contains(SECRET_EXPRESSION),
        "the placeholders this test swaps");
    try (FakeAuthorizationServer server = FakeAuthorizationServer.start()) {
      server.registerClient("my-client-id", "the-secret");
      String runnable =
          snippet
              .replace(URL, server.tokenEndpoint().toString())
              .replace(SECRET_EXPRESSION, "\"the-secret\"");
      String source =
          "package readme;\n"
              + "import io.tokenbroker.oauth.*;\nimport java.net.URI;\n"
              + "public class QuickStart implements java.util.concurrent.Callable<String> {\n"
              + "  public String call() throws Exception {\n"
              + runnable
              + "    return bearer;\n  }\n}\n";

      compile("QuickStart", source, classes);
      try (var loader =
          new java.net.URLClassLoader(
              new java.net.URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
        @SuppressWarnings("unchecked")
        Callable<String> quickStart =
            (Callable<String>)
                loader.loadClass("readme.QuickStart").getDeclaredConstructor().newInstance();
        assertNull(server.lastAccessToken(), "no token before the snippet runs");
        String bearer = quickStart.call();
        assertEquals(server.lastAccessToken(), bearer);
      }
    }
  }

  /** Compiles {@code source}, the class {@code readme.<simpleName>}, into {@code output}. */
  static void compile(String simpleName, String source, Path output) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    JavaFileObject file =
        new SimpleJavaFileObject(
            URI.create("string:///readme/" + simpleName + ".java"), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return source;
          }
        };
    java.io.StringWriter errors = new java.io.StringWriter();
    boolean ok =
        compiler
            .getTask(
                errors,
                null,
                null,
                List.of(
                    "-d", output.toString(), "-classpath", System.getProperty("java.class.path")),
                null,
                List.of(file))
            .call();
    assertTrue(ok, "README's " + simpleName + " does not compile:\n" + errors);
  }
}
