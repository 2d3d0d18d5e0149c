package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credential-helper commands as other programs run them, in child processes: kubectl's and
 * scripts' {@code token --json}/{@code --format exec-credential}, git with {@code git-credential}
 * as its helper, {@code exec}, the completion script in bash, and the home directory taken from the
 * environment.
 */
class CredentialHelperJarIT {
  static final String SECRET = "s3cret-client-value";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

  @TempDir Path home;
  FakeAuthorizationServer server;
  JarProcess jar;

  @BeforeEach
  void setUp() throws Exception {
    server = FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start();
    server.registerClient("cli-client", SECRET);
    jar = new JarProcess(home);
    jar.env.put("ACME_SECRET", SECRET);
    CliRunner.Result login =
        jar.run(
            "login",
            "acme",
            "--provider",
            "generic",
            "--grant",
            "client-credentials",
            "--token-url",
            server.tokenEndpoint().toString(),
            "--client-id",
            "cli-client",
            "--client-secret-env",
            "ACME_SECRET",
            "--scope",
            "read");
    assertEquals(0, login.exit(), login::toString);
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  @Test
  void machineReadableFormatsThroughTheJar() throws Exception {
    CliRunner.Result json = jar.run("token", "acme", "--json");
    assertEquals(0, json.exit(), json::toString);
    assertEquals("", json.err());
    JsonNode token = JSON.readTree(json.out());
    assertEquals(server.lastAccessToken(), token.get("access_token").asText());
    assertEquals("Bearer", token.get("token_type").asText());
    assertTrue(Instant.parse(token.get("expires_at").asText()).isAfter(Instant.now()));
    assertEquals("read", token.get("scopes").get(0).asText());

    CliRunner.Result credential = jar.run("token", "acme", "--format", "exec-credential");
    assertEquals(0, credential.exit(), credential::toString);
    JsonNode exec = JSON.readTree(credential.out());
    assertEquals("client.authentication.k8s.io/v1", exec.get("apiVersion").asText());
    assertEquals("ExecCredential", exec.get("kind").asText());
    assertEquals(server.lastAccessToken(), exec.get("status").get("token").asText());
    assertTrue(
        exec.get("status")
            .get("expirationTimestamp")
            .asText()
            .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
    assertEquals(1, server.tokenRequestCount(), "both served from the store");

    // Just under the token's lifetime: a refresh through the broker, then the same format.
    CliRunner.Result refreshed =
        jar.run("token", "acme", "--format", "exec-credential", "--min-valid", "3599999ms");
    assertEquals(0, refreshed.exit(), refreshed::toString);
    assertEquals(2, server.tokenRequestCount());
    assertEquals(
        server.lastAccessToken(),
        JSON.readTree(refreshed.out()).get("status").get("token").asText());
  }

  @Test
  void gitUsesTheHelperAgainstALocalServer() throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer git =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    git.createContext(
        "/",
        exchange -> {
          String authorization = exchange.getRequestHeaders().getFirst("Authorization");
          if (authorization == null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"repo\"");
            exchange.sendResponseHeaders(401, -1);
          } else {
            authorizations.add(authorization);
            exchange.sendResponseHeaders(403, -1); // enough: git then calls the helper's erase
          }
          exchange.close();
        });
    git.start();
    try {
      String helper =
          "!\""
              + JAVA
              + "\" -jar \""
              + JarProcess.JAR.toAbsolutePath()
              + "\""
              + " git-credential acme --username x-token";
      Process p =
          git(
              "-c",
              "credential.helper=" + helper,
              "ls-remote",
              "http://127.0.0.1:" + git.getAddress().getPort() + "/team/repo.git");
      String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
      p.waitFor(60, TimeUnit.SECONDS);
      String expected =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("x-token:" + server.lastAccessToken()).getBytes(UTF_8));
      assertEquals(List.of(expected), authorizations, err);
      Secrets.assertNotIn(err, "git ls-remote's stderr", server, SECRET);
    } finally {
      git.stop(0);
    }

    Process fill =
        git(
            "-c",
            "credential.helper=!\""
                + JAVA
                + "\" -jar \""
                + JarProcess.JAR.toAbsolutePath()
                + "\" git-credential acme",
            "credential",
            "fill");
    try (OutputStream in = fill.getOutputStream()) {
      in.write("protocol=https\nhost=git.example.com\n\n".getBytes(UTF_8));
    }
    String out = new String(fill.getInputStream().readAllBytes(), UTF_8); // the token, on purpose
    String fillErr = new String(fill.getErrorStream().readAllBytes(), UTF_8);
    assertEquals(0, fill.waitFor(), out);
    Secrets.assertNotIn(fillErr, "git credential fill's stderr", server, SECRET);
    assertTrue(out.contains("username=oauth2\n"), out);
    assertTrue(out.contains("password=" + server.lastAccessToken() + "\n"), out);
    assertTrue(out.contains("host=git.example.com\n"), out);
  }

  @Test
  void execRunsTheCommandWithTheTokenInItsEnvironment() throws Exception {
    CliRunner.Result r =
        jar.run(
            "exec",
            "acme",
            "--env",
            "API_TOKEN",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$API_TOKEN\"; tr '\\0' ' ' < /proc/$PPID/cmdline >&2; exit 5");
    assertEquals(5, r.exit(), r::toString);
    assertEquals(server.lastAccessToken() + "\n", r.out()); // ChildJvm ends each line with \n
    assertTrue(r.err().contains("exec acme --env API_TOKEN -- sh -c"), r::toString);
    assertFalse(r.err().contains(server.lastAccessToken()), "not on any command line");
  }

  @Test
  void completionInBashOffersTheStoredGrants() throws Exception {
    Path launcher = Path.of("tokenbroker").toAbsolutePath(); // examples/tokenbroker
    String script =
        "source <(\"$LAUNCHER\" completion bash) || exit 9\n"
            + "COMP_WORDS=(\"$LAUNCHER\" token \"\"); COMP_CWORD=2; _tokenbroker_with_grants\n"
            + "printf 'token:%s\\n' \"${COMPREPLY[@]}\"\n"
            + "COMP_WORDS=(\"$LAUNCHER\" to); COMP_CWORD=1; _tokenbroker_with_grants\n"
            + "printf 'command:%s\\n' \"${COMPREPLY[@]}\"\n";
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script);
    builder.environment().put("LAUNCHER", launcher.toString());
    builder.environment().put("TOKENBROKER_HOME", home.toString());
    builder.environment().put("TOKENBROKER_CDS", "off");
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
    assertEquals(0, p.waitFor(), err);
    assertTrue(out.contains("token:acme\n"), out + err);
    assertTrue(out.contains("command:token\n"), out + err);
    Secrets.assertNotIn(out + err, "bash's output while completing", server, SECRET);
  }

  @Test
  void launcherKeepsAClassDataArchiveAndCleanOutput() throws Exception {
    Path launcher = Path.of("tokenbroker").toAbsolutePath();
    for (int run = 0; run < 2; run++) {
      ProcessBuilder builder = new ProcessBuilder("sh", launcher.toString(), "token", "acme");
      builder.environment().put("TOKENBROKER_HOME", home.toString());
      builder.environment().remove("TOKENBROKER_CDS");
      Process p = builder.start();
      String out = new String(p.getInputStream().readAllBytes(), UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), UTF_8);
      assertEquals(0, p.waitFor(), err);
      Secrets.assertNotIn(err, "the launcher's stderr", server, SECRET);
      assertEquals(server.lastAccessToken() + "\n", out, "the archive's making prints nothing");
      assertEquals("", err);
    }
    Path cache = home.resolve("cache");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
    try (Stream<Path> files = Files.list(cache)) {
      List<String> names = files.map(f -> f.getFileName().toString()).toList();
      assertTrue(
          names.stream().anyMatch(n -> n.matches("tokenbroker-\\d+-\\d+\\.(jsa|aot)")),
          names::toString);
    }
    Secrets.assertFilesHoldNoSecret(home, server, SECRET);
  }

  @Test
  void homeComesFromHomeWhenTokenbrokerHomeIsUnset() throws Exception {
    Path userHome = home.resolveSibling(home.getFileName() + "-user");
    Files.createDirectories(userHome);
    jar.env.remove("TOKENBROKER_HOME");
    jar.unset.add("TOKENBROKER_HOME");
    jar.env.put("HOME", userHome.toString());
    CliRunner.Result status = jar.run("status", "--json");
    assertEquals(0, status.exit(), status::toString);
    assertEquals(
        userHome.resolve(".tokenbroker").resolve("grants").toString(),
        JSON.readTree(status.out()).get("store").asText());

    jar.unset.add("HOME");
    jar.env.remove("HOME");
    jar.jvmOptions.add("-Duser.home=?"); // what Java reports for a UID without a password entry
    CliRunner.Result none = jar.run("token", "acme");
    assertEquals(1, none.exit(), none::toString);
    assertEquals("", none.out());
    assertTrue(
        none.err().startsWith("tokenbroker: cannot tell where the CLI's home directory is"),
        none::toString);
  }

  private Process git(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("git"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("TOKENBROKER_HOME", home.toString());
    builder.environment().put("HOME", home.toString()); // no user's git configuration
    builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
    builder.environment().put("GIT_TERMINAL_PROMPT", "0");
    builder.environment().remove("TOKENBROKER_STORE");
    builder.environment().remove("TOKENBROKER_KEYSET");
    return builder.start();
  }
}
