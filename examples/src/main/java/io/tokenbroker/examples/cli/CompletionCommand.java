package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.GrantKey;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code completion bash|zsh}: prints a completion script, picocli's generated one (which zsh runs
 * through {@code bashcompinit}) plus a wrapper that completes grant names from the store with the
 * hidden {@code __complete-grants} command (names only, never a secret; no keyset needed).
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Prints a shell completion script for bash or zsh; grant names complete from the store.",
      "",
      "bash: source <(tokenbroker completion bash), e.g. in ~/.bashrc.",
      "zsh: source <(tokenbroker completion zsh), e.g. in ~/.zshrc (after compinit).",
      ""
    })
final class CompletionCommand implements Callable<Integer> {
  /** The commands whose first parameter is a grant's name. */
  static final List<String> NAMED =
      List.of(
          "login",
          "token",
          "headers",
          "refresh",
          "revoke",
          "remove",
          "status",
          "git-credential",
          "exec");

  /** Options that take a value, after which the grant names are not what is typed. */
  private static final String VALUE_OPTIONS =
      "--store|--keyset|--min-valid|--format|--env|--username|--provider|--grant|--client-id"
          + "|--client-secret-env|--client-secret-file|--token-url|--authorize-url|--revoke-url"
          + "|--auth-method|--subdomain|--app-name|--consent-url|--environment|--login-url"
          + "|--api-url|--scope|--redirect|--timeout|--token-lifetime|--issuer|--private-key"
          + "|--key-id|--signing-alg|--subject|--resource|--audience|--param|--method|--url";

  @ParentCommand RootCommand root;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh.")
  String shell;

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw CliException.usage(
          "completion for '" + shell + "' is not available", "use bash or zsh");
    }
    CommandLine top = spec.root().commandLine();
    String script = AutoComplete.bash("tokenbroker", top);
    root.ctx.out.print(script);
    root.ctx.out.print(grantNames());
    root.ctx.out.flush();
    return ExitCodes.OK;
  }

  /**
   * A completion function in front of picocli's: where a grant's name is expected (the first
   * parameter of a command in {@link #NAMED}), it offers the names {@code tokenbroker
   * __complete-grants} lists; everywhere else it hands over to picocli's function.
   */
  private static String grantNames() {
    String named = String.join("|", NAMED);
    return String.join(
        "\n",
        "",
        "# Grant names from the store (tokenbroker __complete-grants prints names only).",
        "function _tokenbroker_with_grants() {",
        "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"",
        "  local i word command=\"\" positionals=0",
        "  for (( i = 1; i < COMP_CWORD; i++ )); do",
        "    word=\"${COMP_WORDS[i]}\"",
        "    case \"$word\" in",
        "      " + VALUE_OPTIONS + ") (( i++ )) ;;",
        "      -*) ;;",
        "      *) if [[ -z \"$command\" ]]; then command=\"$word\"; else (( positionals++ )); fi ;;",
        "    esac",
        "  done",
        "  case \"$command\" in",
        "    " + named + ")",
        "      case \"$prev\" in " + VALUE_OPTIONS + ") ;; *)",
        "        if [[ $positionals -eq 0 && \"$cur\" != -* ]]; then",
        "          local IFS=$'\\n'",
        "          COMPREPLY=( $(compgen -W \"$(\"${COMP_WORDS[0]}\" __complete-grants"
            + " 2>/dev/null)\" -- \"$cur\") )",
        "          return 0",
        "        fi ;;",
        "      esac ;;",
        "  esac",
        "  _complete_tokenbroker \"$@\"",
        "}",
        "complete -F _tokenbroker_with_grants -o default tokenbroker",
        "");
  }

  /**
   * {@code __complete-grants}: the names of the stored grants and saved settings, one a line,
   * sorted; for the completion script. Needs no keyset and prints no secret.
   */
  @Command(name = "__complete-grants", hidden = true)
  static final class Grants implements Callable<Integer> {
    @ParentCommand RootCommand root;

    @Override
    public Integer call() {
      try (Session session = Session.open(root.ctx, root, Session.KeysetMode.OPTIONAL)) {
        TreeSet<String> names = new TreeSet<>(session.profiles.names());
        for (GrantKey key : session.store.list()) {
          names.add(key.value());
        }
        print(root.ctx, names);
      }
      return ExitCodes.OK;
    }

    static void print(CliContext ctx, Iterable<String> names) {
      StringBuilder out = new StringBuilder();
      for (String name : names) {
        out.append(name).append('\n');
      }
      ctx.out.print(out);
      ctx.out.flush();
    }
  }
}
