package io.tokenbroker.store.file;

/** An entry's bytes cannot be parsed: bad magic, bad checksum, truncated, inconsistent. */
final class CorruptEntryException extends Exception {
  private static final long serialVersionUID = 1L;

  CorruptEntryException(String message) {
    super(message, null, false, false);
  }
}
