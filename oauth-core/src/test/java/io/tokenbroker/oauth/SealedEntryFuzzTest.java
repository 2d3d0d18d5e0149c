package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tokenbroker.oauth.internal.TokenSealer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what is read back from a store: {@link TokenSealer#open} on arbitrary and on damaged
 * entries, {@link GrantRecord#decode} on arbitrary plaintext, and the encode/decode round trip of
 * records with arbitrary field values. Damage yields {@link TokenStoreException} (CORRUPT or
 * CANNOT_DECRYPT) with a message free of the entry's content; a decoded record never differs from
 * the one encoded.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES) // fuzzing runs inside one invocation
class SealedEntryFuzzTest {
  private static final GrantKey KEY = GrantKey.of("fuzz/grant");
  private static final TokenSealer SEALER = new TokenSealer(Keysets.generate());
  private static final String ACCESS = "fuzz-access-7f3a9c1e5b";
  private static final String REFRESH = "fuzz-refresh-2d8e4f6a0c";
  private static final byte[] VALID_PLAINTEXT =
      new GrantRecord(
              GrantType.AUTHORIZATION_CODE,
              "fuzz",
              "client-id",
              new TokenSet(
                  AccessToken.of(ACCESS),
                  "Bearer",
                  Instant.parse("2026-01-01T00:00:00Z"),
                  Instant.parse("2026-01-01T01:00:00Z"),
                  RefreshToken.of(REFRESH),
                  null,
                  Set.of("read")),
              null,
              false,
              null,
              Instant.parse("2026-01-01T00:00:00Z"))
          .encode();
  private static final byte[] VALID = SEALER.seal(KEY, VALID_PLAINTEXT);

  @FuzzTest(maxDuration = "2m")
  void openArbitrary(byte[] entry) {
    try {
      SEALER.open(KEY, entry);
    } catch (TokenStoreException e) {
      assertUnreadable(e, KEY);
    }
  }

  /** A valid entry with fuzzed damage: flipped bytes, truncation, appended bytes, another key. */
  @FuzzTest(maxDuration = "2m")
  void openDamaged(FuzzedDataProvider data) {
    byte[] entry = VALID.clone();
    int flips = data.consumeInt(0, 4);
    for (int i = 0; i < flips && entry.length > 0; i++) {
      entry[data.consumeInt(0, entry.length - 1)] ^= (byte) data.consumeInt(1, 255);
    }
    if (data.consumeBoolean()) {
      entry = Arrays.copyOf(entry, data.consumeInt(0, entry.length));
    }
    if (data.consumeBoolean()) {
      byte[] tail = data.consumeBytes(64);
      byte[] longer = Arrays.copyOf(entry, entry.length + tail.length);
      System.arraycopy(tail, 0, longer, entry.length, tail.length);
      entry = longer;
    }
    GrantKey key = KEY;
    if (data.consumeBoolean()) {
      String other = data.consumeString(40);
      try {
        key = GrantKey.of(other);
      } catch (IllegalArgumentException invalidKey) {
        // keep KEY
      }
    }
    boolean unchanged = key.equals(KEY) && Arrays.equals(entry, VALID);
    try {
      byte[] plaintext = SEALER.open(key, entry);
      // AES-GCM authenticates: only the untouched entry under its own key opens.
      assertEquals(true, unchanged, "a damaged or moved entry opened");
      assertArrayEquals(VALID_PLAINTEXT, plaintext);
    } catch (TokenStoreException e) {
      assertFalse(unchanged, "the valid entry did not open");
      assertUnreadable(e, key);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void decodeArbitrary(byte[] plaintext) {
    try {
      GrantRecord record = GrantRecord.decode(KEY, plaintext);
      assertNotNull(record.tokens());
      assertNotNull(record.grantType());
    } catch (TokenStoreException e) {
      assertEquals(TokenStoreException.Kind.CORRUPT, e.kind());
      assertNoContent(e, new String(plaintext, StandardCharsets.UTF_8));
    }
  }

  @FuzzTest(maxDuration = "2m")
  void roundTrip(FuzzedDataProvider data) {
    GrantRecord record;
    try {
      Set<String> scopes = new HashSet<>();
      int scopeCount = data.consumeInt(0, 3);
      for (int i = 0; i < scopeCount; i++) {
        scopes.add(data.consumeString(20));
      }
      record =
          new GrantRecord(
              data.pickValue(GrantType.values()),
              data.consumeString(30),
              data.consumeString(30),
              new TokenSet(
                  AccessToken.of(data.consumeString(60)),
                  data.consumeString(10),
                  Instant.ofEpochMilli(data.consumeLong()),
                  Instant.ofEpochMilli(data.consumeLong()),
                  data.consumeBoolean() ? RefreshToken.of(data.consumeString(60)) : null,
                  data.consumeBoolean() ? Instant.ofEpochMilli(data.consumeLong()) : null,
                  scopes),
              data.consumeBoolean() ? RefreshToken.of(data.consumeString(60)) : null,
              data.consumeBoolean(),
              data.consumeBoolean() ? data.consumeString(100) : null,
              Instant.ofEpochMilli(data.consumeLong()));
    } catch (IllegalArgumentException emptySecret) {
      return; // an empty token cannot be constructed; nothing to round-trip
    }
    GrantRecord decoded =
        GrantRecord.decode(KEY, SEALER.open(KEY, SEALER.seal(KEY, record.encode())));
    assertEquals(record, decoded);
  }

  private static void assertUnreadable(TokenStoreException e, GrantKey key) {
    assertFalse(
        e.kind() != TokenStoreException.Kind.CORRUPT
            && e.kind() != TokenStoreException.Kind.CANNOT_DECRYPT,
        "unexpected reason " + e.kind());
    assertEquals(key, e.grantKey().orElse(null));
    assertNoContent(e, ACCESS);
    assertNoContent(e, REFRESH);
  }

  private static void assertNoContent(TokenStoreException e, String content) {
    // Grant keys are not secret and are named in messages; the fuzzer likes to put the token
    // values into the key itself (seed crash-02c2f2f9...), so look at the message without it.
    String message = e.getMessage();
    if (e.grantKey().isPresent()) {
      message = message.replace(e.grantKey().get().value(), "<key>");
    }
    // Only token-like content: a short or worded plaintext may match our own message text.
    if (content.length() >= 10
        && content.chars().anyMatch(Character::isDigit)
        && content.chars().anyMatch(Character::isLetter)
        && content.chars().noneMatch(Character::isWhitespace)) {
      assertFalse(message.contains(content), "entry content in an exception message");
    }
  }
}
