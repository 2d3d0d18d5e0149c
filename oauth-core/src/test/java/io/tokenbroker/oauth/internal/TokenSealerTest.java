package io.tokenbroker.oauth.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.KeyMaterial;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenSealerTest {
  private static final GrantKey A = GrantKey.of("procore/company-42/ops-user");
  private static final GrantKey B = GrantKey.of("procore/company-43/ops-user");
  private static final String SECRET = "{\"refresh_token\":\"rt-very-secret-value-1234\"}";

  private final KeysetHandle keyset = Keysets.generate();
  private final TokenSealer sealer = new TokenSealer(keyset);

  @Test
  void roundTrip() {
    for (String text : List.of(SECRET, "", "x".repeat(100_000), "ünïcødé ✓")) {
      byte[] plaintext = text.getBytes(UTF_8);

      byte[] sealed = sealer.seal(A, plaintext);

      assertEquals(TokenSealer.FORMAT_V1, sealed[0]);
      assertArrayEquals(plaintext, sealer.open(A, sealed));
      assertArrayEquals(plaintext, new TokenSealer(keyset).open(A, sealed), "any instance");
    }
  }

  @Test
  void sealedBytesHideThePlaintextAndDifferEveryTime() {
    byte[] first = sealer.seal(A, SECRET.getBytes(UTF_8));
    byte[] second = sealer.seal(A, SECRET.getBytes(UTF_8));

    assertFalse(Arrays.equals(first, second), "random nonce");
    assertFalse(new String(first, UTF_8).contains("rt-very-secret"));
    // version + 5-byte Tink prefix + 12-byte IV + plaintext + 16-byte tag
    assertEquals(1 + 5 + 12 + SECRET.length() + 16, first.length);
  }

  @Test
  void entrySealedForOneGrantDoesNotOpenAsAnother() {
    byte[] sealed = sealer.seal(A, SECRET.getBytes(UTF_8));

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> sealer.open(B, sealed));

    assertEquals(Kind.CANNOT_DECRYPT, e.kind());
    assertEquals(Optional.of(B), e.grantKey());
    assertTrue(e.getMessage().contains("grant '" + B + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("copied from another grant"), e.getMessage());
    assertSafe(e, sealed);
  }

  @Test
  void grantKeysThatShareAPrefixAreDistinct() {
    GrantKey shortKey = GrantKey.of("tenant");
    GrantKey longKey = GrantKey.of("tenant ");
    byte[] sealed = sealer.seal(shortKey, SECRET.getBytes(UTF_8));

    assertThrows(TokenStoreException.class, () -> sealer.open(longKey, sealed));
    assertNotEquals(
        HexFormat.of().formatHex(TokenSealer.associatedData(shortKey)),
        HexFormat.of().formatHex(TokenSealer.associatedData(longKey)));
  }

  @Test
  void everySingleBitFlipFailsToOpen() {
    byte[] sealed = sealer.seal(A, "short secret".getBytes(UTF_8));
    EnumSet<Kind> seen = EnumSet.noneOf(Kind.class);

    for (int bit = 0; bit < sealed.length * 8; bit++) {
      byte[] flipped = sealed.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));

      int position = bit;
      TokenStoreException e =
          assertThrows(
              TokenStoreException.class, () -> sealer.open(A, flipped), () -> "bit " + position);

      assertTrue(
          e.kind() == Kind.CORRUPT || e.kind() == Kind.CANNOT_DECRYPT,
          () -> "bit " + position + ": " + e.kind());
      if (bit >= 8) {
        assertEquals(Kind.CANNOT_DECRYPT, e.kind(), "bit " + bit);
      }
      seen.add(e.kind());
    }
    assertEquals(EnumSet.of(Kind.CORRUPT, Kind.CANNOT_DECRYPT), seen);
  }

  @Test
  void emptyTruncatedAndUnknownVersionAreCorrupt() {
    byte[] sealed = sealer.seal(A, SECRET.getBytes(UTF_8));
    byte[] unknownVersion = sealed.clone();
    unknownVersion[0] = 2;

    for (byte[] bad :
        List.of(
            new byte[0],
            new byte[] {TokenSealer.FORMAT_V1},
            Arrays.copyOf(sealed, 10),
            Arrays.copyOf(sealed, 1 + 5 + 12 + 15),
            unknownVersion,
            new byte[] {0})) {
      TokenStoreException e = assertThrows(TokenStoreException.class, () -> sealer.open(A, bad));

      assertEquals(Kind.CORRUPT, e.kind(), e.getMessage());
      assertEquals(Optional.of(A), e.grantKey());
      assertTrue(e.getMessage().contains("grant '" + A + "'"), e.getMessage());
      assertSafe(e, sealed);
    }
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> sealer.open(A, unknownVersion));
    assertTrue(e.getMessage().contains("format version 2 is unknown"), e.getMessage());
  }

  @Test
  void anyTruncationFailsToOpen() {
    byte[] sealed = sealer.seal(A, SECRET.getBytes(UTF_8));

    for (int length = 0; length < sealed.length; length++) {
      byte[] truncated = Arrays.copyOf(sealed, length);
      TokenStoreException e =
          assertThrows(TokenStoreException.class, () -> sealer.open(A, truncated));
      assertTrue(e.kind() == Kind.CORRUPT || e.kind() == Kind.CANNOT_DECRYPT);
    }
  }

  @Test
  void wrongKeysetCannotDecrypt() {
    byte[] sealed = sealer.seal(A, SECRET.getBytes(UTF_8));
    TokenSealer other = new TokenSealer(Keysets.generate());

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> other.open(A, sealed));

    assertEquals(Kind.CANNOT_DECRYPT, e.kind());
    assertTrue(e.getMessage().contains("grant '" + A + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("wrong keyset"), e.getMessage());
    assertTrue(
        e.getMessage().contains("key id " + Integer.toUnsignedString(keyset.getPrimary().getId())),
        e.getMessage());
    assertSafe(e, sealed);
  }

  @Test
  void rotationKeepsOldEntriesOpenAndSealsWithTheNewPrimary() {
    byte[] old = sealer.seal(A, SECRET.getBytes(UTF_8));
    KeysetHandle rotated = Keysets.rotate(keyset);
    TokenSealer rotatedSealer = new TokenSealer(rotated);

    byte[] fresh = rotatedSealer.seal(A, SECRET.getBytes(UTF_8));

    assertArrayEquals(SECRET.getBytes(UTF_8), rotatedSealer.open(A, old));
    assertTrue(sealer.isSealedWithPrimary(old));
    assertFalse(rotatedSealer.isSealedWithPrimary(old));
    assertTrue(rotatedSealer.isSealedWithPrimary(fresh));
    assertEquals(rotated.getPrimary().getId(), rotatedSealer.primaryKeyId());
    assertFalse(rotatedSealer.isSealedWithPrimary(new byte[0]));
    assertFalse(rotatedSealer.isSealedWithPrimary(new byte[] {1, 1}));
    // The old keyset does not know the new key.
    assertEquals(
        Kind.CANNOT_DECRYPT,
        assertThrows(TokenStoreException.class, () -> sealer.open(A, fresh)).kind());
  }

  @Test
  void nonAeadKeysetIsMisconfigured() throws Exception {
    MacConfig.register();
    KeysetHandle mac =
        KeysetHandle.newBuilder()
            .addEntry(
                KeysetHandle.generateEntryFromParameters(
                        PredefinedMacParameters.HMAC_SHA256_256BITTAG)
                    .withRandomId()
                    .makePrimary())
            .build();

    TokenStoreException e = assertThrows(TokenStoreException.class, () -> new TokenSealer(mac));

    assertEquals(Kind.MISCONFIGURED, e.kind());
  }

  @Test
  void toStringShowsOnlyKeyIds() {
    String text = new TokenSealer(Keysets.rotate(keyset)).toString();

    assertTrue(text.contains("enabledKeys=2"), text);
    KeyMaterial.of(keyset).assertNotIn(text);
  }

  @Test
  void sharedAcrossThreads() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results =
          pool.invokeAll(
              java.util.Collections.nCopies(
                  8,
                  () -> {
                    for (int i = 0; i < 200; i++) {
                      GrantKey key = GrantKey.of("grant-" + i);
                      byte[] plaintext = ("token-" + i).getBytes(UTF_8);
                      if (!Arrays.equals(
                          plaintext, sealer.open(key, sealer.seal(key, plaintext)))) {
                        return false;
                      }
                    }
                    return true;
                  }));
      for (Future<Boolean> result : results) {
        assertTrue(result.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Neither key material, the plaintext nor the entry's bytes appear in the error. */
  private void assertSafe(TokenStoreException e, byte[] sealed) {
    KeyMaterial.of(keyset).assertNotIn(e);
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    String text = e.getMessage() + e + trace;
    assertFalse(text.contains("rt-very-secret"), text);
    String hex = HexFormat.of().formatHex(sealed);
    assertFalse(text.contains(hex.substring(12, 40)), text);
    assertFalse(
        text.contains(java.util.Base64.getEncoder().encodeToString(sealed).substring(8, 30)), text);
  }
}
