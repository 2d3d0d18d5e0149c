package io.tokenbroker.examples.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Where grants live: {@code file:PATH} (a directory) or a {@code jdbc:} URL. */
sealed interface StoreSpec {
  /** A {@code FileTokenStore} directory; profiles go to its {@code profiles} subdirectory. */
  record FileStore(Path directory) implements StoreSpec {
    @Override
    public String describe() {
      return directory.toString();
    }
  }

  /** A JDBC URL; profiles go to the table {@code tokenbroker_cli_profiles}. */
  record Jdbc(String url) implements StoreSpec {
    @Override
    public String describe() {
      return redact(url);
    }

    @Override
    public String toString() {
      return "Jdbc[" + redact(url) + "]";
    }
  }

  /**
   * What messages show: the directory, or the URL without parameters (they may hold a password).
   */
  String describe();

  /**
   * The store chosen by {@code --store}, else {@code $TOKENBROKER_STORE}, else the {@code grants}
   * directory in the CLI's home.
   */
  static StoreSpec chosen(CliContext ctx, @Nullable String option) {
    String spec = option != null ? option : ctx.env.get("TOKENBROKER_STORE");
    return spec == null || spec.isBlank()
        ? new FileStore(ctx.home().resolve("grants"))
        : parse(spec, ctx.homeOrNull(), ctx.userHome());
  }

  /**
   * Parses {@code --store}; {@code ~} in {@code file:~/...} stands for {@code userHome}.
   *
   * @param home the CLI's home for the hint, or null
   */
  static StoreSpec parse(String spec, @Nullable Path home, @Nullable Path userHome) {
    String s = spec.strip();
    if (s.startsWith("file:")) {
      String path = s.substring("file:".length());
      if (path.isEmpty()) {
        throw CliException.usage(
            "--store file: needs a directory, e.g. file:/var/lib/tokens", null);
      }
      if (path.equals("~") || path.startsWith("~/")) {
        if (userHome == null) {
          throw CliException.usage(
              "--store " + s + " starts with ~, but there is no home directory (HOME is not set)",
              "write the directory out in full");
        }
        path = userHome + path.substring(1);
      }
      return new FileStore(Path.of(path).toAbsolutePath().normalize());
    }
    if (s.startsWith("jdbc:")) {
      return new Jdbc(s);
    }
    throw CliException.usage(
        "--store '" + redact(s) + "' is neither file:PATH nor a jdbc: URL",
        "e.g. --store file:"
            + (home == null ? "/var/lib/tokens" : home.resolve("grants"))
            + " or --store jdbc:postgresql://db/tokens");
  }

  static String redact(String url) {
    int cut = url.length();
    for (char c : new char[] {'?', ';', '&'}) {
      int i = url.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    int at = url.indexOf('@');
    String base = url.substring(0, cut);
    if (at >= 0 && at < cut) {
      int scheme = base.indexOf("//");
      if (scheme >= 0 && scheme < at) {
        base = base.substring(0, scheme + 2) + "***" + base.substring(at);
      }
    }
    return base;
  }
}
