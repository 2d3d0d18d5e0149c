package io.tokenbroker.examples.cli;

/** The documented exit codes of {@code tokenbroker}. */
final class ExitCodes {
  /** Success. */
  static final int OK = 0;

  /** Any other failure: configuration, consent refused, unknown grant, unreadable store entry. */
  static final int FAILURE = 1;

  /** The command line was wrong: unknown flag, bad value, missing argument or secret. */
  static final int USAGE = 2;

  /** The grant is dead (refresh token revoked, expired or used up): run {@code login} again. */
  static final int REAUTHORIZE = 3;

  /** The provider, the network or the store failed in a way that may pass: try again later. */
  static final int TRANSIENT = 4;

  private ExitCodes() {}
}
