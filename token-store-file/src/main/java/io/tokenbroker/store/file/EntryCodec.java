package io.tokenbroker.store.file;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStoreException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk format of one entry, big-endian:
 *
 * <pre>
 *   magic        4 bytes  "TBSG"
 *   format       1 byte   1
 *   flags        1 byte   bit 0: expiresAt present; other bits 0
 *   version      8 bytes  >= 1
 *   expiresAt    8 bytes  epoch second (0 when absent)
 *                4 bytes  nano of second (0 when absent)
 *   key length   2 bytes  n
 *   key          n bytes  UTF-8
 *   sealed len   4 bytes  m
 *   sealed       m bytes  opaque
 *   crc32c       4 bytes  CRC32C of every byte before it
 * </pre>
 *
 * <p>Magic, format and the trailing checksum frame every format version, so a damaged file is told
 * apart from a file written by a newer library.
 *
 * <p>Format 2 is a <em>tombstone</em>: what a delete leaves, so that the key's versions go on from
 * the deleted one (they never repeat). Same layout, flags {@code 2}, no expiry, no sealed bytes. A
 * library that only knows format 1 reports it as written by a newer version and leaves it alone.
 */
final class EntryCodec {
  static final int MAGIC = 0x54425347; // "TBSG"
  static final byte FORMAT = 1;
  static final byte TOMBSTONE_FORMAT = 2;

  /** Entries are sealed token sets, a few KiB; anything this large is damage, not data. */
  static final int MAX_SEALED_BYTES = 16 * 1024 * 1024;

  private static final int MAX_KEY_BYTES = GrantKey.MAX_LENGTH * 3;
  private static final int FLAG_EXPIRES_AT = 1;
  private static final int FLAG_TOMBSTONE = 2;
  private static final int FIXED_BYTES = 4 + 1 + 1 + 8 + 8 + 4 + 2 + 4 + 4;
  static final int MAX_ENTRY_BYTES = FIXED_BYTES + MAX_KEY_BYTES + MAX_SEALED_BYTES;

  private EntryCodec() {}

  /** A decoded file: a live grant, or a tombstone ({@code grant == null}) keeping a version. */
  record Decoded(GrantKey key, long version, @Nullable StoredGrant grant) {}

  /** The tombstone of {@code key}, whose last version was {@code version}. */
  static byte[] encodeTombstone(GrantKey key, long version) {
    byte[] keyBytes = FileNames.utf8(key);
    ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + keyBytes.length);
    out.putInt(MAGIC);
    out.put(TOMBSTONE_FORMAT);
    out.put((byte) FLAG_TOMBSTONE);
    out.putLong(version);
    out.putLong(0);
    out.putInt(0);
    out.putShort((short) keyBytes.length);
    out.put(keyBytes);
    out.putInt(0);
    out.putInt(crc(out.array(), out.position()));
    return out.array();
  }

  /**
   * Parses a live entry.
   *
   * @throws CorruptEntryException if the bytes are damaged or inconsistent, or a tombstone
   */
  static StoredGrant decode(byte[] bytes, String expectedHash) throws CorruptEntryException {
    Decoded decoded = decodeAny(bytes, expectedHash);
    if (decoded.grant() == null) {
      throw new CorruptEntryException("the file is a tombstone, not a grant");
    }
    return decoded.grant();
  }

  static byte[] encode(StoredGrant grant) {
    byte[] key = FileNames.utf8(grant.key());
    byte[] sealed = grant.sealed();
    if (sealed.length > MAX_SEALED_BYTES) {
      throw new IllegalArgumentException(
          "sealed entry is larger than " + MAX_SEALED_BYTES + " bytes: " + sealed.length);
    }
    Instant expiresAt = grant.expiresAt();
    ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + key.length + sealed.length);
    out.putInt(MAGIC);
    out.put(FORMAT);
    out.put((byte) (expiresAt != null ? FLAG_EXPIRES_AT : 0));
    out.putLong(grant.version());
    out.putLong(expiresAt != null ? expiresAt.getEpochSecond() : 0);
    out.putInt(expiresAt != null ? expiresAt.getNano() : 0);
    out.putShort((short) key.length);
    out.put(key);
    out.putInt(sealed.length);
    out.put(sealed);
    out.putInt(crc(out.array(), out.position()));
    return out.array();
  }

  /**
   * Parses an entry or a tombstone.
   *
   * @param expectedHash the key hash the file is named after; the key inside must match it
   * @throws CorruptEntryException if the bytes are damaged or inconsistent
   * @throws TokenStoreException {@code MISCONFIGURED} for an intact entry in a format this version
   *     does not know (written by a newer library); such entries are not quarantined
   */
  static Decoded decodeAny(byte[] bytes, String expectedHash) throws CorruptEntryException {
    if (bytes.length == 0) {
      throw new CorruptEntryException("the file is empty");
    }
    if (bytes.length < FIXED_BYTES) {
      throw new CorruptEntryException("the file is truncated (" + bytes.length + " bytes)");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (in.getInt() != MAGIC) {
      throw new CorruptEntryException("the file does not start with the entry magic");
    }
    int storedCrc = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if (storedCrc != crc(bytes, bytes.length - 4)) {
      throw new CorruptEntryException("the checksum does not match (damaged or truncated)");
    }
    byte format = in.get();
    if (format != FORMAT && format != TOMBSTONE_FORMAT) {
      throw new TokenStoreException(
          "entry format "
              + format
              + " is not supported by this version of token-store-file (it knows "
              + FORMAT
              + "); was it written by a newer version?",
          TokenStoreException.Kind.MISCONFIGURED,
          null,
          null);
    }
    int flags = in.get();
    boolean tombstone = format == TOMBSTONE_FORMAT;
    if (tombstone ? flags != FLAG_TOMBSTONE : (flags & ~FLAG_EXPIRES_AT) != 0) {
      throw new CorruptEntryException("unknown flags " + flags);
    }
    long version = in.getLong();
    if (version < 1) {
      throw new CorruptEntryException("invalid version " + version);
    }
    long epochSecond = in.getLong();
    int nano = in.getInt();
    @Nullable Instant expiresAt = null;
    if ((flags & FLAG_EXPIRES_AT) != 0) {
      try {
        expiresAt = Instant.ofEpochSecond(epochSecond, nano);
      } catch (DateTimeException | ArithmeticException e) {
        throw new CorruptEntryException("invalid expiresAt");
      }
      if (nano < 0 || nano > 999_999_999) {
        throw new CorruptEntryException("invalid expiresAt");
      }
    } else if (epochSecond != 0 || nano != 0) {
      throw new CorruptEntryException("expiresAt set without its flag");
    }
    int keyLength = Short.toUnsignedInt(in.getShort());
    if (keyLength == 0 || keyLength > MAX_KEY_BYTES || keyLength > in.remaining() - 8) {
      throw new CorruptEntryException("invalid key length " + keyLength);
    }
    byte[] keyBytes = new byte[keyLength];
    in.get(keyBytes);
    GrantKey key = decodeKey(keyBytes);
    if (!FileNames.hash(key).equals(expectedHash)) {
      throw new CorruptEntryException("the entry holds a different grant key (" + key + ")");
    }
    int sealedLength = in.getInt();
    if (sealedLength < 0 || sealedLength != in.remaining() - 4) {
      throw new CorruptEntryException("invalid sealed length " + sealedLength);
    }
    if (tombstone) {
      if (sealedLength != 0 || epochSecond != 0 || nano != 0) {
        throw new CorruptEntryException("a tombstone with content");
      }
      return new Decoded(key, version, null);
    }
    byte[] sealed = new byte[sealedLength];
    in.get(sealed);
    return new Decoded(key, version, new StoredGrant(key, version, sealed, expiresAt));
  }

  private static GrantKey decodeKey(byte[] bytes) throws CorruptEntryException {
    String value;
    try {
      value =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new CorruptEntryException("the grant key is not valid UTF-8");
    }
    try {
      return GrantKey.of(value);
    } catch (IllegalArgumentException e) {
      throw new CorruptEntryException("the grant key is invalid: " + e.getMessage());
    }
  }

  private static int crc(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }
}
