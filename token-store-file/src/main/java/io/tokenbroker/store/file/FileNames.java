package io.tokenbroker.store.file;

import io.tokenbroker.oauth.GrantKey;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * How grant keys map to file names. A key's files are named after the lowercase hex SHA-256 of its
 * UTF-8 bytes: no traversal, no reserved names, no collisions on case-insensitive or normalizing
 * file systems, whatever the key. The real key is stored inside the entry.
 */
final class FileNames {
  static final String ENTRY_SUFFIX = ".grant";
  static final String LOCK_SUFFIX = ".lock";
  static final String LEASE_SUFFIX = ".lease";
  static final String TEMP_INFIX = ".grant.tmp-";
  static final String QUARANTINE_INFIX = ".grant.corrupt-";

  static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}\\.grant");

  /** Group 1 is the key hash. Only names this class makes; nothing else is ever cleaned up. */
  static final Pattern TEMP = Pattern.compile("([0-9a-f]{64})\\.grant\\.tmp-[0-9a-f]{16}");

  private static final HexFormat HEX = HexFormat.of();
  private static final DateTimeFormatter QUARANTINE_TIME =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private FileNames() {}

  /** Lowercase hex SHA-256 of the key's UTF-8 bytes. */
  static String hash(GrantKey key) {
    return HEX.formatHex(sha256(utf8(key)));
  }

  static String entry(String hash) {
    return hash + ENTRY_SUFFIX;
  }

  static String lock(String hash) {
    return hash + LOCK_SUFFIX;
  }

  static String lease(String hash) {
    return hash + LEASE_SUFFIX;
  }

  static String temp(String hash) {
    return hash + TEMP_INFIX + HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  static String quarantine(String hash, Instant now, int attempt) {
    String base = hash + QUARANTINE_INFIX + QUARANTINE_TIME.format(now);
    return attempt == 0 ? base : base + "-" + attempt;
  }

  /** The hash part of an entry file name. */
  static String hashOfEntry(String entryFileName) {
    return entryFileName.substring(0, entryFileName.length() - ENTRY_SUFFIX.length());
  }

  /**
   * The key as strict UTF-8.
   *
   * @throws IllegalArgumentException for a key with an unpaired surrogate, which is not text and
   *     would otherwise be stored as a different key
   */
  static byte[] utf8(GrantKey key) {
    try {
      ByteBuffer encoded =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(key.value()));
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "grant key contains an unpaired surrogate and cannot be stored in a file", e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }
}
