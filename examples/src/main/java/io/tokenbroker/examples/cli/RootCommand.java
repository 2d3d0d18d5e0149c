package io.tokenbroker.examples.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** {@code tokenbroker}: the global options; the work happens in the subcommands. */
@Command(
    name = "tokenbroker",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description = {
      "Gets, keeps and hands out OAuth 2.0 access tokens for named grants.",
      "Grants are encrypted at rest with a Tink keyset; several processes can share one store.",
      ""
    },
    subcommands = {
      LoginCommand.class,
      TokenCommand.class,
      HeadersCommand.class,
      GitCredentialCommand.class,
      ExecCommand.class,
      RefreshCommand.class,
      RevokeCommand.class,
      RemoveCommand.class,
      StatusCommand.class,
      KeysCommand.class,
      DemoCommand.class,
      CompletionCommand.class,
      CompletionCommand.Grants.class,
      HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure (configuration, consent refused, unknown grant, unreadable entry)",
      "2:usage error (bad or missing flag, argument or secret)",
      "3:re-authorization required: run 'tokenbroker login NAME' again",
      "4:transient failure (provider, network or store): try again later"
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  TOKENBROKER_STORE          default for --store",
      "  TOKENBROKER_KEYSET         default for --keyset",
      "  TOKENBROKER_JDBC_USER      user for a jdbc: store",
      "  TOKENBROKER_JDBC_PASSWORD  password for a jdbc: store",
      "  TOKENBROKER_HOME           the CLI's home, instead of $HOME/.tokenbroker"
    })
final class RootCommand implements Runnable {
  final CliContext ctx;

  @Spec CommandSpec spec;

  @Option(
      names = "--store",
      paramLabel = "STORE",
      scope = ScopeType.INHERIT,
      description =
          "Where grants live: file:DIR, or a JDBC URL (jdbc:h2:..., jdbc:postgresql://...)."
              + " Default: $TOKENBROKER_STORE, else file:~/.tokenbroker/grants")
  @Nullable String store;

  @Option(
      names = "--keyset",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "The Tink keyset file that encrypts grants. Default: $TOKENBROKER_KEYSET, else"
              + " ~/.tokenbroker/keyset.json (created owner-only by the first login)")
  @Nullable Path keyset;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Narrate what the broker does; stack traces on errors.")
  boolean verbose;

  RootCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required");
  }
}
