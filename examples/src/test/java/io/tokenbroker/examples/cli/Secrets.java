package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.IssuedSecrets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Checks that no secret shows up where it must not. */
final class Secrets {
  private Secrets() {}

  static List<String> all(FakeAuthorizationServer server, String clientSecret) {
    List<String> secrets = new ArrayList<>();
    secrets.add(clientSecret);
    secrets.addAll(server.issuedAccessTokens());
    secrets.addAll(server.issuedRefreshTokens());
    secrets.addAll(server.issuedAuthorizationCodes());
    return secrets;
  }

  /** No command output (but {@code token}'s stdout, which is not passed here) holds a secret. */
  static void assertAbsent(
      Path home, FakeAuthorizationServer server, String clientSecret, CliRunner.Result... results) {
    for (CliRunner.Result r : results) {
      for (String secret : all(server, clientSecret)) {
        assertFalse(r.all().contains(secret), () -> "a secret leaked into\n" + r);
      }
    }
  }

  /**
   * No secret of {@code server} nor any other the testkit recorded ({@link IssuedSecrets}) is in
   * {@code text}, what a child process other than the CLI's JVM (a shell, git) wrote to {@code
   * where}.
   */
  static void assertNotIn(
      String text, String where, FakeAuthorizationServer server, String clientSecret) {
    for (String secret : all(server, clientSecret)) {
      assertFalse(text.contains(secret), () -> "a secret leaked into " + where);
    }
    assertEquals(List.of(), IssuedSecrets.foundIn(text), () -> "secrets leaked into " + where);
  }

  /** No file under {@code home} holds a secret in plaintext. */
  static void assertFilesHoldNoSecret(
      Path home, FakeAuthorizationServer server, String clientSecret) throws IOException {
    try (Stream<Path> files = Files.walk(home)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        for (String secret : all(server, clientSecret)) {
          assertFalse(content.contains(secret), () -> file + " holds a secret in plaintext");
        }
      }
    }
  }
}
