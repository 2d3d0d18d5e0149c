package io.tokenbroker.store.file;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/**
 * Self-checking payloads for the crash tests: {@code version(8) | length(4) | random bytes |
 * SHA-256 of everything before}. A torn or mixed-up payload fails {@link #verify}.
 */
final class Payloads {
  private Payloads() {}

  static byte[] make(long version, Random random) {
    return make(version, random, 100 + random.nextInt(4000));
  }

  /** A payload with {@code bodyLength} random bytes. */
  static byte[] make(long version, Random random, int bodyLength) {
    byte[] body = new byte[bodyLength];
    random.nextBytes(body);
    ByteBuffer out = ByteBuffer.allocate(8 + 4 + body.length + 32);
    out.putLong(version).putInt(body.length).put(body);
    out.put(sha256(out.array(), out.position()));
    return out.array();
  }

  /** Throws if {@code payload} is not a complete payload made for {@code version}. */
  static void verify(byte[] payload, long version) {
    if (payload.length < 8 + 4 + 32) {
      throw new IllegalStateException("payload too short: " + payload.length);
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    long embedded = in.getLong();
    int length = in.getInt();
    if (length != payload.length - 8 - 4 - 32) {
      throw new IllegalStateException("payload length field " + length + " is wrong");
    }
    byte[] expected = sha256(payload, payload.length - 32);
    if (!Arrays.equals(
        expected, Arrays.copyOfRange(payload, payload.length - 32, payload.length))) {
      throw new IllegalStateException("payload checksum mismatch");
    }
    if (embedded != version) {
      throw new IllegalStateException("payload of version " + embedded + " stored as " + version);
    }
  }

  static String digest(byte[] payload) {
    return HexFormat.of().formatHex(sha256(payload, payload.length));
  }

  private static byte[] sha256(byte[] bytes, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes, 0, length);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
