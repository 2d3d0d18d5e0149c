package io.tokenbroker.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EntryCodecTest {
  private static final GrantKey KEY = GrantKey.of("tenant/\uD83D\uDD11/user");
  private static final String HASH = FileNames.hash(KEY);

  private static byte[] sample() {
    return EntryCodec.encode(
        new StoredGrant(
            KEY, 7, "sealed payload".getBytes(UTF_8), Instant.parse("2026-01-01T00:00:00.5Z")));
  }

  @Test
  void roundTrip() throws Exception {
    StoredGrant grant = new StoredGrant(KEY, 42, new byte[] {0, -1, 127}, null);
    StoredGrant decoded = EntryCodec.decode(EntryCodec.encode(grant), HASH);
    assertEquals(grant, decoded);
    assertArrayEquals(new byte[] {0, -1, 127}, decoded.sealed());
  }

  @Test
  void startsWithMagicAndFormat() {
    byte[] bytes = sample();
    assertArrayEquals("TBSG".getBytes(UTF_8), Arrays.copyOf(bytes, 4));
    assertEquals(1, bytes[4]);
  }

  @Test
  void everyTruncationIsDetected() {
    byte[] bytes = sample();
    for (int length = 0; length < bytes.length; length++) {
      byte[] prefix = Arrays.copyOf(bytes, length);
      assertThrows(
          CorruptEntryException.class, () -> EntryCodec.decode(prefix, HASH), "length " + length);
    }
  }

  @Test
  void everySingleBitFlipIsDetected() {
    byte[] bytes = sample();
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      byte[] damaged = bytes.clone();
      damaged[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(
          CorruptEntryException.class,
          () -> EntryCodec.decode(damaged, HASH),
          "bit " + bit + " flipped");
    }
  }

  @Test
  void entryOfAnotherKeyIsRejected() {
    byte[] bytes = sample();
    String otherHash = FileNames.hash(GrantKey.of("other"));
    CorruptEntryException e =
        assertThrows(CorruptEntryException.class, () -> EntryCodec.decode(bytes, otherHash));
    assertEquals("the entry holds a different grant key (" + KEY + ")", e.getMessage());
  }

  @Test
  void hashIsLowercaseHexOfUtf8() {
    // sha256("abc")
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        FileNames.hash(GrantKey.of("abc")));
  }
}
