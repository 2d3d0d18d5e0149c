package io.tokenbroker.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.StoreWrites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file store's own side of paging and pending consents (the contract covers the rest). */
class PendingConsentFilesTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path tempDir;
  FakeClock clock = FakeClock.at(NOW);

  FileTokenStore open() {
    return FileTokenStore.builder(tempDir.resolve("tokens")).clock(clock).build();
  }

  Path pending() {
    return tempDir.resolve("tokens").resolve("pending");
  }

  List<String> pendingFiles() throws IOException {
    try (Stream<Path> files = Files.list(pending())) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @DisplayName("a pending consent is one owner-only file, gone once taken")
  void oneOwnerOnlyFile() throws IOException {
    FileTokenStore store = open();
    store.savePendingConsent("abc", "sealed".getBytes(UTF_8), NOW.plusSeconds(600));
    assertEquals(List.of("abc.consent"), pendingFiles());
    if (FileTokenStoreTest.posix()) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(pending().resolve("abc.consent"))));
      assertEquals(
          "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pending())));
    }
    assertArrayEquals("sealed".getBytes(UTF_8), store.takePendingConsent("abc", NOW).orElseThrow());
    assertEquals(List.of(), pendingFiles());
  }

  @Test
  @DisplayName("a damaged pending consent is reported as CORRUPT and kept for inspection")
  void damagedConsent() throws IOException {
    FileTokenStore store = open();
    store.savePendingConsent("abc", "sealed".getBytes(UTF_8), NOW.plusSeconds(600));
    Path file = pending().resolve("abc.consent");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 6] ^= 0x40; // inside the sealed bytes: the CRC no longer matches
    Files.write(file, bytes);

    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> store.takePendingConsent("abc", NOW));
    assertEquals(Kind.CORRUPT, e.kind(), e.getMessage());
    assertFalse(e.getMessage().contains("sealed"), e.getMessage());
    assertEquals(1, pendingFiles().size(), "kept");
    assertTrue(pendingFiles().get(0).startsWith("abc.consent.taken-"), pendingFiles().toString());
    assertEquals(Optional.empty(), store.takePendingConsent("abc", NOW), "taken already");
    assertEquals(0, store.purgeExpiredPendingConsents(NOW.plusSeconds(3600)));
    assertEquals(1, pendingFiles().size(), "a damaged file is not purged");
  }

  @Test
  @DisplayName("purge removes what a dead taker or saver left: expired taken files, old temp files")
  void purgeRemovesLeftovers() throws IOException {
    FileTokenStore store = open();
    store.savePendingConsent("dead-taker", "x".getBytes(UTF_8), NOW.plusSeconds(60));
    store.savePendingConsent("live-taker", "y".getBytes(UTF_8), NOW.plusSeconds(600));
    Files.move(
        pending().resolve("dead-taker.consent"),
        pending().resolve("dead-taker.consent.taken-0123456789abcdef"));
    Files.move(
        pending().resolve("live-taker.consent"),
        pending().resolve("live-taker.consent.taken-fedcba9876543210"));
    Path staleTemp = pending().resolve("gone.consent.tmp-0000000000000000");
    Path freshTemp = pending().resolve("saving.consent.tmp-1111111111111111");
    Files.write(staleTemp, new byte[] {1});
    Files.write(freshTemp, new byte[] {2});
    Files.setLastModifiedTime(staleTemp, FileTime.from(NOW.minus(Duration.ofHours(2))));
    Files.setLastModifiedTime(freshTemp, FileTime.from(NOW.minusSeconds(5)));

    assertEquals(0, store.purgeExpiredPendingConsents(NOW.plusSeconds(120)), "no pending one");
    assertEquals(
        List.of("live-taker.consent.taken-fedcba9876543210", "saving.consent.tmp-1111111111111111"),
        pendingFiles());
  }

  @Test
  @DisplayName("purge and take never lose a consent saved again meanwhile")
  void purgeKeepsAReplacement() throws IOException {
    FileTokenStore store = open();
    store.savePendingConsent("again", "old".getBytes(UTF_8), NOW.minusSeconds(1));
    store.savePendingConsent("again", "new".getBytes(UTF_8), NOW.plusSeconds(600));
    assertEquals(0, store.purgeExpiredPendingConsents(NOW));
    assertArrayEquals("new".getBytes(UTF_8), store.takePendingConsent("again", NOW).orElseThrow());
  }

  @Test
  @DisplayName("purge on a store that never saved a consent creates nothing")
  void purgeWithoutDirectory() {
    FileTokenStore store = open();
    assertEquals(0, store.purgeExpiredPendingConsents(NOW));
    assertFalse(Files.exists(pending()));
  }

  @Test
  @DisplayName("paging leaves out a damaged entry (logged) and the pending directory")
  void pagingSkipsDamagedEntries() throws IOException {
    FileTokenStore store = open();
    for (String value : List.of("a/1", "a/2", "a/3")) {
      assertTrue(
          StoreWrites.compareAndSet(store, GrantKey.of(value), 0, value.getBytes(UTF_8), null)
              .isPresent());
    }
    store.savePendingConsent("abc", "x".getBytes(UTF_8), NOW.plusSeconds(60));
    Path damaged =
        tempDir.resolve("tokens").resolve(FileNames.entry(FileNames.hash(GrantKey.of("a/2"))));
    Files.write(damaged, new byte[] {1, 2, 3});

    GrantPage page = open().loadPage("", null, 10);
    assertEquals(
        List.of(GrantKey.of("a/1"), GrantKey.of("a/3")),
        page.grants().stream().map(g -> g.key()).toList());
    Assumptions.assumeTrue(Files.exists(damaged), "damaged entry left in place by paging");
  }
}
