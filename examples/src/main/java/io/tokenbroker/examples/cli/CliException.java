package io.tokenbroker.examples.cli;

import org.jspecify.annotations.Nullable;

/**
 * A failure the CLI itself detected, with the exit code to end with and a hint for the user. The
 * message and hint never contain a secret.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;
  private final @Nullable String hint;

  CliException(int exitCode, String message, @Nullable String hint) {
    super(message);
    this.exitCode = exitCode;
    this.hint = hint;
  }

  static CliException usage(String message, @Nullable String hint) {
    return new CliException(ExitCodes.USAGE, message, hint);
  }

  static CliException failure(String message, @Nullable String hint) {
    return new CliException(ExitCodes.FAILURE, message, hint);
  }

  int exitCode() {
    return exitCode;
  }

  @Nullable String hint() {
    return hint;
  }
}
