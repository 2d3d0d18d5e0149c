package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code git-credential NAME ACTION}: a git credential helper. git runs it with the action {@code
 * get}, {@code store} or {@code erase} and writes {@code key=value} lines to its stdin; for {@code
 * get} it answers {@code username} and {@code password} (the access token) on stdout. Other actions
 * are read and ignored, as git's protocol asks of helpers.
 */
@Command(
    name = "git-credential",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "A git credential helper: answers git's 'get' with the access token as password.",
      "",
      "Configure it with: git config credential.https://git.example.com.helper"
          + " '!tokenbroker git-credential NAME' (git appends the action).",
      "The actions store and erase (and any other) are accepted and ignored.",
      ""
    })
final class GitCredentialCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Parameters(
      index = "1",
      paramLabel = "ACTION",
      description = "get, store or erase (git passes it).")
  String action;

  @Option(
      names = "--username",
      paramLabel = "USER",
      defaultValue = "oauth2",
      description = "The username to answer with (default ${DEFAULT-VALUE}).")
  String username;

  @Mixin MinValidOption minValid;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    checkValue("--username", username);
    readRequest(ctx.in);
    if (!action.equals("get")) {
      return ExitCodes.OK;
    }
    TokenCommand.Issued issued = TokenCommand.obtain(ctx, root, name, minValid.minValid);
    answer(ctx.out, username, issued);
    return ExitCodes.OK;
  }

  /**
   * Reads git's request: {@code key=value} lines up to a blank line or the end of input. The values
   * are not used (the grant is chosen by NAME), but git expects them to be read.
   */
  static Map<String, String> readRequest(InputStream in) {
    Map<String, String> request = new LinkedHashMap<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try {
      for (int b = in.read(); ; b = in.read()) {
        if (b == -1 || b == '\n') {
          String text = line.toString(UTF_8);
          if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
          }
          if (text.isEmpty()) {
            return request;
          }
          int eq = text.indexOf('=');
          if (eq > 0) {
            request.put(text.substring(0, eq), text.substring(eq + 1));
          }
          line.reset();
          if (b == -1) {
            return request;
          }
        } else if (line.size() < 64 * 1024) {
          line.write(b);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read git's request from stdin", e);
    }
  }

  /** Writes the answer to {@code get}: username, password and, for git 2.41+, its expiry. */
  static void answer(PrintStream out, String username, TokenCommand.Issued issued) {
    String token = issued.token().revealValue();
    if (token.indexOf('\n') >= 0 || token.indexOf('\0') >= 0) {
      throw CliException.failure(
          "the access token contains a line break or NUL, which git's credential protocol cannot"
              + " carry",
          null);
    }
    String answer =
        "username="
            + username
            + '\n'
            + "password="
            + token
            + '\n'
            + "password_expiry_utc="
            + issued.expiresAt().getEpochSecond()
            + '\n';
    out.print(answer);
    out.flush();
  }

  /**
   * Refuses a value git's protocol cannot carry.
   *
   * @throws CliException ({@link ExitCodes#USAGE})
   */
  static void checkValue(String option, String value) {
    if (value.isEmpty() || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
      throw CliException.usage(
          option + " must be non-empty and hold no line break or NUL (git's protocol)", null);
    }
  }
}
