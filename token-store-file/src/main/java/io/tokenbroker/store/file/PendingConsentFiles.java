package io.tokenbroker.store.file;

import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Pending consents as files in the store's {@code pending} sub-directory, one {@code <id>.consent}
 * file each: magic, format, expiry (epoch ms), length, sealed bytes, CRC32C.
 *
 * <ul>
 *   <li>Saved like entries: a temporary file, {@code fsync}, an atomic rename over {@code
 *       <id>.consent}, a directory {@code fsync}.
 *   <li>Taken by an atomic rename to a name only the taker knows ({@code
 *       <id>.consent.taken-<random>}): of several threads or processes exactly one rename succeeds;
 *       the winner reads and deletes its file. A taker that dies in between leaves its file, which
 *       a purge removes once it has expired.
 * </ul>
 *
 * <p>Stateless apart from its paths; thread-safe and safe for several processes.
 */
final class PendingConsentFiles {
  private static final System.Logger LOG = System.getLogger(FileTokenStore.class.getName());
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final String SUFFIX = ".consent";
  private static final String TAKEN_INFIX = ".consent.taken-";
  private static final String TEMP_INFIX = ".consent.tmp-";
  private static final int MAGIC = 0x54425043; // "TBPC"
  private static final byte FORMAT = 1;
  private static final int HEADER = 4 + 1 + 8 + 4;
  private static final int MAX_SEALED_BYTES = 1024 * 1024;

  /** Temporary files older than this belong to a saver that died. */
  private static final Duration STALE_TEMP = Duration.ofHours(1);

  private static final HexFormat HEX = HexFormat.of();

  private final Path directory;
  private final FileAttribute<?>[] directoryAttributes;
  private final FileAttribute<?>[] fileAttributes;
  private final Clock clock;

  PendingConsentFiles(
      Path directory,
      FileAttribute<?>[] directoryAttributes,
      FileAttribute<?>[] fileAttributes,
      Clock clock) {
    this.directory = directory;
    this.directoryAttributes = directoryAttributes;
    this.fileAttributes = fileAttributes;
    this.clock = clock;
  }

  static void checkId(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "pending consent id must be 1 to 128 letters, digits, '-' or '_'");
    }
  }

  void save(String id, byte[] sealed, Instant expiresAt) {
    checkId(id);
    if (sealed.length > MAX_SEALED_BYTES) {
      throw new IllegalArgumentException(
          "a pending consent is at most " + MAX_SEALED_BYTES + " bytes: " + sealed.length);
    }
    createDirectory();
    FileTokenStore.writeAtomically(
        directory,
        directory.resolve(id + TEMP_INFIX + randomSuffix()),
        directory.resolve(id + SUFFIX),
        encode(sealed, millis(expiresAt)),
        fileAttributes,
        null);
  }

  Optional<byte[]> take(String id, Instant now) {
    if (!ID.matcher(id).matches()) {
      return Optional.empty();
    }
    Path claimed = claim(directory.resolve(id + SUFFIX));
    if (claimed == null) {
      return Optional.empty();
    }
    Decoded consent = readClaimed(claimed);
    deleteClaimed(claimed);
    return consent.expiresAt() <= millis(now) ? Optional.empty() : Optional.of(consent.sealed());
  }

  int purge(Instant now) {
    long nowMillis = millis(now);
    int purged = 0;
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(SUFFIX)) {
          purged += purgeIfExpired(file, nowMillis) ? 1 : 0;
        } else if (name.contains(TAKEN_INFIX)) {
          removeAbandonedTake(file, nowMillis);
        } else if (name.contains(TEMP_INFIX)) {
          removeStaleTemp(file);
        }
      }
    } catch (IOException e) {
      throw FileTokenStore.ioFailure("cannot list the pending consents in " + directory, null, e);
    }
    return purged;
  }

  /** Claims {@code file} if it is expired: takes it, and puts it back unless it expired. */
  private boolean purgeIfExpired(Path file, long nowMillis) {
    Decoded peeked = tryRead(file);
    if (peeked == null || peeked.expiresAt() > nowMillis) {
      return false;
    }
    Path claimed = claim(file);
    if (claimed == null) {
      return false; // taken meanwhile
    }
    Decoded consent = tryRead(claimed);
    if (consent != null && consent.expiresAt() > nowMillis) {
      // Replaced by a fresh save between the read and the claim: put it back, unless an even
      // newer save is already there (which then wins, as a replacing save should).
      try {
        Files.move(claimed, file);
        return false;
      } catch (FileAlreadyExistsException e) {
        // the newer one stays
      } catch (IOException e) {
        throw FileTokenStore.ioFailure("cannot put back the pending consent " + file, null, e);
      }
    }
    deleteClaimed(claimed);
    return consent != null;
  }

  private void removeAbandonedTake(Path file, long nowMillis) {
    Decoded consent = tryRead(file);
    if (consent != null && consent.expiresAt() <= nowMillis) {
      FileTokenStore.deleteQuietly(file);
    }
  }

  private void removeStaleTemp(Path file) {
    try {
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      if (modified.plus(STALE_TEMP).isBefore(clock.instant())) {
        FileTokenStore.deleteQuietly(file);
      }
    } catch (IOException e) {
      // gone meanwhile, or unreadable: left for the next purge
    }
  }

  /** Renames {@code file} to a name of its own; null if it is not there (someone else won). */
  private @Nullable Path claim(Path file) {
    Path claimed =
        file.resolveSibling(
            file.getFileName().toString().replace(SUFFIX, TAKEN_INFIX) + randomSuffix());
    try {
      Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
      return claimed;
    } catch (NoSuchFileException e) {
      return null;
    } catch (AtomicMoveNotSupportedException e) {
      throw FileTokenStore.cannotRenameAtomically(directory, null, e);
    } catch (IOException e) {
      throw FileTokenStore.ioFailure("cannot take the pending consent " + file, null, e);
    }
  }

  private Decoded readClaimed(Path claimed) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(claimed);
    } catch (IOException e) {
      throw FileTokenStore.ioFailure("cannot read the pending consent " + claimed, null, e);
    }
    Decoded consent = decode(bytes);
    if (consent == null) {
      throw new TokenStoreException(
          "the pending consent file "
              + claimed
              + " is damaged; it is kept for inspection and the consent must be started again",
          Kind.CORRUPT,
          null,
          null);
    }
    return consent;
  }

  private void deleteClaimed(Path claimed) {
    try {
      Files.deleteIfExists(claimed);
    } catch (IOException e) {
      // Taken all the same (the name was ours alone); a purge removes the file once expired.
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot delete the taken pending consent {0}: {1}",
          claimed,
          e.toString());
    }
  }

  private static @Nullable Decoded tryRead(Path file) {
    try {
      return decode(Files.readAllBytes(file));
    } catch (IOException e) {
      return null;
    }
  }

  record Decoded(byte[] sealed, long expiresAt) {}

  static byte[] encode(byte[] sealed, long expiresAt) {
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + sealed.length + 4);
    buffer.putInt(MAGIC).put(FORMAT).putLong(expiresAt).putInt(sealed.length).put(sealed);
    CRC32C crc = new CRC32C();
    crc.update(buffer.array(), 0, buffer.position());
    buffer.putInt((int) crc.getValue());
    return buffer.array();
  }

  /** The consent in {@code bytes}, or null if they are not an intact consent file. */
  static @Nullable Decoded decode(byte[] bytes) {
    if (bytes.length < HEADER + 4) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    if (buffer.getInt() != MAGIC || buffer.get() != FORMAT) {
      return null;
    }
    long expiresAt = buffer.getLong();
    int length = buffer.getInt();
    if (length < 0 || length != bytes.length - HEADER - 4) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, HEADER + length);
    if ((int) crc.getValue() != ByteBuffer.wrap(bytes, HEADER + length, 4).getInt()) {
      return null;
    }
    byte[] sealed = new byte[length];
    buffer.get(sealed);
    return new Decoded(sealed, expiresAt);
  }

  private void createDirectory() {
    try {
      Files.createDirectory(directory, directoryAttributes);
    } catch (FileAlreadyExistsException e) {
      // made earlier or concurrently
    } catch (IOException e) {
      throw FileTokenStore.ioFailure("cannot create the directory " + directory, null, e);
    }
  }

  private static String randomSuffix() {
    return HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
  }

  private static long millis(Instant instant) {
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
