package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.GrantKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code remove NAME}: deletes the grant and its saved settings locally, without the provider. */
@Command(
    name = "remove",
    mixinStandardHelpOptions = true,
    description = {
      "Deletes the grant locally, without telling the provider.",
      "",
      "Deletes the grant and its saved settings (revoke also tells the provider). Works without"
          + " the keyset, e.g. for grants sealed with a lost keyset."
    })
final class RemoveCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    GrantKey key = Session.key(name);
    try (Session session = Session.open(ctx, root, Session.KeysetMode.OPTIONAL)) {
      boolean grant = session.broker.remove(key);
      boolean profile = session.profiles.delete(name);
      if (!grant && !profile) {
        throw CliException.failure(
            "no grant named '" + name + "' in " + session.describeStore(),
            "'tokenbroker status' lists the grants");
      }
      ctx.err.println("Removed '" + name + "' from " + session.describeStore() + ".");
      return ExitCodes.OK;
    }
  }
}
