package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * A keyset could not be generated, loaded, decrypted or saved by {@link Keysets}: the keys that
 * seal every stored grant are missing or unusable, so nothing can be read or written until it is
 * fixed. {@link #kind()} says what to fix. Messages name the file or environment variable but never
 * contain key material or the keyset's content. Immutable.
 */
public final class KeysetException extends TokenBrokerException {
  private static final long serialVersionUID = 1L;

  /** What kind of keyset failure this is. */
  public enum Kind {
    /**
     * The keyset is missing, malformed, too widely readable, holds no AEAD key, or an unrelated
     * file would be replaced: fix the configuration.
     */
    MISCONFIGURED,
    /** A master key (your KMS) cannot decrypt or encrypt the keyset. */
    CANNOT_DECRYPT,
    /** Another I/O error while reading or writing the keyset file; may pass. */
    UNAVAILABLE
  }

  private final Kind kind;

  KeysetException(String message, Kind kind, @Nullable Throwable cause) {
    super(message, 0, null, null, null, cause);
    this.kind = kind;
  }

  /** What kind of keyset failure this is. */
  public Kind kind() {
    return kind;
  }

  /** Whether retrying the same operation later may succeed ({@link Kind#UNAVAILABLE}). */
  public boolean isTransient() {
    return kind == Kind.UNAVAILABLE;
  }
}
