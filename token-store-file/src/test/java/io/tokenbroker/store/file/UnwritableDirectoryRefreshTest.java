package io.tokenbroker.store.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshLoop;
import io.tokenbroker.testkit.RefreshRotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of issue 12 on a file store: three processes refresh one authorization-code grant in
 * a loop (as {@code tokenbroker refresh} in a shell loop would) against an authorization server
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
      ClientRegistration registration;
      try (TokenBroker broker = broker(keysetFile)) {
        registration = RefreshLoop.consent(server, broker, KEY, CLIENT_ID, SECRET);
      }

      for (int i = 0; i < CHILDREN; i++) {
        children.add(
            ChildJvm.builder(UnwritableLoopChild.class)
                .name("loop-" + i)
                .env(UnwritableLoopChild.SECRET_VARIABLE, SECRET)
                .args(
                    dir.toString(),
                    keysetFile.toString(),
                    KEY.value(),
                    server.tokenEndpoint().toString(),
                    CLIENT_ID,
                    Long.toString(RUN.toMillis()),
                    breaker == Breaker.INJECTED ? marker.toString() : "-")
                .start());
      }
      for (ChildJvm child : children) {
        child.awaitLine("READY"::equals, Duration.ofSeconds(60));
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

      List<String> done = new ArrayList<>();
      List<String> errors = new ArrayList<>();
      for (int i = 0; i < CHILDREN; i++) {
        ChildJvm child = children.get(i);
        done.add(child.awaitLine(line -> line.startsWith("DONE "), Duration.ofSeconds(90)));
        assertEquals(0, child.waitFor(Duration.ofSeconds(30)), child::describe);
        errors.add(child.stderr());
      }
      RefreshLoop.Result total = RefreshLoop.total(done, errors);
      assertTrue(total.writeFailures() > 0, "the store never failed a write of new tokens");
      int rotations;
      try (TokenBroker fresh = broker(keysetFile)) {
        rotations = RefreshLoop.assertGrantSurvived(server, fresh, KEY, registration, 20, total);
      }
      System.out.printf(
          "unwritable directory (%s): %d rotations, %d refreshes returned, %d failed writes"
              + " retried, by %d processes in %d s%n",
          breaker, rotations, total.refreshed(), total.writeFailures(), CHILDREN, RUN.toSeconds());
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

  private TokenBroker broker(Path keysetFile) {
    return TokenBroker.builder()
        .store(FileTokenStore.create(dir))
        .keyset(Keysets.fromFile(keysetFile))
        .build();
  }
}
