package io.tokenbroker.store.file;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import io.tokenbroker.store.file.SharedDirectory.LeaseSlot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenStore} keeping one file per grant in a local directory. Entries hold the sealed
 * bytes the broker hands over plus non-secret metadata (key, version, expiry), framed by a magic
 * number, a format version and a CRC32C checksum.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>Crash safety.</b> A write goes to a temporary file in the same directory, which is
 *       forced to disk, atomically renamed over the entry, and followed by a forced directory. A
 *       crash at any instant leaves the old or the new entry, never a torn or empty one. Temporary
 *       files left by a crashed writer are removed when a store is created over the directory.
 *   <li><b>Processes and threads.</b> {@link #compareAndSet} and {@link #delete} run under a
 *       per-grant lock: an in-JVM lock plus a {@link FileChannel#lock() FileChannel lock} on a
 *       per-grant lock file, so any number of threads, store instances and processes may share the
 *       directory.
 *   <li><b>Leases and fencing.</b> A lease holds a {@link FileChannel#tryLock() FileChannel lock}
 *       on a per-grant lease file until it is closed. Between processes the operating system
 *       releases it when the holding process dies, however it dies; a live process holds it until
 *       it closes the lease. Within one JVM (every store over the same directory shares one
 *       registry) the lease's time to live applies as the SPI says: after it, another holder in the
 *       JVM takes it over, and the stale holder's close no longer releases anything. Each lease
 *       gets a fencing number one higher than the last, kept in the lease file (two checksummed
 *       slots written alternately and forced to disk, so a crash mid-write leaves the previous
 *       number). {@link #compareAndSet} and {@link #delete} check, under the grant's lock, that the
 *       caller's lease is still the holder and unexpired; otherwise they refuse with {@link
 *       Kind#LEASE_LOST} and write nothing.
 *   <li><b>Versions never repeat.</b> A delete replaces the entry with a small tombstone that keeps
 *       the last version (same atomic write), so a new first write continues above it. Tombstones
 *       are not listed and load as absent; they stay, like lock and lease files.
 *   <li><b>Paged reads.</b> {@link #loadPage} walks the directory's names once per page and reads
 *       only the page's entries (file names are key hashes, so each store instance reads every
 *       entry once to learn its key, and remembers the keys of the entries it saw).
 *   <li><b>Pending consents</b> are files in the {@code pending} sub-directory, written like
 *       entries and taken by an atomic rename that only one thread or process wins.
 *   <li><b>Corruption.</b> An entry that cannot be parsed (bad magic, bad checksum, truncated,
 *       holding another key) is moved aside to {@code <name>.grant.corrupt-<time>} and reported as
 *       {@link Kind#CORRUPT} naming that path; it is never overwritten in place.
 *   <li><b>Failures, by what to do.</b> I/O errors are {@link Kind#UNAVAILABLE} (retry later: a
 *       full disk, a read-only remount, a flaky device), never corruption; a permission denied on a
 *       POSIX file system is {@link Kind#MISCONFIGURED} (someone changed the owner or mode;
 *       elsewhere, where a sharing violation can pass, it is unavailable). Messages name the file
 *       and the operating system's error.
 *   <li><b>Permissions.</b> On POSIX file systems the directory is created {@code 0700} and files
 *       {@code 0600}; a directory that group or others can write to, or that belongs to another
 *       user (for example through a symbolic link), is refused with {@link Kind#MISCONFIGURED}.
 * </ul>
 *
 * <p>File names are the lowercase hex SHA-256 of the grant key's UTF-8 bytes, so any key is safe on
 * any file system; the key itself is stored inside the entry. Keys with unpaired surrogates (not
 * text) are rejected with {@link IllegalArgumentException}.
 *
 * <p>Limits: local file systems only (not NFS or other network file systems, whose locks and
 * renames are not reliable); one directory per keyset. Thread-safe.
 */
public final class FileTokenStore implements TokenStore {
  private static final System.Logger LOG = System.getLogger(FileTokenStore.class.getName());

  private static final Set<PosixFilePermission> OWNER_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_FILE =
      PosixFilePermissions.fromString("rw-------");

  private final Path directory;
  private final Clock clock;
  private final SharedDirectory shared;
  private final FileAttribute<?>[] fileAttributes;
  private final PendingConsentFiles pending;

  /**
   * The key of each entry file seen so far, by hash. A hash names one key forever (it is the key's
   * SHA-256), so a page needs to read only its own entries once every name has been seen.
   */
  private final ConcurrentMap<String, GrantKey> keysByHash = new ConcurrentHashMap<>();

  /** The sorted keys of the last walk, for the pages after the first. */
  private volatile @Nullable KeyIndex keyIndex;

  private FileTokenStore(Builder builder) {
    this.clock = builder.clock;
    Path requested = builder.directory.toAbsolutePath();
    boolean posix = supportsPosix(requested);
    this.fileAttributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_FILE)}
            : new FileAttribute<?>[0];
    this.directory = prepareDirectory(requested, posix);
    this.shared = SharedDirectory.of(directory);
    this.pending =
        new PendingConsentFiles(
            directory.resolve("pending"),
            posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY)}
                : new FileAttribute<?>[0],
            fileAttributes,
            clock);
    removeStrayTempFiles();
  }

  /**
   * Opens (creating it if needed) a store over {@code directory}, with the system clock.
   *
   * @throws TokenStoreException {@code MISCONFIGURED} if the directory is unsafe or not a
   *     directory; {@code UNAVAILABLE} on an I/O error
   */
  public static FileTokenStore create(Path directory) {
    return builder(directory).build();
  }

  /** Starts configuring a store over {@code directory}. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** The directory holding the entries, as a real path. */
  public Path directory() {
    return directory;
  }

  @Override
  public Optional<StoredGrant> load(GrantKey key) {
    requireNonNull(key, "key == null");
    String hash = FileNames.hash(key);
    Path entry = directory.resolve(FileNames.entry(hash));
    byte[] bytes = read(entry, key);
    if (bytes == null) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(decode(bytes, hash, key).grant());
    } catch (CorruptEntryException e) {
      return Optional.ofNullable(
          underWriteLock(key, hash, () -> quarantineOrReread(key, hash, entry)).grant());
    }
  }

  @Override
  public OptionalLong compareAndSet(
      Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
    FileLease mine = own(lease);
    requireNonNull(sealed, "sealed == null");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expectedVersion < 0: " + expectedVersion);
    }
    GrantKey key = mine.key;
    String hash = FileNames.hash(key);
    Path entry = directory.resolve(FileNames.entry(hash));
    return underWriteLock(
        key,
        hash,
        () -> {
          synchronized (mine.slot) {
            requireHolds(mine, "write");
            EntryCodec.Decoded current = current(key, hash, entry);
            long version = current == null || current.grant() == null ? 0 : current.version();
            if (version != expectedVersion) {
              return OptionalLong.empty();
            }
            long next = (current == null ? 0 : current.version()) + 1;
            replace(
                key, hash, entry, EntryCodec.encode(new StoredGrant(key, next, sealed, expiresAt)));
            return OptionalLong.of(next);
          }
        });
  }

  @Override
  public boolean delete(Lease lease) {
    FileLease mine = own(lease);
    GrantKey key = mine.key;
    String hash = FileNames.hash(key);
    Path entry = directory.resolve(FileNames.entry(hash));
    return underWriteLock(
        key,
        hash,
        () -> {
          synchronized (mine.slot) {
            requireHolds(mine, "delete");
            EntryCodec.Decoded current = current(key, hash, entry);
            if (current == null || current.grant() == null) {
              return false;
            }
            replace(key, hash, entry, EntryCodec.encodeTombstone(key, current.version()));
            return true;
          }
        });
  }

  /**
   * Under the write lock: the entry or tombstone as it is, or null; a damaged one is moved aside.
   */
  private EntryCodec.@Nullable Decoded current(GrantKey key, String hash, Path entry) {
    byte[] bytes = read(entry, key);
    if (bytes == null) {
      return null;
    }
    try {
      return decode(bytes, hash, key);
    } catch (CorruptEntryException e) {
      throw quarantine(key, hash, entry, e);
    }
  }

  private FileLease own(Lease lease) {
    requireNonNull(lease, "lease == null");
    if (!(lease instanceof FileLease mine) || mine.shared != shared) {
      throw new IllegalArgumentException(
          "the lease is not from a store over " + directory + ": " + lease);
    }
    return mine;
  }

  /** Caller holds {@code lease.slot}. */
  private void requireHolds(FileLease lease, String operation) {
    LeaseSlot slot = lease.slot;
    if (slot.holder != lease || !clock.instant().isBefore(slot.expiresAt)) {
      throw new TokenStoreException(
          "cannot "
              + operation
              + " grant '"
              + lease.key
              + "': its lease (fence "
              + lease.fence
              + ") was closed, ran out or was taken over; nothing was written",
          Kind.LEASE_LOST,
          lease.key,
          null);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Entries that cannot be parsed are left out (and logged); {@link #load} reports and
   * quarantines them.
   */
  @Override
  public List<GrantKey> list() {
    List<GrantKey> keys = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.grant")) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!FileNames.ENTRY.matcher(name).matches()) {
          continue;
        }
        byte[] bytes = read(entry, null);
        if (bytes == null) {
          continue; // deleted meanwhile
        }
        try {
          EntryCodec.Decoded decoded = decode(bytes, FileNames.hashOfEntry(name), null);
          if (decoded.grant() != null) {
            keys.add(decoded.key());
          }
        } catch (CorruptEntryException | TokenStoreException e) {
          LOG.log(
              System.Logger.Level.WARNING,
              "token store entry {0} cannot be read and is not listed: {1}",
              entry,
              e.getMessage());
        }
      }
    } catch (IOException e) {
      throw ioFailure("cannot list the token store directory " + directory, null, e);
    }
    return keys;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The first page of a scan ({@code after == null}) walks the directory's file names once and
   * keeps them as a sorted index; the following pages use that index as long as the directory has
   * not changed since (its modification time), and walk again otherwise. Each page reads only its
   * own entries, plus, once per store instance, every entry whose name it has not seen before (to
   * learn its key: file names are key hashes). Tombstones and entries that cannot be parsed are
   * left out (the latter logged, as by {@link #list}).
   */
  @Override
  public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
    requireNonNull(keyPrefix, "keyPrefix == null");
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    Map<String, EntryCodec.Decoded> readNow = new HashMap<>();
    NavigableMap<GrantKey, String> keys = index(after == null, readNow);
    NavigableMap<GrantKey, String> tail =
        after != null && after.value().compareTo(keyPrefix) >= 0
            ? keys.tailMap(after, false)
            : tailFrom(keys, keyPrefix);
    List<StoredGrant> page = new ArrayList<>();
    for (Map.Entry<GrantKey, String> candidate : tail.entrySet()) {
      String value = candidate.getKey().value();
      if (!value.startsWith(keyPrefix)) {
        if (value.compareTo(keyPrefix) > 0) {
          break; // keys with the prefix are contiguous in key order
        }
        continue;
      }
      String hash = candidate.getValue();
      EntryCodec.Decoded decoded = readNow.get(hash);
      if (decoded == null) {
        decoded = readListed(directory.resolve(FileNames.entry(hash)), hash);
      }
      if (decoded == null || decoded.grant() == null) {
        continue; // deleted meanwhile, a tombstone, or damaged
      }
      if (page.size() == limit) {
        return new GrantPage(page, page.get(limit - 1).key());
      }
      page.add(decoded.grant());
    }
    return new GrantPage(page, null);
  }

  private static NavigableMap<GrantKey, String> tailFrom(
      NavigableMap<GrantKey, String> keys, String keyPrefix) {
    if (keyPrefix.isBlank() || keyPrefix.length() > GrantKey.MAX_LENGTH) {
      return keys;
    }
    try {
      return keys.tailMap(GrantKey.of(keyPrefix), true);
    } catch (IllegalArgumentException e) {
      return keys; // a control character: no key has this prefix, the scan finds none
    }
  }

  private record KeyIndex(FileTime modified, NavigableMap<GrantKey, String> keys) {}

  /** The sorted keys of the entries, walked now or, for a later page, kept from the last walk. */
  private NavigableMap<GrantKey, String> index(
      boolean firstPage, Map<String, EntryCodec.Decoded> readNow) {
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(directory);
    } catch (IOException e) {
      throw ioFailure("cannot read the token store directory " + directory, null, e);
    }
    KeyIndex current = keyIndex;
    if (!firstPage && current != null && current.modified().equals(modified)) {
      return current.keys();
    }
    NavigableMap<GrantKey, String> keys = new TreeMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.length() != ENTRY_NAME_LENGTH || !name.endsWith(FileNames.ENTRY_SUFFIX)) {
          continue; // lock, lease, temporary and quarantined files, the pending directory
        }
        String hash = FileNames.hashOfEntry(name);
        GrantKey key = keysByHash.get(hash);
        if (key == null) {
          if (!FileNames.ENTRY.matcher(name).matches()) {
            continue;
          }
          EntryCodec.Decoded decoded = readListed(entry, hash);
          if (decoded == null) {
            continue;
          }
          key = decoded.key();
          keysByHash.put(hash, key);
          readNow.put(hash, decoded);
        }
        keys.put(key, hash);
      }
    } catch (IOException e) {
      throw ioFailure("cannot list the token store directory " + directory, null, e);
    }
    keysByHash.values().retainAll(keys.keySet());
    keyIndex = new KeyIndex(modified, keys);
    return keys;
  }

  private static final int ENTRY_NAME_LENGTH = 64 + FileNames.ENTRY_SUFFIX.length();

  /** The entry or tombstone in {@code entry}; null if gone or damaged (logged, as by list). */
  private EntryCodec.@Nullable Decoded readListed(Path entry, String hash) {
    byte[] bytes = read(entry, null);
    if (bytes == null) {
      return null;
    }
    try {
      return decode(bytes, hash, null);
    } catch (CorruptEntryException | TokenStoreException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "token store entry {0} cannot be read and is not listed: {1}",
          entry,
          e.getMessage());
      return null;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A file {@code pending/<id>.consent}, written like an entry (temporary file, {@code fsync},
   * atomic rename); the sub-directory is made on first use, owner-only like the store's.
   *
   * @throws IllegalArgumentException also for sealed bytes over 1 MiB
   */
  @Override
  public void savePendingConsent(String id, byte[] sealed, Instant expiresAt) {
    requireNonNull(id, "id == null");
    requireNonNull(sealed, "sealed == null");
    requireNonNull(expiresAt, "expiresAt == null");
    pending.save(id, sealed, expiresAt);
  }

  /**
   * {@inheritDoc}
   *
   * <p>An atomic rename of the file to a name of the caller's own, which only one thread or process
   * can win; the winner reads and deletes it.
   *
   * @throws TokenStoreException {@link Kind#CORRUPT} if the file taken is damaged (it is kept,
   *     renamed, for inspection)
   */
  @Override
  public Optional<byte[]> takePendingConsent(String id, Instant now) {
    requireNonNull(id, "id == null");
    requireNonNull(now, "now == null");
    return pending.take(id, now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Also removes what takers and savers that died left behind: taken files once expired,
   * temporary files after an hour.
   */
  @Override
  public int purgeExpiredPendingConsents(Instant now) {
    requireNonNull(now, "now == null");
    return pending.purge(now);
  }

  @Override
  public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    requireNonNull(key, "key == null");
    requireNonNull(ttl, "ttl == null");
    String hash = FileNames.hash(key);
    LeaseSlot slot = shared.leaseSlot(hash);
    synchronized (slot) {
      Instant now = clock.instant();
      Instant expiresAt = plus(now, ttl);
      Path file = directory.resolve(FileNames.lease(hash));
      if (slot.holder != null) {
        if (now.isBefore(slot.expiresAt)) {
          return Optional.empty();
        }
        // Expired holder in this JVM: take over its file lock, which stays with the process.
        long fence;
        try {
          fence = Fences.next(requireNonNull(slot.channel, "channel"));
        } catch (IOException e) {
          throw ioFailure("cannot write the fencing number to the lease file " + file, key, e);
        }
        FileLease lease = new FileLease(shared, key, slot, fence);
        slot.holder = lease;
        slot.expiresAt = expiresAt;
        LOG.log(System.Logger.Level.DEBUG, "lease for {0} expired and was taken over", key);
        return Optional.of(lease);
      }
      FileChannel channel = null;
      try {
        channel = openForLocking(file);
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null; // the directory is reached through another path in this JVM
        }
        if (lock == null) {
          channel.close();
          return Optional.empty();
        }
        FileLease lease = new FileLease(shared, key, slot, Fences.next(channel));
        slot.channel = channel;
        slot.lock = lock;
        slot.holder = lease;
        slot.expiresAt = expiresAt;
        return Optional.of(lease);
      } catch (IOException e) {
        closeQuietly(channel);
        throw ioFailure("cannot lock the lease file " + file, key, e);
      }
    }
  }

  @Override
  public String toString() {
    return "FileTokenStore[" + directory + "]";
  }

  // ------------------------------------------------------------------------------------ writes

  private void replace(GrantKey key, String hash, Path entry, byte[] encoded) {
    writeAtomically(
        directory, directory.resolve(FileNames.temp(hash)), entry, encoded, fileAttributes, key);
  }

  /**
   * Writes {@code bytes} to {@code target} so that a crash leaves the old or the new file: a new
   * temporary file {@code temp} in the same directory, forced to disk, atomically renamed over
   * {@code target}, then the directory forced.
   */
  static void writeAtomically(
      Path directory,
      Path temp,
      Path target,
      byte[] bytes,
      FileAttribute<?>[] attributes,
      @Nullable GrantKey key) {
    try {
      try (FileChannel channel =
          FileChannel.open(
              temp,
              EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              attributes)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      deleteQuietly(temp);
      throw cannotRenameAtomically(directory, key, e);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw ioFailure("cannot write " + target, key, e);
    }
    forceDirectory(directory);
  }

  static TokenStoreException cannotRenameAtomically(
      Path directory, @Nullable GrantKey key, AtomicMoveNotSupportedException e) {
    return new TokenStoreException(
        "the file system of " + directory + " cannot rename atomically; use a local disk",
        Kind.MISCONFIGURED,
        key,
        e);
  }

  /** Makes renames and deletions in the directory durable; skipped where unsupported. */
  private static void forceDirectory(Path directory) {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; their renames are durable anyway.
      LOG.log(System.Logger.Level.TRACE, "cannot force directory {0}: {1}", directory, e);
    }
  }

  private interface Locked<T> {
    T run();
  }

  /** Runs {@code action} holding the grant's in-JVM lock and its process-wide file lock. */
  private <T> T underWriteLock(GrantKey key, String hash, Locked<T> action) {
    ReentrantLock jvmLock = shared.writeLock(hash);
    jvmLock.lock();
    try {
      Path lockFile = directory.resolve(FileNames.lock(hash));
      try (FileChannel channel = openForLocking(lockFile)) {
        channel.lock(); // released when the channel closes
        return action.run();
      } catch (OverlappingFileLockException e) {
        throw new TokenStoreException(
            "the lock file "
                + lockFile
                + " is already locked in this JVM: is the directory opened through two paths"
                + " (a bind mount)?",
            Kind.MISCONFIGURED,
            key,
            e);
      } catch (IOException e) {
        throw ioFailure("cannot lock " + lockFile, key, e);
      }
    } finally {
      jvmLock.unlock();
    }
  }

  private FileChannel openForLocking(Path file) throws IOException {
    Set<OpenOption> options =
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return FileChannel.open(file, options, fileAttributes);
  }

  // -------------------------------------------------------------------------------- corruption

  /** Under the write lock: the entry failed to parse; re-read it and quarantine if still bad. */
  private EntryCodec.Decoded quarantineOrReread(GrantKey key, String hash, Path entry) {
    byte[] bytes = read(entry, key);
    if (bytes == null) {
      throw new TokenStoreException(
          "the entry for grant '"
              + key
              + "' was damaged and has been moved aside by another process or thread",
          Kind.CORRUPT,
          key,
          null);
    }
    try {
      return decode(bytes, hash, key); // replaced meanwhile by a delete and a new write
    } catch (CorruptEntryException e) {
      throw quarantine(key, hash, entry, e);
    }
  }

  /** Under the write lock: moves the damaged entry aside; returns the exception to throw. */
  private TokenStoreException quarantine(
      GrantKey key, String hash, Path entry, CorruptEntryException damage) {
    Instant now = clock.instant();
    Path target = null;
    try {
      for (int attempt = 0; target == null; attempt++) {
        Path candidate = directory.resolve(FileNames.quarantine(hash, now, attempt));
        if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
          target = candidate;
        }
      }
      // Quarantine names are only made under this grant's write lock, so none can appear now.
      Files.move(entry, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      return new TokenStoreException(
          "the entry for grant '"
              + key
              + "' is damaged ("
              + damage.getMessage()
              + ") and could not be moved aside; it is left in place at "
              + entry,
          Kind.CORRUPT,
          key,
          e);
    }
    forceDirectory(directory);
    LOG.log(
        System.Logger.Level.WARNING,
        "token store entry for grant ''{0}'' is damaged ({1}); moved aside to {2}",
        key,
        damage.getMessage(),
        target);
    return new TokenStoreException(
        "the entry for grant '"
            + key
            + "' is damaged ("
            + damage.getMessage()
            + "); it was moved aside to "
            + target
            + " for inspection; store the grant again (for example by re-running consent)",
        Kind.CORRUPT,
        key,
        damage);
  }

  private static EntryCodec.Decoded decode(byte[] bytes, String hash, @Nullable GrantKey key)
      throws CorruptEntryException {
    try {
      return EntryCodec.decodeAny(bytes, hash);
    } catch (TokenStoreException e) {
      throw new TokenStoreException(String.valueOf(e.getMessage()), e.kind(), key, e);
    }
  }

  // ------------------------------------------------------------------------------------- reads

  /** Returns the file's bytes, or null if it does not exist. */
  private static byte @Nullable [] read(Path file, @Nullable GrantKey key) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > EntryCodec.MAX_ENTRY_BYTES) {
        // Too large to be an entry; hand back a prefix so it is reported as damaged.
        size = EntryCodec.MAX_ENTRY_BYTES;
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) size);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // keep reading
      }
      if (buffer.hasRemaining()) {
        return java.util.Arrays.copyOf(buffer.array(), buffer.position());
      }
      return buffer.array();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw ioFailure("cannot read the entry " + file, key, e);
    }
  }

  /**
   * Classifies an I/O failure by what the caller should do: a permission denied on a POSIX file
   * system is a setup problem; anything else (a full disk, a read-only remount, a device error, and
   * a Windows sharing violation, which also reports "access denied") may pass.
   */
  static TokenStoreException ioFailure(String message, @Nullable GrantKey key, IOException e) {
    String cause =
        e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    if (e instanceof AccessDeniedException && POSIX_PERMISSIONS) {
      return new TokenStoreException(
          message
              + ": permission denied ("
              + cause
              + "); check the owner and mode of the token store directory and its files",
          Kind.MISCONFIGURED,
          key,
          e);
    }
    return new TokenStoreException(message + " (" + cause + ")", Kind.UNAVAILABLE, key, e);
  }

  private static final boolean POSIX_PERMISSIONS =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  // ------------------------------------------------------------------------------ housekeeping

  /**
   * Removes temporary files of writers that died mid-write. A writer holds the grant's lock from
   * creating its temporary file until renaming it, so a temporary file whose grant lock is free
   * belongs to nobody alive. Only names matching our own pattern are touched.
   */
  private void removeStrayTempFiles() {
    List<Path> temps = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.grant.tmp-*")) {
      files.forEach(temps::add);
    } catch (IOException e) {
      throw ioFailure("cannot list the token store directory " + directory, null, e);
    }
    boolean removed = false;
    for (Path temp : temps) {
      var matcher = FileNames.TEMP.matcher(temp.getFileName().toString());
      if (matcher.matches()) {
        removed |= removeIfUnlocked(temp, matcher.group(1));
      }
    }
    if (removed) {
      forceDirectory(directory);
    }
  }

  private boolean removeIfUnlocked(Path temp, String hash) {
    ReentrantLock jvmLock = shared.writeLock(hash);
    if (!jvmLock.tryLock()) {
      return false;
    }
    try (FileChannel channel = openForLocking(directory.resolve(FileNames.lock(hash)))) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return false; // a writer in another process is busy with this grant
      }
      try {
        boolean deleted = Files.deleteIfExists(temp);
        if (deleted) {
          LOG.log(System.Logger.Level.INFO, "removed {0}, left by an interrupted write", temp);
        }
        return deleted;
      } finally {
        lock.release();
      }
    } catch (IOException | OverlappingFileLockException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot clean up {0}: {1}", temp, e);
      return false;
    } finally {
      jvmLock.unlock();
    }
  }

  // ------------------------------------------------------------------------ directory set-up

  private static boolean supportsPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static Path prepareDirectory(Path requested, boolean posix) {
    try {
      if (!Files.exists(requested)) {
        Path parent = requested.getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        try {
          if (posix) {
            Files.createDirectory(requested, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
          } else {
            Files.createDirectory(requested);
          }
        } catch (FileAlreadyExistsException e) {
          // created concurrently; checked below like any existing directory
        }
      }
      if (!Files.isDirectory(requested)) {
        throw new TokenStoreException(
            "the token store path " + requested + " exists but is not a directory",
            Kind.MISCONFIGURED,
            null,
            null);
      }
      Path real = requested.toRealPath();
      if (posix) {
        checkOwnerOnly(real, requested);
      }
      return real;
    } catch (IOException e) {
      throw ioFailure("cannot open the token store directory " + requested, null, e);
    }
  }

  private static void checkOwnerOnly(Path real, Path requested) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(real, PosixFileAttributeView.class);
    var attributes = view.readAttributes();
    Set<PosixFilePermission> permissions = attributes.permissions();
    if (permissions.contains(PosixFilePermission.GROUP_WRITE)
        || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new TokenStoreException(
          "the token store directory "
              + real
              + " can be written by group or others ("
              + PosixFilePermissions.toString(permissions)
              + "); anyone who can write there can plant or remove grants. Run: chmod 700 "
              + real,
          Kind.MISCONFIGURED,
          null,
          null);
    }
    UserPrincipal me = currentUser(real);
    if (me != null && !me.equals(attributes.owner())) {
      throw new TokenStoreException(
          "the token store directory "
              + real
              + (real.equals(requested) ? "" : " (reached from " + requested + ")")
              + " belongs to "
              + attributes.owner().getName()
              + ", not to the user running this process ("
              + me.getName()
              + ")",
          Kind.MISCONFIGURED,
          null,
          null);
    }
  }

  /** This process's user, or null where it cannot be told cheaply. */
  private static @Nullable UserPrincipal currentUser(Path onFileSystem) {
    Path self = onFileSystem.getFileSystem().getPath("/proc/self");
    try {
      if (Files.isDirectory(self)) {
        return Files.getOwner(self); // Linux: owned by the process's effective user
      }
    } catch (IOException | UnsupportedOperationException e) {
      // fall through
    }
    try {
      return onFileSystem
          .getFileSystem()
          .getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------ leases

  private static final class FileLease implements Lease {
    private final SharedDirectory shared;
    private final GrantKey key;
    private final LeaseSlot slot;
    private final long fence;
    private boolean closed; // guarded by slot

    FileLease(SharedDirectory shared, GrantKey key, LeaseSlot slot, long fence) {
      this.shared = shared;
      this.key = key;
      this.slot = slot;
      this.fence = fence;
    }

    @Override
    public GrantKey key() {
      return key;
    }

    @Override
    public long fence() {
      return fence;
    }

    @Override
    public void close() {
      synchronized (slot) {
        if (closed) {
          return;
        }
        closed = true;
        if (slot.holder != this) {
          return; // expired and taken over: the file lock now belongs to the new holder
        }
        FileChannel channel = slot.channel;
        slot.holder = null;
        slot.channel = null;
        slot.lock = null;
        slot.expiresAt = Instant.MIN;
        closeQuietly(channel); // closing the channel releases its lock
      }
    }

    @Override
    public String toString() {
      return "FileLease[" + key + ", fence " + fence + "]";
    }
  }

  private static Instant plus(Instant now, Duration ttl) {
    try {
      return now.plus(ttl);
    } catch (DateTimeException | ArithmeticException e) {
      return ttl.isNegative() ? Instant.MIN : Instant.MAX;
    }
  }

  private static void closeQuietly(@Nullable FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot close a lock file: {0}", e.toString());
      }
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove temporary file {0}: {1}", file, e);
    }
  }

  /**
   * Configures a {@link FileTokenStore}.
   *
   * <p>Lease details: leases are {@code FileChannel} locks on {@code <hash>.lease} files, held for
   * the lease's life; {@link #clock} decides when a lease held in this JVM has expired. Lock and
   * lease files are small, empty and kept (deleting them safely is not possible while other
   * processes may hold them). Not thread-safe; {@link #build} may be called more than once.
   */
  public static final class Builder {
    private final Path directory;
    private Clock clock = Clock.systemUTC();

    private Builder(Path directory) {
      this.directory = requireNonNull(directory, "directory == null");
    }

    /** The clock that decides lease expiry and quarantine names; default system UTC. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * Creates the directory (owner-only) if needed, checks it, and removes temporary files left by
     * interrupted writes.
     *
     * @throws TokenStoreException {@code MISCONFIGURED} if the path is not a directory, can be
     *     written by group or others, or belongs to another user; {@code UNAVAILABLE} on an I/O
     *     error
     */
    public FileTokenStore build() {
      return new FileTokenStore(this);
    }
  }
}
