package io.tokenbroker.examples.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code demo}: the offline tour (placeholder until the vendor sandboxes land). */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Runs an offline tour against local sandboxes.")
final class DemoCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Override
  public Integer call() {
    throw CliException.failure("the demo is not available in this build yet", null);
  }
}
