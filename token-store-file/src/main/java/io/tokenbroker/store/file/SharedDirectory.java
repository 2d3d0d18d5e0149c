package io.tokenbroker.store.file;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The JVM-wide state of one store directory, shared by every {@link FileTokenStore} over it.
 *
 * <p>{@link FileChannel} locks belong to the whole process: a second lock on the same file from
 * this JVM throws, and closing any channel on a file may drop every lock the process holds on it.
 * So within one JVM, this class is the arbiter: at most one thread at a time touches a grant's lock
 * file (guarded by {@link #writeLock}), and a grant's lease file is opened by at most one channel,
 * kept in its {@link LeaseSlot} for the lease's life.
 */
final class SharedDirectory {
  private static final ConcurrentMap<Path, SharedDirectory> DIRECTORIES = new ConcurrentHashMap<>();

  private final ConcurrentMap<String, ReentrantLock> writeLocks = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, LeaseSlot> leaseSlots = new ConcurrentHashMap<>();

  private SharedDirectory() {}

  /** The state for {@code realDirectory}, which must be a real (canonical) path. */
  static SharedDirectory of(Path realDirectory) {
    return DIRECTORIES.computeIfAbsent(realDirectory, d -> new SharedDirectory());
  }

  /** The in-JVM lock to hold while using the process lock of the grant with {@code hash}. */
  ReentrantLock writeLock(String hash) {
    return writeLocks.computeIfAbsent(hash, h -> new ReentrantLock());
  }

  LeaseSlot leaseSlot(String hash) {
    return leaseSlots.computeIfAbsent(hash, h -> new LeaseSlot());
  }

  /** Who in this JVM holds a grant's lease file lock, and until when. Guarded by itself. */
  static final class LeaseSlot {
    @Nullable FileChannel channel;
    @Nullable FileLock lock;
    @Nullable Object holder;
    Instant expiresAt = Instant.MIN;
  }
}
