package io.tokenbroker.examples.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code exec NAME [--env VAR] -- COMMAND ARGS...}: runs a command with the access token in an
 * environment variable (never on its command line, where process listings would show it), with this
 * process's stdin, stdout and stderr, and exits with the command's exit code.
 */
@Command(
    name = "exec",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Runs COMMAND with the access token in an environment variable and exits with its exit"
          + " code.",
      "",
      "The token is never put on a command line. Example: tokenbroker exec acme -- sh -c"
          + " 'curl -H \"Authorization: Bearer $TOKENBROKER_TOKEN\" https://...'",
      "Exit code 127 if COMMAND cannot be started.",
      ""
    })
final class ExecCommand implements Callable<Integer> {
  /** Exit code when the command cannot be started, as shells use for "command not found". */
  static final int CANNOT_RUN = 127;

  /** Exit code when waiting for the command was interrupted, as shells report SIGINT. */
  static final int INTERRUPTED = 130;

  static final String DEFAULT_VARIABLE = "TOKENBROKER_TOKEN";
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "COMMAND",
      description = "The command and its arguments; put -- before it.")
  List<String> command;

  @Option(
      names = "--env",
      paramLabel = "VAR",
      defaultValue = DEFAULT_VARIABLE,
      description = "The environment variable that holds the token (default ${DEFAULT-VALUE}).")
  String variable;

  @Mixin MinValidOption minValid;

  @Override
  public Integer call() {
    checkVariable(variable);
    TokenCommand.Issued issued = TokenCommand.obtain(root.ctx, root, name, minValid.minValid);
    return run(root.ctx, command, variable, issued);
  }

  /**
   * Refuses a variable name the environment cannot hold.
   *
   * @throws CliException ({@link ExitCodes#USAGE})
   */
  static void checkVariable(String variable) {
    if (!VARIABLE.matcher(variable).matches()) {
      throw CliException.usage(
          "--env '" + variable + "' is not an environment variable name (letters, digits, _)",
          null);
    }
  }

  /** Runs {@code command} with the token in {@code variable}; returns its exit code. */
  static int run(
      CliContext ctx, List<String> command, String variable, TokenCommand.Issued issued) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put(variable, issued.token().revealValue());
    boolean ownStreams = ctx.in == System.in && ctx.out == System.out && ctx.err == System.err;
    if (ownStreams) {
      builder.inheritIO();
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      ctx.err.println(
          "tokenbroker: cannot run '" + command.get(0) + "': " + Failures.oneLine(e.getMessage()));
      return CANNOT_RUN;
    }
    ctx.out.flush();
    Thread[] pumps = new Thread[0];
    if (!ownStreams) {
      // In-process callers (tests, the demo) have their own streams: copy to and from them.
      pumps =
          new Thread[] {
            pump(process.getInputStream(), ctx.out, false),
            pump(process.getErrorStream(), ctx.err, false),
            pump(ctx.in, process.getOutputStream(), true)
          };
    }
    try {
      int code = process.waitFor();
      for (int i = 0; i < Math.min(2, pumps.length); i++) {
        pumps[i].join();
      }
      return code;
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      return INTERRUPTED;
    }
  }

  private static Thread pump(InputStream from, OutputStream to, boolean closeWhenDone) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try {
                for (int n; (n = from.read(buffer)) >= 0; ) {
                  to.write(buffer, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the process ended or closed its end: nothing more to copy
              } finally {
                if (closeWhenDone) {
                  try {
                    to.close();
                  } catch (IOException e) {
                    // already closed by the process's exit
                  }
                }
              }
            },
            "tokenbroker-exec-pump");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
