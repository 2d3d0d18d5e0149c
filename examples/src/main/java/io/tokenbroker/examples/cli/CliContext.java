package io.tokenbroker.examples.cli;

import static java.util.Objects.requireNonNull;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Everything the CLI takes from its surroundings, so that tests run commands in-process with their
 * own streams, environment and home directory, and never touch the real {@code ~/.tokenbroker}.
 */
final class CliContext {
  /** Reads a secret without echo, or returns null when there is no terminal to ask on. */
  interface SecretPrompt {
    char @Nullable [] read(String prompt);
  }

  /** Opens a URL in the user's browser; returns false if it could not. */
  interface Browser {
    boolean open(URI uri);
  }

  final InputStream in;
  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;
  private final @Nullable Path home;
  final Clock clock;
  final SecretPrompt prompt;
  final Browser browser;

  CliContext(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      @Nullable Path home,
      Clock clock,
      SecretPrompt prompt,
      Browser browser) {
    this.in = requireNonNull(in, "in == null");
    this.out = requireNonNull(out, "out == null");
    this.err = requireNonNull(err, "err == null");
    this.env = Map.copyOf(requireNonNull(env, "env == null"));
    this.home = home;
    this.clock = requireNonNull(clock, "clock == null");
    this.prompt = requireNonNull(prompt, "prompt == null");
    this.browser = requireNonNull(browser, "browser == null");
  }

  /** The real process: standard streams, the environment, the console and the browser. */
  static CliContext system() {
    Map<String, String> env = System.getenv();
    return new CliContext(
        System.in,
        System.out,
        System.err,
        env,
        home(env, System.getProperty("tokenbroker.home"), System.getProperty("user.home")),
        Clock.systemUTC(),
        // Classes rather than method references: no lambda bootstrap on the fast path.
        new SecretPrompt() {
          @Override
          public char @Nullable [] read(String prompt) {
            return consolePrompt(prompt);
          }
        },
        new Browser() {
          @Override
          public boolean open(URI uri) {
            return Browsers.open(uri);
          }
        });
  }

  /**
   * The CLI's home directory, where the default store and keyset live.
   *
   * @throws CliException if none could be found (see {@link #home(Map, String, String)})
   */
  Path home() {
    if (home == null) {
      throw CliException.failure(
          "cannot tell where the CLI's home directory is: TOKENBROKER_HOME and HOME are not set,"
              + " and the account has no home directory (user.home is '"
              + System.getProperty("user.home")
              + "')",
          "set TOKENBROKER_HOME (or HOME) to a writable directory, or pass both --store and"
              + " --keyset");
    }
    return home;
  }

  /** The CLI's home directory, or null if there is none. */
  @Nullable Path homeOrNull() {
    return home;
  }

  /**
   * The keyset file named by {@code --keyset}, else {@code $TOKENBROKER_KEYSET}, else {@code
   * keyset.json} in the CLI's home.
   */
  Path keysetPath(@Nullable Path option) {
    String fromEnv = env.get("TOKENBROKER_KEYSET");
    return option != null
        ? option.toAbsolutePath()
        : fromEnv != null && !fromEnv.isBlank()
            ? Path.of(fromEnv).toAbsolutePath()
            : home().resolve("keyset.json");
  }

  /**
   * The directory {@code ~} stands for in {@code --store file:~/...}: {@code $HOME}, else {@code
   * user.home}; null if neither is usable.
   */
  @Nullable Path userHome() {
    return userHome(env, System.getProperty("user.home"));
  }

  /**
   * The CLI's home, as command-line tools find theirs: {@code $TOKENBROKER_HOME}, else the system
   * property {@code tokenbroker.home}, else {@code $HOME/.tokenbroker}, else {@code
   * user.home/.tokenbroker} ({@code user.home} comes from the password database, so it is the last
   * resort); null if none is usable (an arbitrary UID in a container has neither {@code HOME} nor a
   * password entry, and Java then reports {@code user.home} as {@code ?}).
   */
  static @Nullable Path home(
      Map<String, String> env, @Nullable String property, @Nullable String userHome) {
    String fromEnv = env.get("TOKENBROKER_HOME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath();
    }
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath();
    }
    Path user = userHome(env, userHome);
    return user == null ? null : user.resolve(".tokenbroker");
  }

  private static @Nullable Path userHome(Map<String, String> env, @Nullable String userHome) {
    Path fromHome = usableDirectoryName(env.get("HOME"));
    return fromHome != null ? fromHome : usableDirectoryName(userHome);
  }

  /** An absolute path, or null for an unset, blank, relative or {@code ?} (unknown) one. */
  private static @Nullable Path usableDirectoryName(@Nullable String value) {
    if (value == null || value.isBlank() || value.equals("?")) {
      return null;
    }
    try {
      Path path = Path.of(value);
      return path.isAbsolute() ? path.normalize() : null;
    } catch (InvalidPathException e) {
      return null;
    }
  }

  // Built for release 17, where Console.isTerminal() (JDK 22) does not exist: null is no console.
  @SuppressWarnings("SystemConsoleNull")
  private static char @Nullable [] consolePrompt(String prompt) {
    Console console = System.console();
    if (console == null) {
      return null;
    }
    return console.readPassword("%s", prompt);
  }
}
