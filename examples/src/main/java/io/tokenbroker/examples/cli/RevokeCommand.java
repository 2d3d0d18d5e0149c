package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.GrantKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code revoke NAME}: revokes the grant at the provider where it can, then removes it. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = {
      "Revokes the grant at the provider, then removes it.",
      "",
      "Revokes the refresh token (else the access token) where the provider has a revocation"
          + " endpoint, then deletes the grant and its saved settings."
    })
final class RevokeCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    try (Session session = Session.open(ctx, root, Session.KeysetMode.EXISTING)) {
      Profile profile = session.requireProfile(name);
      GrantKey key = session.register(profile);
      boolean told;
      if (profile.provider().equals(Providers.PROCORE)) {
        // Procore documents revocation with the access token (it ends the refresh token too).
        Providers.procore(profile.settings())
            .oauth(Providers.registration(profile))
            .revokeGrant(session.broker, key);
        told = true;
      } else {
        told = session.broker.revoke(key);
      }
      session.profiles.delete(name);
      ctx.err.println(
          told
              ? "Revoked '" + name + "' at the provider and removed it."
              : "Removed '"
                  + name
                  + "'; the provider has no revocation endpoint, so its tokens stay"
                  + " valid there until they expire.");
      return ExitCodes.OK;
    }
  }
}
