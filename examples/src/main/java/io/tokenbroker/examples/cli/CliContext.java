package io.tokenbroker.examples.cli;

import static java.util.Objects.requireNonNull;

import java.io.Console;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
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
  final Path home;
  final Clock clock;
  final SecretPrompt prompt;
  final Browser browser;

  CliContext(
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Path home,
      Clock clock,
      SecretPrompt prompt,
      Browser browser) {
    this.in = requireNonNull(in, "in == null");
    this.out = requireNonNull(out, "out == null");
    this.err = requireNonNull(err, "err == null");
    this.env = Map.copyOf(requireNonNull(env, "env == null"));
    this.home = requireNonNull(home, "home == null");
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
        CliContext::consolePrompt,
        Browsers::open);
  }

  /**
   * The CLI's home: {@code $TOKENBROKER_HOME}, else the system property {@code tokenbroker.home},
   * else {@code ~/.tokenbroker}.
   */
  static Path home(Map<String, String> env, @Nullable String property, @Nullable String userHome) {
    String fromEnv = env.get("TOKENBROKER_HOME");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv).toAbsolutePath();
    }
    if (property != null && !property.isBlank()) {
      return Path.of(property).toAbsolutePath();
    }
    return Path.of(userHome == null ? "." : userHome, ".tokenbroker").toAbsolutePath();
  }

  private static char @Nullable [] consolePrompt(String prompt) {
    Console console = System.console();
    if (console == null) {
      return null;
    }
    return console.readPassword("%s", prompt);
  }
}
