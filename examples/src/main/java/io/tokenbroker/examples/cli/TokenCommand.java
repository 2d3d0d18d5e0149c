package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.TokenBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code token NAME}: prints the access token alone on stdout, refreshing first if it would expire
 * within {@code --min-valid}. Any number of processes may run it at once on one store: the store's
 * lease lets one of them refresh while the others wait and adopt its tokens.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Prints the access token alone on stdout, refreshing it first if needed.",
      "",
      "Safe to run from many processes at once: one refreshes, the others reuse",
      "its token. Example:",
      "  curl -H \"Authorization: Bearer $(tokenbroker token acme)\" https://...",
      ""
    })
final class TokenCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Option(
      names = "--min-valid",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      defaultValue = "5m",
      description =
          "Refresh first if the token expires sooner than this (default ${DEFAULT-VALUE}).")
  Duration minValid;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    // The broker refreshes ahead of this window (capped at half the token's lifetime). A fresh
    // broker has no cached token, so its first accessToken() call decides synchronously: adopt
    // what the store holds, or refresh under the store's lease.
    Duration ahead = minValid.isZero() ? Duration.ofMillis(1) : minValid;
    try (Session session =
        Session.open(ctx, root, Session.KeysetMode.EXISTING, b -> b.refreshAhead(ahead))) {
      Profile profile = session.requireProfile(name);
      GrantKey key = session.register(profile);
      TokenBroker broker = session.broker;
      AccessToken token = broker.accessToken(key);
      GrantStatus status = broker.status(key);
      Instant expires = status.expiresAt();
      if (expires != null
          && left(ctx, expires).compareTo(minValid) < 0
          && lifetimeAllows(session, key)) {
        // Longer than half the lifetime: the broker's window did not cover it. refreshIfCurrent
        // keeps it to one refresh when several processes get here with the same token.
        token = broker.refreshIfCurrent(key, token);
        expires = broker.status(key).expiresAt();
      }
      session.awaitWrites();
      if (expires != null && left(ctx, expires).compareTo(minValid) < 0) {
        ctx.err.println(
            "warning: the token of '"
                + name
                + "' expires in "
                + Durations.format(left(ctx, expires))
                + ", sooner than --min-valid "
                + Durations.format(minValid)
                + ": the provider issues shorter-lived tokens");
      }
      ctx.out.println(token.revealValue());
      ctx.out.flush();
      return ExitCodes.OK;
    }
  }

  /** Whether a new token could satisfy --min-valid, judged by the current token's lifetime. */
  private boolean lifetimeAllows(Session session, GrantKey key) {
    return session.broker.tokens(key).lifetime().compareTo(minValid) > 0;
  }

  private static Duration left(CliContext ctx, Instant expires) {
    return Duration.between(ctx.clock.instant(), expires);
  }
}
