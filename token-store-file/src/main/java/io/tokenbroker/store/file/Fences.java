package io.tokenbroker.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * The fencing numbers of a grant's leases, kept in its lease file by the lease holder: two 16-byte
 * slots {@code [fence: 8][CRC32C of the fence: 4]["TBFN": 4]}, written alternately (the slot of the
 * new number's parity) and forced to disk before the lease is handed out. A crash while a slot is
 * written can only damage that slot; the other one still holds the previous number, and the lease
 * that was being taken was never handed out. Stateless.
 */
final class Fences {
  private static final int MAGIC = 0x5442464e; // "TBFN"
  private static final int SLOT = 16;

  private Fences() {}

  /**
   * Reads the last fence from {@code channel} (the locked lease file, opened for reading and
   * writing), writes the next one and forces it to disk; returns it.
   */
  static long next(FileChannel channel) throws IOException {
    long next = last(channel) + 1;
    ByteBuffer slot = ByteBuffer.allocate(SLOT);
    slot.putLong(next);
    slot.putInt(crc(next));
    slot.putInt(MAGIC);
    slot.flip();
    long position = (next & 1) * SLOT;
    while (slot.hasRemaining()) {
      position += channel.write(slot, position);
    }
    channel.force(false);
    return next;
  }

  /** The highest fence in a valid slot, or 0 for a new (empty) lease file. */
  static long last(FileChannel channel) throws IOException {
    ByteBuffer both = ByteBuffer.allocate(2 * SLOT);
    long position = 0;
    while (both.hasRemaining()) {
      int read = channel.read(both, position);
      if (read < 0) {
        break;
      }
      position += read;
    }
    both.flip();
    long last = 0;
    while (both.remaining() >= SLOT) {
      long fence = both.getLong();
      int crc = both.getInt();
      int magic = both.getInt();
      if (magic == MAGIC && crc == crc(fence) && fence > last) {
        last = fence;
      }
    }
    return last;
  }

  private static int crc(long fence) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(8).putLong(0, fence));
    return (int) crc.getValue();
  }
}
