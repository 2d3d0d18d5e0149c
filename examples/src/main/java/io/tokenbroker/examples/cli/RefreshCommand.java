package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.GrantKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code refresh NAME}: obtains a new access token now; prints no token. */
@Command(
    name = "refresh",
    mixinStandardHelpOptions = true,
    description = "Obtains a new access token now (prints no token).")
final class RefreshCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    try (Session session = Session.open(ctx, root, Session.KeysetMode.EXISTING)) {
      GrantKey key = session.register(session.requireProfile(name));
      // Load what the store holds first: a fresh broker's forceRefresh would adopt it instead.
      session.broker.accessToken(key);
      if (session.listener.refreshes.get() == 0) {
        session.broker.forceRefresh(key);
      }
      session.awaitWrites();
      Instant expires = session.broker.status(key).expiresAt();
      ctx.err.println(
          "Refreshed '"
              + name
              + "': new access token valid until "
              + (expires == null ? null : expires.truncatedTo(ChronoUnit.SECONDS))
              + (expires == null
                  ? ""
                  : " (" + Durations.format(Duration.between(ctx.clock.instant(), expires)) + ")"));
      return ExitCodes.OK;
    }
  }
}
