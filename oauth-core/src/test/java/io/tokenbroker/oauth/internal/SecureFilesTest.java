package io.tokenbroker.oauth.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecureFilesTest {
  @TempDir Path dir;

  @Test
  void createIfAbsentCreatesOnceAndNeverOverwrites() throws Exception {
    Path file = dir.resolve("f");

    assertTrue(SecureFiles.createIfAbsent(file, "first".getBytes(UTF_8)));
    assertFalse(SecureFiles.createIfAbsent(file, "second".getBytes(UTF_8)));

    assertEquals("first", Files.readString(file));
    assertEquals(List.of(file), list());
    assertOwnerOnly(file);
  }

  @Test
  void aHardLinkLeftByACrashAfterPublishingIsRemovedByTheNextCall() throws Exception {
    Path file = dir.resolve("keyset.json");
    assertTrue(SecureFiles.createIfAbsent(file, "secret".getBytes(UTF_8)));
    // A crash between publishing (the link) and removing the temporary file leaves this behind.
    Files.createLink(dir.resolve(".keyset.json.8123456.tmp"), file);

    assertFalse(SecureFiles.createIfAbsent(file, "other".getBytes(UTF_8)));

    assertEquals(List.of(file), list(), "no second name for the secret file");
    assertEquals("secret", Files.readString(file));
  }

  @Test
  void replaceWritesOwnerOnlyAndLeavesNoTemporaryFile() throws Exception {
    Path file = dir.resolve("f");
    Files.writeString(file, "old");

    SecureFiles.replace(file, "new".getBytes(UTF_8));

    assertEquals("new", Files.readString(file));
    assertEquals(List.of(file), list());
    assertOwnerOnly(file);
  }

  @Test
  void missingDirectoryFailsWithoutLeftovers() {
    Path file = dir.resolve("missing").resolve("f");

    assertThrows(NoSuchFileException.class, () -> SecureFiles.replace(file, new byte[1]));
    assertThrows(NoSuchFileException.class, () -> SecureFiles.createIfAbsent(file, new byte[1]));
  }

  private static void assertOwnerOnly(Path file) throws Exception {
    if (SecureFiles.isPosix(file)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
  }

  private List<Path> list() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }
}
