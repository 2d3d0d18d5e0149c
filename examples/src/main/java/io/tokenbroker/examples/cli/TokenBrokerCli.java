package io.tokenbroker.examples.cli;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import picocli.CommandLine;

/**
 * The {@code tokenbroker} command: a consent helper and token dispenser over the tokenbroker
 * library. {@code java -jar tokenbroker.jar --help} lists the commands; {@code examples/README.md}
 * documents them with the exit codes.
 *
 * <p>Errors are one line plus a hint on stderr (a stack trace only with {@code --verbose}); no
 * command prints a secret, except {@code token}, which prints the access token on stdout.
 */
public final class TokenBrokerCli {
  private TokenBrokerCli() {}

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    int code = run(CliContext.system(), args);
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }

  /**
   * Runs one command line in {@code ctx} and returns the exit code; never calls {@code exit}. A
   * credential helper's call that needs no broker is served by {@link FastPath}, anything else by
   * picocli and the commands.
   */
  static int run(CliContext ctx, String... args) {
    Integer fast = FastPath.run(ctx, args);
    return fast != null ? fast : parseAndRun(ctx, args);
  }

  /** Runs one command line through picocli, never through {@link FastPath}. */
  static int parseAndRun(CliContext ctx, String... args) {
    RootCommand root = new RootCommand(ctx);
    CommandLine cli = new CommandLine(root);
    Charset charset = Charset.defaultCharset();
    cli.setOut(new PrintWriter(new OutputStreamWriter(ctx.out, charset), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(ctx.err, charset), true));
    cli.setUsageHelpAutoWidth(true);
    cli.setParameterExceptionHandler(
        (e, arguments) -> {
          ctx.err.println("tokenbroker: " + Failures.oneLine(e.getMessage()));
          CommandLine failed = e.getCommandLine();
          ctx.err.println("hint: see 'tokenbroker " + commandPath(failed) + "--help'");
          return ExitCodes.USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> Failures.report(e, ctx.err, root.verbose));
    cli.setExecutionStrategy(
        parseResult -> {
          configureLogging(root.verbose, ctx.err);
          return new CommandLine.RunLast().execute(parseResult);
        });
    return cli.execute(args);
  }

  private static String commandPath(CommandLine command) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = command; c != null && c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  /**
   * The library logs through {@code System.Logger}, which is java.util.logging here. The CLI says
   * what matters itself, so the log stays quiet unless {@code --verbose}.
   */
  private static void configureLogging(boolean verbose, PrintStream err) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    if (verbose) {
      StreamHandler handler =
          new StreamHandler(err, new OneLineFormatter()) {
            @Override
            public synchronized void publish(LogRecord record) {
              super.publish(record);
              flush();
            }
          };
      handler.setLevel(Level.FINE);
      root.addHandler(handler);
      root.setLevel(Level.INFO);
      LibraryLog.LOGGER.setLevel(Level.FINE);
    } else {
      root.setLevel(Level.OFF);
      LibraryLog.LOGGER.setLevel(null);
    }
  }

  /**
   * Held strongly: java.util.logging forgets the level of loggers nobody references. In a holder,
   * so that the fast path ({@link FastPath}) never starts java.util.logging.
   */
  private static final class LibraryLog {
    static final Logger LOGGER = Logger.getLogger("io.tokenbroker");
  }

  /** {@code [LEVEL] logger: message}. */
  private static final class OneLineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
      StringBuilder line =
          new StringBuilder()
              .append('[')
              .append(record.getLevel().getName())
              .append("] ")
              .append(record.getLoggerName())
              .append(": ")
              .append(formatMessage(record))
              .append(System.lineSeparator());
      if (record.getThrown() != null) {
        line.append("  ").append(record.getThrown()).append(System.lineSeparator());
      }
      return line.toString();
    }
  }
}
