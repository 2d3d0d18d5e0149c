package io.tokenbroker.store.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshLoop;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of issue 12 on a file store: three processes refresh one authorization-code grant
 * in a loop (as {@code tokenbroker refresh} in a shell loop would) against an authorization server
 * that revokes the whole grant when a spent refresh token is presented again, while the store's
 * directory is unwritable every other half second. The grant stays alive, no refresh token is
 * presented twice, no process exits with tokens the store never took, and at least 20 refreshes
 * succeed.
 *
 * <p>How the directory is made unwritable depends on who runs the test: {@code chmod a-w} for an
 * ordinary user; {@code chattr +i} for root (whom permissions do not stop), where the file system
 * supports it; otherwise the children inject the fault (their store's writes fail while a marker
 * file exists), so the test runs everywhere.
 */
class UnwritableDirectoryRefreshTest {
  private static final String CLIENT_ID = "unwritable-client";
  private static final String SECRET = "unwritable-secret-4a91e7";
  private static final GrantKey KEY = GrantKey.of("fake/unwritable-user");
  private static final int CHILDREN = 3;
  private static final Duration RUN = Duration.ofSeconds(40);

  /** The ways to make the store's directory unwritable. */
  enum Breaker {
    CHMOD,
    CHATTR,
    INJECTED
  }

  @TempDir Path tempDir;
  private Path dir;
  private Path marker;
  private Breaker breaker;
  private final List<ChildJvm> children = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    children.forEach(ChildJvm::close);
    if (breaker != null) {
      unwritable(false); // so that the temporary directory can be deleted
    }
  }

  @Test
  void threeProcessesKeepAStrictRotationGrantAliveWhileTheDirectoryTurnsUnwritable()
      throws Exception {
    dir = tempDir.resolve("tokens");
    FileTokenStore.create(dir);
    marker = tempDir.resolve("unwritable");
    breaker = probe(tempDir.resolve("probe"));
    Path keysetFile = tempDir.resolve("keyset.json");
    Keysets.loadOrCreate(keysetFile);

    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder().refreshRotation(RefreshRotation.STRICT).start()) {
      server.registerClient(CLIENT_ID, SECRET);
      Provider provider =
          Provider.builder("fake")
              .authorizationEndpoint(server.authorizationEndpoint())
              .tokenEndpoint(server.tokenEndpoint())
              .build();
      ClientRegistration registration =
          ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));
      try (TokenBroker broker = broker(keysetFile)) {
        broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        consent(broker);
      }

      for (int i = 0; i < CHILDREN; i++) {
        children.add(
            ChildJvm.start(
                tempDir,
                "loop-" + i,
                Map.of(UnwritableLoopChild.SECRET_VARIABLE, SECRET),
                UnwritableLoopChild.class,
                dir.toString(),
                keysetFile.toString(),
                KEY.value(),
                server.tokenEndpoint().toString(),
                CLIENT_ID,
                Long.toString(RUN.toMillis()),
                breaker == Breaker.INJECTED ? marker.toString() : "-"));
      }
      for (ChildJvm child : children) {
        child.await("READY"::equals, 60);
      }
      for (ChildJvm child : children) {
        child.send("GO");
      }

      long started = System.nanoTime();
      while (System.nanoTime() - started < RUN.toNanos()) {
        unwritable(true);
        Thread.sleep(500);
        unwritable(false);
        Thread.sleep(500);
      }

      int refreshed = 0;
      int writeFailures = 0;
      for (int i = 0; i < CHILDREN; i++) {
        ChildJvm child = children.get(i);
        String done = child.await(line -> line.startsWith("DONE "), 90);
        String errors = Files.readString(tempDir.resolve("loop-" + i + ".stderr.txt"));
        System.out.println("child " + i + ": " + done);
        summarize(errors);
        RefreshLoop.Result result = RefreshLoop.Result.parse(done);
        assertEquals(0, result.dead(), "child " + i + " found the grant dead: " + errors);
        assertEquals(0, result.abandoned(), "child " + i + " ended with unwritten tokens: " + errors);
        refreshed += result.refreshed();
        writeFailures += result.writeFailures();
        assertEquals(0, child.waitFor(), child::describe);
      }

      assertTrue(writeFailures > 0, "the store never failed a write of new tokens");
      assertEquals(0, server.invalidGrantCount(), "a refresh token was presented twice");
      assertTrue(server.isGrantAlive(server.lastRefreshToken()), "the grant was revoked");
      // A refresh that found newer tokens in the store returns them without a token request; the
      // rotations are counted at the server (all succeeded: no invalid_grant).
      int rotations = server.tokenRequestCount("refresh_token");
      assertTrue(
          rotations >= 20, "only " + rotations + " refreshes succeeded (" + refreshed + " returned)");
      // The store holds the newest refresh token: a new process refreshes with it.
      try (TokenBroker broker = broker(keysetFile)) {
        broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        assertEquals(server.lastRefreshToken(), broker.tokens(KEY).refreshToken().revealValue());
        assertNotNull(broker.forceRefresh(KEY));
      }
      assertEquals(0, server.invalidGrantCount());
      System.out.printf(
          "unwritable directory (%s): %d rotations, %d refreshes returned, %d failed writes retried, by %d processes in %d s%n",
          breaker, rotations, refreshed, writeFailures, CHILDREN, RUN.toSeconds());
    }
  }

  /** Finds a way to make a directory unwritable for this user, trying it on {@code probe}. */
  private static Breaker probe(Path probe) throws Exception {
    String forced = System.getProperty("unwritable.breaker"); // e.g. INJECTED, to test that path
    if (forced != null) {
      return Breaker.valueOf(forced);
    }
    Files.createDirectory(probe);
    try {
      Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("r-xr-xr-x"));
      if (!canCreateIn(probe)) {
        return Breaker.CHMOD;
      }
    } catch (UnsupportedOperationException e) {
      // no POSIX permissions here
    } finally {
      Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwx------"));
    }
    if (chattr(probe, true)) {
      try {
        if (!canCreateIn(probe)) {
          return Breaker.CHATTR;
        }
      } finally {
        chattr(probe, false);
      }
    }
    return Breaker.INJECTED;
  }

  private static boolean canCreateIn(Path directory) {
    try {
      Files.delete(Files.createTempFile(directory, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean chattr(Path path, boolean immutable) throws InterruptedException {
    try {
      Process process =
          new ProcessBuilder("chattr", immutable ? "+i" : "-i", path.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return process.waitFor() == 0;
    } catch (IOException e) {
      return false; // no chattr
    }
  }

  private void unwritable(boolean on) throws Exception {
    switch (breaker) {
      case CHMOD ->
          Files.setPosixFilePermissions(
              dir, PosixFilePermissions.fromString(on ? "r-x------" : "rwx------"));
      case CHATTR -> {
        if (!chattr(dir, on)) {
          throw new IOException("chattr " + (on ? "+i" : "-i") + " " + dir + " failed");
        }
      }
      case INJECTED -> {
        if (on) {
          Files.writeString(marker, "unwritable");
        } else {
          Files.deleteIfExists(marker);
        }
      }
    }
  }

  /** Each distinct failure a child reported, with how often. */
  private static void summarize(String errors) {
    Map<String, Long> lines =
        errors
            .lines()
            .filter(line -> line.matches("(failed|dead|exiting).*"))
            .collect(Collectors.groupingBy(line -> line, TreeMap::new, Collectors.counting()));
    lines.forEach((line, n) -> System.out.println("  " + n + " x " + line));
  }

  private TokenBroker broker(Path keysetFile) {
    return TokenBroker.builder()
        .store(FileTokenStore.create(dir))
        .keyset(Keysets.fromFile(keysetFile))
        .build();
  }

  private static void consent(TokenBroker broker) throws Exception {
    AuthorizationRequest request =
        broker.authorizationRequest(KEY, URI.create("https://app.example/cb"));
    HttpResponse<Void> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(request.uri()).build(),
                HttpResponse.BodyHandlers.discarding());
    request.complete(URI.create(response.headers().firstValue("Location").orElseThrow()));
  }
}
