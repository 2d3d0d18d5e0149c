package io.tokenbroker.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.StoreWrites;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTokenStoreTest {
  private static final GrantKey KEY = GrantKey.of("procore/company-42/ops-user");
  private static final Instant EXPIRES_AT = Instant.parse("2026-01-01T01:00:00Z");

  @TempDir Path tempDir;
  Path dir;
  FakeClock clock = FakeClock.create();

  @BeforeEach
  void setUp() {
    dir = tempDir.resolve("tokens");
  }

  FileTokenStore open() {
    return FileTokenStore.builder(dir).clock(clock).build();
  }

  Path entryOf(GrantKey key) {
    return dir.resolve(FileNames.entry(FileNames.hash(key)));
  }

  static void write(TokenStore store, GrantKey key, String sealed) {
    assertTrue(
        StoreWrites.compareAndSet(store, key, 0, sealed.getBytes(UTF_8), EXPIRES_AT).isPresent(),
        "created " + key);
  }

  static boolean posix() {
    return Path.of(".").getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  static boolean root() throws IOException {
    return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
  }

  // ---------------------------------------------------------------------------- permissions

  @Nested
  class Permissions {
    @Test
    @DisplayName("the directory is created 0700 (with missing parents) and every file 0600")
    void ownerOnly() throws IOException {
      Assumptions.assumeTrue(posix());
      dir = tempDir.resolve("a/b/tokens");
      FileTokenStore store = open();
      write(store, KEY, "sealed");
      store.tryAcquireLease(KEY, Duration.ofMinutes(1)).orElseThrow().close();

      assertEquals("rwx------", mode(dir));
      try (Stream<Path> files = Files.list(dir)) {
        List<Path> all = files.toList();
        assertEquals(3, all.size(), "entry, lock and lease file: " + all);
        for (Path file : all) {
          assertEquals("rw-------", mode(file), file.toString());
        }
      }
    }

    @Test
    @DisplayName("a directory that group or others can write to is refused")
    void refusesGroupOrOtherWritableDirectory() throws IOException {
      Assumptions.assumeTrue(posix());
      for (String mode : List.of("rwxrwx---", "rwx---rwx", "rwxrwxrwx")) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
        TokenStoreException e = assertThrows(TokenStoreException.class, this::openStore);
        assertEquals(Kind.MISCONFIGURED, e.kind());
        assertTrue(e.getMessage().contains("chmod 700"), e.getMessage());
        assertFalse(e.isTransient());
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      open(); // readable by others is allowed: the files themselves are 0600
    }

    @Test
    @DisplayName("a symlinked directory that belongs to another user is refused")
    void refusesDirectoryOfAnotherUser() throws IOException {
      Assumptions.assumeTrue(posix());
      Path foreign;
      if (root()) {
        foreign = Files.createDirectory(tempDir.resolve("foreign"));
        Files.setAttribute(foreign, "unix:uid", 65534);
      } else {
        foreign = Path.of("/usr");
        Assumptions.assumeFalse(
            Files.getOwner(foreign).equals(Files.getOwner(Path.of("/proc/self"))));
      }
      Files.createSymbolicLink(dir, foreign);
      TokenStoreException e = assertThrows(TokenStoreException.class, this::openStore);
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("belongs to"), e.getMessage());
    }

    @Test
    @DisplayName("a path that is a regular file is refused")
    void refusesFile() throws IOException {
      Files.writeString(dir, "not a directory");
      TokenStoreException e = assertThrows(TokenStoreException.class, this::openStore);
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    @DisplayName("an unreadable entry is a permission problem, not corruption")
    void unreadableEntryIsNotCorruption() throws IOException {
      Assumptions.assumeTrue(posix());
      Assumptions.assumeFalse(root(), "root reads any file");
      FileTokenStore store = open();
      write(store, KEY, "sealed");
      Files.setPosixFilePermissions(entryOf(KEY), Set.of());
      TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(KEY));
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(Files.exists(entryOf(KEY)), "must not be quarantined");
    }

    private void openStore() {
      open();
    }

    private String mode(Path path) throws IOException {
      Set<PosixFilePermission> permissions =
          Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
      return PosixFilePermissions.toString(permissions);
    }
  }

  // ----------------------------------------------------------------------------- quarantine

  @Nested
  class Quarantine {
    @Test
    @DisplayName("truncated, emptied, overwritten or bit-flipped entries are moved aside intact")
    void damagedEntriesAreQuarantined() throws IOException {
      FileTokenStore store = open();
      List<Damage> damages =
          List.of(
              bytes -> new byte[0],
              bytes -> java.util.Arrays.copyOf(bytes, bytes.length / 2),
              bytes -> java.util.Arrays.copyOf(bytes, bytes.length - 1),
              bytes -> "{\"not\":\"an entry\"}".getBytes(UTF_8),
              bytes -> flip(bytes, 0), // magic
              bytes -> flip(bytes, 7), // version
              bytes -> flip(bytes, bytes.length - 1), // checksum
              bytes -> append(bytes, (byte) 0));
      int round = 0;
      for (Damage damage : damages) {
        GrantKey key = GrantKey.of("damaged-" + round++);
        write(store, key, "sealed");
        byte[] damaged = damage.apply(Files.readAllBytes(entryOf(key)));
        Files.write(entryOf(key), damaged);

        TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(key));
        assertEquals(Kind.CORRUPT, e.kind(), e.getMessage());
        assertEquals(Optional.of(key), e.grantKey());
        Path quarantined = quarantineFiles(key).get(0);
        assertTrue(e.getMessage().contains(quarantined.toString()), e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(quarantined), "kept byte for byte");
        assertFalse(Files.exists(entryOf(key)));

        assertEquals(Optional.empty(), store.load(key));
        assertFalse(store.list().contains(key));
        write(store, key, "consented again");
        assertEquals(1, quarantineFiles(key).size(), "the quarantined copy stays");
      }
    }

    @Test
    @DisplayName("repeated damage at the same instant gets distinct quarantine names")
    void quarantineNamesDoNotCollide() throws IOException {
      FileTokenStore store = open();
      for (int i = 0; i < 3; i++) {
        write(store, KEY, "sealed " + i);
        Files.write(entryOf(KEY), new byte[] {1, 2, 3, (byte) i});
        assertThrows(TokenStoreException.class, () -> store.load(KEY));
      }
      List<Path> quarantined = quarantineFiles(KEY);
      assertEquals(3, quarantined.size());
      for (int i = 0; i < 3; i++) {
        byte[] expected = {1, 2, 3, (byte) i};
        assertTrue(quarantined.stream().anyMatch(p -> Arrays2.equals(p, expected)), "copy " + i);
      }
    }

    @Test
    @DisplayName("a writer that meets a damaged entry quarantines it and does not write")
    void writerQuarantines() throws IOException {
      FileTokenStore store = open();
      write(store, KEY, "sealed");
      Files.write(entryOf(KEY), new byte[] {9, 9, 9});
      TokenStoreException e =
          assertThrows(
              TokenStoreException.class,
              () -> StoreWrites.put(store, KEY, "x".getBytes(UTF_8), null));
      assertEquals(Kind.CORRUPT, e.kind());
      assertEquals(1, quarantineFiles(KEY).size());
      assertEquals(Optional.empty(), store.load(KEY));
    }

    @Test
    @DisplayName("an entry copied to another key's name is damage, not that key's grant")
    void entryUnderWrongName() throws IOException {
      FileTokenStore store = open();
      GrantKey other = GrantKey.of("other");
      write(store, KEY, "mine");
      write(store, other, "theirs");
      Files.copy(entryOf(other), entryOf(KEY), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(KEY));
      assertEquals(Kind.CORRUPT, e.kind());
      assertTrue(e.getMessage().contains("different grant key"), e.getMessage());
      assertEquals(List.of(other), store.list());
    }

    @Test
    @DisplayName("an intact entry of an unknown (newer) format is refused but not quarantined")
    void newerFormatIsNotCorruption() throws IOException {
      FileTokenStore store = open();
      write(store, KEY, "sealed");
      byte[] bytes = Files.readAllBytes(entryOf(KEY));
      bytes[4] = 3; // format version (2 is a tombstone)
      CRC32C crc = new CRC32C();
      crc.update(bytes, 0, bytes.length - 4);
      ByteBuffer.wrap(bytes, bytes.length - 4, 4).putInt((int) crc.getValue());
      Files.write(entryOf(KEY), bytes);

      TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(KEY));
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("newer"), e.getMessage());
      assertThrows(
          TokenStoreException.class, () -> StoreWrites.put(store, KEY, "x".getBytes(UTF_8), null));
      assertArrayEquals(bytes, Files.readAllBytes(entryOf(KEY)), "left untouched");
      assertEquals(List.of(), quarantineFiles(KEY));
    }

    @Test
    @DisplayName("I/O failures are classified by what to do, and name their cause")
    void ioFailuresByWhatToDo() {
      TokenStoreException denied =
          FileTokenStore.ioFailure(
              "cannot write grant", KEY, new java.nio.file.AccessDeniedException("/d/x.grant"));
      assertEquals(posix() ? Kind.MISCONFIGURED : Kind.UNAVAILABLE, denied.kind());
      assertTrue(
          denied.getMessage().contains("AccessDeniedException: /d/x.grant"), denied.getMessage());
      // EPERM (an immutable directory, a read-only bind mount): may pass, not a setup problem.
      TokenStoreException notPermitted =
          FileTokenStore.ioFailure(
              "cannot write grant",
              KEY,
              new java.nio.file.FileSystemException("/d/x.tmp", null, "Operation not permitted"));
      assertEquals(Kind.UNAVAILABLE, notPermitted.kind());
      assertTrue(notPermitted.isTransient());
      assertTrue(notPermitted.getMessage().contains("Operation not permitted"));
      TokenStoreException full =
          FileTokenStore.ioFailure(
              "cannot write grant", KEY, new IOException("No space left on device"));
      assertEquals(Kind.UNAVAILABLE, full.kind());
      assertTrue(full.getMessage().contains("No space left on device"));
    }

    @Test
    @DisplayName("an I/O error reading an entry is UNAVAILABLE and quarantines nothing")
    void ioErrorIsNotCorruption() throws IOException {
      FileTokenStore store = open();
      Files.createDirectory(entryOf(KEY)); // reading a directory fails with an IOException
      TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(KEY));
      assertEquals(Kind.UNAVAILABLE, e.kind(), e.getMessage());
      assertTrue(e.isTransient());
      assertTrue(Files.isDirectory(entryOf(KEY)));
      assertEquals(List.of(), quarantineFiles(KEY));
    }

    private List<Path> quarantineFiles(GrantKey key) throws IOException {
      String prefix = FileNames.hash(key) + FileNames.QUARANTINE_INFIX;
      try (Stream<Path> files = Files.list(dir)) {
        return files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
      }
    }
  }

  // ------------------------------------------------------------------------ names and leases

  @Test
  @DisplayName("hostile keys only ever produce hex-named files inside the directory")
  void hostileKeysStayInside() throws IOException {
    FileTokenStore store = open();
    List<GrantKey> keys =
        List.of("../escape", "../../x", "/abs/path", "a/b/c", "C:\\x", "CON", "\u00e9", "e\u0301")
            .stream()
            .map(GrantKey::of)
            .toList();
    for (GrantKey key : keys) {
      write(store, key, key.value());
      store.tryAcquireLease(key, Duration.ofMinutes(1)).orElseThrow().close();
    }
    try (Stream<Path> files = Files.list(tempDir)) {
      assertEquals(List.of(dir), files.toList(), "nothing outside the store directory");
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertEquals(keys.size() * 3, names.size());
      for (String name : names) {
        assertTrue(name.matches("[0-9a-f]{64}\\.(grant|lock|lease)"), name);
      }
    }
    for (GrantKey key : keys) {
      assertEquals(key.value(), new String(store.load(key).orElseThrow().sealed(), UTF_8));
    }
  }

  @Test
  @DisplayName("a key with an unpaired surrogate is rejected, not stored under another key")
  void unpairedSurrogate() {
    FileTokenStore store = open();
    GrantKey broken = GrantKey.of("half \uD83D surrogate");
    assertThrows(IllegalArgumentException.class, () -> store.load(broken));
    assertThrows(
        IllegalArgumentException.class, () -> store.tryAcquireLease(broken, Duration.ofMinutes(1)));
    assertEquals(List.of(), store.list());
  }

  @Test
  @DisplayName("stores over one directory reached by different paths share leases")
  void differentPathsShareLeases() throws IOException {
    FileTokenStore store = open();
    Path link = Files.createSymbolicLink(tempDir.resolve("link"), dir);
    FileTokenStore viaLink = FileTokenStore.builder(link).clock(clock).build();
    FileTokenStore viaDots =
        FileTokenStore.builder(dir.resolve("../tokens/.")).clock(clock).build();
    assertEquals(store.directory(), viaLink.directory());
    try (TokenStore.Lease lease = store.tryAcquireLease(KEY, Duration.ofMinutes(1)).orElseThrow()) {
      assertEquals(Optional.empty(), viaLink.tryAcquireLease(KEY, Duration.ofMinutes(1)));
      assertEquals(Optional.empty(), viaDots.tryAcquireLease(KEY, Duration.ofMinutes(1)));
      assertTrue(
          viaLink.compareAndSet(lease, 0, "through the link".getBytes(UTF_8), null).isPresent(),
          "a lease of one store writes through another over the same directory");
      assertEquals(lease.key(), store.load(KEY).orElseThrow().key());
    }
  }

  @Test
  @DisplayName("round trip keeps nanosecond expiry and a large payload")
  void precision() {
    FileTokenStore store = open();
    byte[] sealed = new byte[1 << 20];
    new java.util.Random(7).nextBytes(sealed);
    Instant expiresAt = Instant.parse("2026-03-04T05:06:07.123456789Z");
    StoreWrites.put(store, KEY, sealed, expiresAt);
    StoredGrant loaded = open().load(KEY).orElseThrow();
    assertEquals(expiresAt, loaded.expiresAt());
    assertArrayEquals(sealed, loaded.sealed());
  }

  // ---------------------------------------------------------------------- stray temp files

  @Test
  @DisplayName("opening a store removes our stray temp files only, and only unlocked ones")
  void strayTempFiles() throws Exception {
    FileTokenStore store = open();
    write(store, KEY, "sealed");
    String hash = FileNames.hash(KEY);
    String busyHash = FileNames.hash(GrantKey.of("busy"));
    Path stray = dir.resolve(FileNames.temp(hash));
    Path busy = dir.resolve(FileNames.temp(busyHash));
    List<Path> foreign = new ArrayList<>();
    for (String name :
        List.of(
            "notes.txt",
            "x.grant.tmp-0123456789abcdef",
            hash + ".grant.tmp-xyz",
            hash + ".grant.tmp-0123456789abcdef0",
            hash + ".tmp")) {
      foreign.add(Files.writeString(dir.resolve(name), "keep me"));
    }
    Files.write(stray, new byte[] {1, 2});
    Files.write(busy, new byte[] {3, 4});

    // Another thread is mid-write on "busy": it holds that grant's lock.
    ReentrantLock busyLock = SharedDirectory.of(store.directory()).writeLock(busyHash);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread writer =
        new Thread(
            () -> {
              busyLock.lock();
              try {
                held.countDown();
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                busyLock.unlock();
              }
            });
    writer.start();
    held.await();
    try {
      open();
    } finally {
      done.countDown();
      writer.join();
    }

    assertFalse(Files.exists(stray), "stray temp file of a dead writer is removed");
    assertTrue(Files.exists(busy), "temp file of a live writer is kept");
    for (Path file : foreign) {
      assertTrue(Files.exists(file), "not ours, kept: " + file);
    }
    assertEquals("sealed", new String(store.load(KEY).orElseThrow().sealed(), UTF_8));
    open();
    assertFalse(Files.exists(busy), "removed once its writer is gone");
  }

  @Test
  @DisplayName("toString and exception messages name keys and paths but never sealed bytes")
  void noPayloadInMessages() throws IOException {
    FileTokenStore store = open();
    String secretish = "SEALED-BYTES-MARKER";
    write(store, KEY, secretish);
    byte[] bytes = Files.readAllBytes(entryOf(KEY));
    Files.write(entryOf(KEY), flip(bytes, bytes.length - 1));
    TokenStoreException e = assertThrows(TokenStoreException.class, () -> store.load(KEY));
    assertFalse(e.getMessage().contains(secretish));
    assertTrue(e.getMessage().contains(KEY.value()));
    assertFalse(store.toString().contains(secretish));
  }

  // -------------------------------------------------------------------------------- helpers

  interface Damage {
    byte[] apply(byte[] bytes);
  }

  static byte[] flip(byte[] bytes, int index) {
    byte[] copy = bytes.clone();
    copy[index] ^= 0x01;
    return copy;
  }

  static byte[] append(byte[] bytes, byte extra) {
    byte[] copy = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    copy[bytes.length] = extra;
    return copy;
  }

  static final class Arrays2 {
    static boolean equals(Path file, byte[] expected) {
      try {
        return java.util.Arrays.equals(Files.readAllBytes(file), expected);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }
}
