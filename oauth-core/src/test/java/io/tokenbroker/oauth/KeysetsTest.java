package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import io.tokenbroker.oauth.KeysetException.Kind;
import io.tokenbroker.oauth.internal.SecureFiles;
import io.tokenbroker.oauth.internal.Tink;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysetsTest {
  @TempDir Path dir;

  @Test
  void generateMakesOneEnabledAes256GcmPrimaryKey() {
    KeysetHandle keyset = Keysets.generate();

    assertEquals(1, keyset.size());
    assertTrue(keyset.getAt(0).isPrimary());
    assertEquals(KeyStatus.ENABLED, keyset.getAt(0).getStatus());
    assertEquals(PredefinedAeadParameters.AES256_GCM, keyset.getPrimary().getKey().getParameters());
    assertFalse(Keysets.generate().equalsKeyset(keyset), "every keyset is fresh");
  }

  @Test
  void fileRoundTripIsOwnerOnly() throws Exception {
    KeysetHandle keyset = Keysets.generate();
    Path file = dir.resolve("keyset.json");

    Keysets.toFile(keyset, file);

    assertTrue(Keysets.fromFile(file).equalsKeyset(keyset));
    assumeTrue(SecureFiles.isPosix(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void loadingAKeysetRemovesASecondNameLeftByACrashedCreate() throws Exception {
    Path file = dir.resolve("keyset.json");
    KeysetHandle keyset = Keysets.loadOrCreate(file);
    Path leftover = dir.resolve(".keyset.json.4711.tmp");
    Files.createLink(leftover, file); // a crash after publishing, before the clean-up

    assertTrue(Keysets.fromFile(file).equalsKeyset(keyset));

    assertFalse(Files.exists(leftover), "the hard-linked copy of the keyset is gone");
    assertTrue(Keysets.loadOrCreate(file).equalsKeyset(keyset));
  }

  @Test
  void replacingIsAtomicAndLeavesNoTemporaryFiles() throws Exception {
    KeysetHandle original = Keysets.generate();
    Path file = dir.resolve("keyset.json");
    Keysets.toFile(original, file);
    byte[] originalBytes = Files.readAllBytes(file);
    Object originalFileKey = Files.readAttributes(file, "basic:fileKey").get("fileKey");
    KeysetHandle rotated = Keysets.rotate(original);

    try (FileChannel before = FileChannel.open(file, StandardOpenOption.READ)) {
      Keysets.toFile(rotated, file);

      // A rename publishes a new file: the old one is never truncated or rewritten in place.
      ByteBuffer old = ByteBuffer.allocate(originalBytes.length + 16);
      before.read(old, 0);
      assertArrayEquals(originalBytes, java.util.Arrays.copyOf(old.array(), old.position()));
    }
    assertTrue(Keysets.fromFile(file).equalsKeyset(rotated));
    Object newFileKey = Files.readAttributes(file, "basic:fileKey").get("fileKey");
    if (originalFileKey != null) {
      assertNotEquals(originalFileKey, newFileKey);
    }
    assertEquals(List.of(file), listDir());
  }

  @Test
  void replacingTightensLoosePermissions() throws Exception {
    assumeTrue(SecureFiles.isPosix(dir));
    KeysetHandle original = Keysets.generate();
    Path file = dir.resolve("keyset.json");
    Files.writeString(file, KeyMaterial.json(original));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    Keysets.toFile(Keysets.rotate(original), file);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void neverReplacesAnUnrelatedOrUnreadableKeysetFile() throws Exception {
    Path file = dir.resolve("keyset.json");
    Keysets.toFile(Keysets.generate(), file);
    byte[] inUse = Files.readAllBytes(file);

    KeysetException unrelated =
        assertThrows(KeysetException.class, () -> Keysets.toFile(Keysets.generate(), file));

    assertEquals(Kind.MISCONFIGURED, unrelated.kind());
    assertTrue(unrelated.getMessage().contains("refusing to replace keyset file"));
    assertTrue(unrelated.getMessage().contains("no key in common"));
    assertArrayEquals(inUse, Files.readAllBytes(file));

    Path notAKeyset = dir.resolve("notes.txt");
    Files.writeString(notAKeyset, "shopping list");
    KeysetException unreadable =
        assertThrows(KeysetException.class, () -> Keysets.toFile(Keysets.generate(), notAKeyset));
    assertEquals(Kind.MISCONFIGURED, unreadable.kind());
    assertEquals("shopping list", Files.readString(notAKeyset));
    assertEquals(2, listDir().size(), "no temporary files left behind");
  }

  @Test
  void groupOrOthersAccessibleFileIsRefusedUnlessAllowed() throws Exception {
    assumeTrue(SecureFiles.isPosix(dir));
    KeysetHandle keyset = Keysets.generate();
    Path file = dir.resolve("keyset.json");
    Keysets.toFile(keyset, file);

    for (String permissions : List.of("rw-r-----", "rw--w----", "rw----r--", "rw-----w-")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));

      KeysetException e = assertThrows(KeysetException.class, () -> Keysets.fromFile(file));

      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("accessible by group or others"), e.getMessage());
      assertTrue(e.getMessage().contains(permissions), e.getMessage());
      assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
      assertTrue(
          Keysets.fromFile(file, Keysets.PermissionCheck.SKIP).equalsKeyset(keyset),
          "explicitly allowed");
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    assertTrue(Keysets.fromFile(file).equalsKeyset(keyset), "owner read-only is fine");
  }

  @Test
  void missingFileIsMisconfigured() {
    Path file = dir.resolve("absent.json");

    KeysetException e = assertThrows(KeysetException.class, () -> Keysets.fromFile(file));

    assertEquals(Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void malformedKeysetsGetAClearTypedError() throws Exception {
    String valid = KeyMaterial.json(Keysets.generate());
    List<String> malformed =
        List.of(
            "",
            "not json",
            "{}",
            "[]",
            "{\"primaryKeyId\": 1, \"key\": []}",
            "{\"primaryKeyId\": \"x\"}",
            valid.substring(0, valid.length() / 2),
            valid.replace("ENABLED", "BOGUS"));
    for (String json : malformed) {
      KeysetException fromJson =
          assertThrows(KeysetException.class, () -> Keysets.fromJson(json), json);
      assertEquals(Kind.MISCONFIGURED, fromJson.kind());
      assertTrue(fromJson.getMessage().contains("not a valid"), fromJson.getMessage());

      Path file = dir.resolve("bad.json");
      Files.writeString(file, json);
      KeysetException fromFile =
          assertThrows(
              KeysetException.class,
              () -> Keysets.fromFile(file, Keysets.PermissionCheck.SKIP),
              json);
      assertEquals(Kind.MISCONFIGURED, fromFile.kind());
      assertTrue(fromFile.getMessage().contains(file.toString()), fromFile.getMessage());
    }
  }

  @Test
  void nonAeadKeysetIsRefused() throws Exception {
    MacConfig.register();
    KeysetHandle mac =
        KeysetHandle.newBuilder()
            .addEntry(
                KeysetHandle.generateEntryFromParameters(
                        PredefinedMacParameters.HMAC_SHA256_256BITTAG)
                    .withRandomId()
                    .makePrimary())
            .build();
    String json =
        TinkJsonProtoKeysetFormat.serializeKeyset(
            mac, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());

    KeysetException e = assertThrows(KeysetException.class, () -> Keysets.fromJson(json));

    assertEquals(Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("not a usable AEAD keyset"), e.getMessage());
  }

  @Test
  void loadOrCreateCreatesOnceThenLoads() throws Exception {
    Path file = dir.resolve("keyset.json");

    KeysetHandle created = Keysets.loadOrCreate(file);
    KeysetHandle loaded = Keysets.loadOrCreate(file);

    assertTrue(created.equalsKeyset(loaded));
    assertEquals(List.of(file), listDir());
    if (SecureFiles.isPosix(file)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
  }

  @Test
  void loadOrCreateRacingThreadsEndWithTheSameKeyset() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 25; round++) {
        Path file = dir.resolve("race-" + round + ".json");
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<KeysetHandle>> results = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await(10, TimeUnit.SECONDS);
                    return Keysets.loadOrCreate(file);
                  }));
        }
        KeysetHandle first = results.get(0).get(10, TimeUnit.SECONDS);
        KeysetHandle second = results.get(1).get(10, TimeUnit.SECONDS);

        assertTrue(first.equalsKeyset(second), "round " + round);
        assertTrue(Keysets.fromFile(file).equalsKeyset(first), "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }
  }

  @Test
  void loadOrCreateInAMissingDirectoryIsMisconfigured() {
    Path file = dir.resolve("no-such-dir").resolve("keyset.json");

    KeysetException e = assertThrows(KeysetException.class, () -> Keysets.loadOrCreate(file));

    assertEquals(Kind.MISCONFIGURED, e.kind());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void environmentVariableHoldsPlainOrBase64Json() {
    KeysetHandle keyset = Keysets.generate();
    String json = KeyMaterial.json(keyset);
    String base64 = Base64.getEncoder().encodeToString(json.getBytes(UTF_8));
    Map<String, String> env = Map.of("TB_KEYSET", "  " + json + "\n", "TB_KEYSET_B64", base64);

    assertTrue(Keysets.fromEnvironment("TB_KEYSET", env::get).equalsKeyset(keyset));
    assertTrue(Keysets.fromEnvironment("TB_KEYSET_B64", env::get).equalsKeyset(keyset));
  }

  @Test
  void missingOrMalformedEnvironmentVariableIsMisconfiguredWithoutQuotingIt() {
    KeysetHandle keyset = Keysets.generate();
    KeyMaterial material = KeyMaterial.of(keyset);
    String json = KeyMaterial.json(keyset);
    Map<String, String> env =
        Map.of(
            "BLANK", " ",
            "HALF", json.substring(0, json.length() - 3),
            "GARBAGE", "@@@ not base64 @@@");

    for (String name : List.of("UNSET", "BLANK", "HALF", "GARBAGE")) {
      KeysetException e =
          assertThrows(KeysetException.class, () -> Keysets.fromEnvironment(name, env::get));
      assertEquals(Kind.MISCONFIGURED, e.kind());
      assertTrue(e.getMessage().contains("environment variable " + name), e.getMessage());
      material.assertNotIn(e);
      assertFalse(e.getMessage().contains("not base64 @@@"));
    }
    assertThrows(
        KeysetException.class, () -> Keysets.fromEnvironment("TOKENBROKER_TEST_SURELY_UNSET"));
  }

  @Test
  void encryptedKeysetRoundTripWithAMasterAead() throws Exception {
    Aead master = aead(Keysets.generate());
    KeysetHandle keyset = Keysets.generate();
    Path file = dir.resolve("keyset.enc.json");

    Keysets.toEncryptedFile(keyset, file, master);

    assertTrue(Keysets.fromEncryptedFile(file, master).equalsKeyset(keyset));
    String content = Files.readString(file);
    assertTrue(content.contains("encryptedKeyset"));
    KeyMaterial.of(keyset).assertNotIn(content);
    if (SecureFiles.isPosix(file)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
    // Saving the rotated keyset over it works with the same master key.
    KeysetHandle rotated = Keysets.rotate(keyset);
    Keysets.toEncryptedFile(rotated, file, master);
    assertTrue(Keysets.fromEncryptedFile(file, master).equalsKeyset(rotated));
  }

  @Test
  void wrongMasterKeyGetsAClearError() throws Exception {
    KeysetHandle keyset = Keysets.generate();
    Path file = dir.resolve("keyset.enc.json");
    Keysets.toEncryptedFile(keyset, file, aead(Keysets.generate()));
    byte[] written = Files.readAllBytes(file);
    Aead wrong = aead(Keysets.generate());

    KeysetException e =
        assertThrows(KeysetException.class, () -> Keysets.fromEncryptedFile(file, wrong));

    assertEquals(Kind.CANNOT_DECRYPT, e.kind());
    assertTrue(e.getMessage().contains("master key"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    KeyMaterial.of(keyset).assertNotIn(e);

    KeysetException overwrite =
        assertThrows(KeysetException.class, () -> Keysets.toEncryptedFile(keyset, file, wrong));
    assertEquals(Kind.MISCONFIGURED, overwrite.kind());
    assertArrayEquals(written, Files.readAllBytes(file), "never replaced");
  }

  @Test
  void cleartextAndEncryptedLoadersPointToEachOther() throws Exception {
    Aead master = aead(Keysets.generate());
    Path encrypted = dir.resolve("keyset.enc.json");
    Keysets.toEncryptedFile(Keysets.generate(), encrypted, master);
    Path cleartext = dir.resolve("keyset.json");
    Keysets.toFile(Keysets.generate(), cleartext);

    KeysetException e1 = assertThrows(KeysetException.class, () -> Keysets.fromFile(encrypted));
    KeysetException e2 =
        assertThrows(KeysetException.class, () -> Keysets.fromEncryptedFile(cleartext, master));

    assertEquals(Kind.MISCONFIGURED, e1.kind());
    assertTrue(e1.getMessage().contains("fromEncryptedFile"), e1.getMessage());
    assertEquals(Kind.MISCONFIGURED, e2.kind());
    assertTrue(e2.getMessage().contains("Keysets.fromFile"), e2.getMessage());
  }

  @Test
  void rotateAddsANewPrimaryAndRetireKeepsOnlyIt() {
    KeysetHandle original = Keysets.generate();
    int oldId = original.getPrimary().getId();

    KeysetHandle rotated = Keysets.rotate(original);

    assertEquals(2, rotated.size());
    int newId = rotated.getPrimary().getId();
    assertNotEquals(oldId, newId);
    assertEquals(
        PredefinedAeadParameters.AES256_GCM, rotated.getPrimary().getKey().getParameters());
    int primaries = 0;
    for (int i = 0; i < rotated.size(); i++) {
      assertEquals(KeyStatus.ENABLED, rotated.getAt(i).getStatus());
      primaries += rotated.getAt(i).isPrimary() ? 1 : 0;
      if (rotated.getAt(i).getId() == oldId) {
        assertTrue(rotated.getAt(i).getKey().equalsKey(original.getPrimary().getKey()));
      }
    }
    assertEquals(1, primaries);

    KeysetHandle retired = Keysets.retireOldKeys(Keysets.rotate(rotated));
    assertEquals(1, retired.size());
    assertTrue(retired.getPrimary().isPrimary());
    assertEquals(KeyStatus.ENABLED, retired.getPrimary().getStatus());
    assertNotEquals(newId, retired.getPrimary().getId());
    assertTrue(Keysets.retireOldKeys(original).equalsKeyset(original));
  }

  @Test
  void errorsAndToStringNeverContainKeyMaterial() throws Exception {
    KeysetHandle keyset = Keysets.generate();
    KeyMaterial material = KeyMaterial.of(keyset);
    assertTrue(material.size() >= 5);
    String json = KeyMaterial.json(keyset);
    List<KeysetException> errors = new ArrayList<>();

    errors.add(
        assertThrows(
            KeysetException.class, () -> Keysets.fromJson(json.substring(0, json.length() - 2))));
    errors.add(
        assertThrows(
            KeysetException.class, () -> Keysets.fromJson(json.replace("\"TINK\"", "\"NOPE\""))));
    errors.add(
        assertThrows(
            KeysetException.class, () -> Keysets.fromJson(json.replace("AesGcmKey", "NoSuchKey"))));
    if (SecureFiles.isPosix(dir)) {
      Path shared = dir.resolve("shared.json");
      Files.writeString(shared, json);
      Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-rw-rw-"));
      errors.add(assertThrows(KeysetException.class, () -> Keysets.fromFile(shared)));
    }
    Path encrypted = dir.resolve("keyset.enc.json");
    Keysets.toEncryptedFile(keyset, encrypted, aead(Keysets.generate()));
    Aead wrong = aead(Keysets.generate());
    errors.add(
        assertThrows(KeysetException.class, () -> Keysets.fromEncryptedFile(encrypted, wrong)));

    for (KeysetException e : errors) {
      material.assertNotIn(e);
    }
    material.assertNotIn(keyset.toString());
  }

  private List<Path> listDir() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private static Aead aead(KeysetHandle keyset) throws Exception {
    return keyset.getPrimitive(Tink.configuration(), Aead.class);
  }
}
