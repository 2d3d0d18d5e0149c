package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Crash-safe, owner-only file writes for secrets (keysets) and sealed entries.
 *
 * <p>Every write goes to a temporary file in the target's directory that is created with owner-only
 * permissions (POSIX {@code 0600}, set atomically at creation, so the content is never readable by
 * others even for an instant), written, fsynced, and then published by an atomic rename (replace)
 * or an atomic hard link (create-if-absent). The directory is fsynced afterwards where the platform
 * allows it. A crash leaves either the old or the new content, never a mix, and at worst a stray
 * temporary file whose name starts with a dot and ends with {@code .tmp}.
 *
 * <p>On file systems without POSIX permissions (Windows) the files get the directory's default
 * access control list. Stateless and thread-safe.
 */
public final class SecureFiles {
  private static final System.Logger LOG = System.getLogger(SecureFiles.class.getName());
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private SecureFiles() {}

  /** Whether {@code path}'s file system has POSIX permissions. */
  public static boolean isPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Atomically writes {@code content} to {@code target}, replacing any existing file.
   *
   * @throws IOException if the write failed; {@code target} is then unchanged
   */
  public static void replace(Path target, byte[] content) throws IOException {
    requireNonNull(target, "target == null");
    requireNonNull(content, "content == null");
    Path temp = writeTemp(target, content);
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    syncDirectory(directoryOf(target));
  }

  /**
   * Atomically creates {@code target} with {@code content} unless it exists. Of several processes
   * or threads racing to create the same file, exactly one wins, and the others never observe a
   * partially written file (except on file systems without hard links, see below).
   *
   * <p>Publishing uses a hard link, which fails if the target exists. Where hard links are not
   * supported the file is created with {@code CREATE_NEW} and written in place; a concurrent reader
   * may then briefly see it incomplete. A crash between publishing and removing the temporary name
   * leaves a second name (a hard link) for the target; the next call here, or {@link
   * #removeLeftoverLinks}, removes it.
   *
   * @return {@code true} if this call created the file, {@code false} if it already existed
   */
  public static boolean createIfAbsent(Path target, byte[] content) throws IOException {
    requireNonNull(target, "target == null");
    requireNonNull(content, "content == null");
    removeLeftoverLinks(target);
    Path temp = writeTemp(target, content);
    try {
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException | FileSystemException e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "hard links unsupported for {0}, creating in place: {1}",
          target,
          e.toString());
      return createInPlace(target, content);
    } finally {
      deleteQuietly(temp);
    }
    syncDirectory(directoryOf(target));
    return true;
  }

  /**
   * Removes the temporary names of {@code target} that a crashed {@link #createIfAbsent} left
   * behind after publishing: files named like its temporary files that are the same file as {@code
   * target} (hard links), so a secret never keeps a second, forgotten name. Removing them is safe
   * at any time, even while another process creates the file: a name that is the target itself
   * holds nothing unpublished. Best effort: failures are logged.
   */
  public static void removeLeftoverLinks(Path target) {
    requireNonNull(target, "target == null");
    Path fileName = target.getFileName();
    if (fileName == null || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    String prefix = "." + fileName + ".";
    try (DirectoryStream<Path> temps =
        Files.newDirectoryStream(directoryOf(target), prefix + "*.tmp")) {
      for (Path temp : temps) {
        if (Files.isSameFile(temp, target)) {
          Files.deleteIfExists(temp);
          LOG.log(
              System.Logger.Level.INFO,
              "removed {0}, a second name of {1} left by a crash",
              temp,
              target);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot check {0} for leftover temporary names: {1}",
          target,
          e.toString());
    }
  }

  /** The attributes that make a new file owner-only on this file system (none on non-POSIX). */
  public static FileAttribute<?>[] ownerOnly(Path path) {
    if (isPosix(path)) {
      return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)};
    }
    return new FileAttribute<?>[0];
  }

  private static boolean createInPlace(Path target, byte[] content) throws IOException {
    FileChannel channel;
    try {
      channel =
          FileChannel.open(
              target,
              EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              ownerOnly(target));
    } catch (FileAlreadyExistsException e) {
      return false;
    }
    try (channel) {
      writeFully(channel, content);
      channel.force(true);
    }
    syncDirectory(directoryOf(target));
    return true;
  }

  private static Path writeTemp(Path target, byte[] content) throws IOException {
    Path directory = directoryOf(target);
    Path fileName = requireNonNull(target.getFileName(), "target has no file name");
    Path temp = Files.createTempFile(directory, "." + fileName + ".", ".tmp", ownerOnly(directory));
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      writeFully(channel, content);
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(temp);
      throw e;
    }
    return temp;
  }

  private static void writeFully(FileChannel channel, byte[] content) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(content);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static Path directoryOf(Path target) {
    Path parent = target.toAbsolutePath().getParent();
    return requireNonNull(parent, "target has no parent directory");
  }

  /** Makes a rename or link in {@code directory} durable; not possible everywhere (Windows). */
  private static void syncDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot fsync directory {0}: {1}", directory, e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete temporary file {0}: {1}", path, e);
    }
  }
}
