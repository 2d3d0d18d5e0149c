package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code token NAME}: prints the access token alone on stdout (or as JSON, or as kubectl's
 * ExecCredential), refreshing first if it would expire within {@code --min-valid}. Any number of
 * processes may run it at once on one store: the store's lease lets one of them refresh while the
 * others wait and adopt its tokens. A still-valid token in a file store is usually printed by
 * {@link FastPath} before this command is even parsed.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Prints the access token alone on stdout, refreshing it first if needed.",
      "",
      "Safe to run from many processes at once: one refreshes, the others reuse its token.",
      "Example: curl -H \"Authorization: Bearer $(tokenbroker token acme)\" https://...",
      ""
    })
final class TokenCommand implements Callable<Integer> {
  /** What a command hands out: the access token and what the machine-readable formats show. */
  record Issued(AccessToken token, String tokenType, Instant expiresAt, Set<String> scopes) {}

  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Mixin MinValidOption minValid;

  @Option(
      names = "--json",
      description = "Print JSON: access_token, token_type, expires_at (ISO-8601, UTC) and scopes.")
  boolean json;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      defaultValue = "plain",
      description =
          "plain (the token alone, default), json (as --json), or exec-credential: kubectl's"
              + " client.authentication.k8s.io/v1 ExecCredential, for a kubeconfig exec plugin.")
  String format;

  @Override
  public Integer call() {
    TokenOutput output = TokenOutput.choose(format, json);
    Issued issued = obtain(root.ctx, root, name, minValid.minValid);
    output.print(
        root.ctx.out,
        issued.token().revealValue(),
        issued.tokenType(),
        issued.expiresAt(),
        issued.scopes());
    return ExitCodes.OK;
  }

  /**
   * The token of {@code name} through a broker, refreshed first if it expires within {@code
   * minValid} (and a new one could do better); warns on stderr when it still expires sooner.
   */
  static Issued obtain(CliContext ctx, RootCommand options, String name, Duration minValid) {
    // The broker refreshes ahead of this window (capped at half the token's lifetime). A fresh
    // broker has no cached token, so its first accessToken() call decides synchronously: adopt
    // what the store holds, or refresh under the store's lease.
    Duration ahead = minValid.isZero() ? Duration.ofMillis(1) : minValid;
    try (Session session =
        Session.open(ctx, options, Session.KeysetMode.EXISTING, b -> b.refreshAhead(ahead))) {
      Profile profile = session.requireProfile(name);
      GrantKey key = session.register(profile);
      TokenBroker broker = session.broker;
      AccessToken token = broker.accessToken(key);
      TokenSet tokens = broker.tokens(key);
      if (left(ctx.clock, tokens.expiresAt()).compareTo(minValid) < 0
          && tokens.lifetime().compareTo(minValid) > 0) {
        // Longer than half the lifetime: the broker's window did not cover it. refreshIfCurrent
        // keeps it to one refresh when several processes get here with the same token.
        broker.refreshIfCurrent(key, token);
        tokens = broker.tokens(key);
      }
      session.awaitWrites();
      if (tokens.isDpopBound()) {
        ctx.err.println(
            "note: the token of '"
                + name
                + "' is DPoP-bound (RFC 9449): send it as 'Authorization: DPoP' with a proof for"
                + " each request; 'tokenbroker headers "
                + LoginCommand.quote(name)
                + " --url URL' prints both");
      }
      Duration left = left(ctx.clock, tokens.expiresAt());
      if (left.compareTo(minValid) < 0) {
        ctx.err.println(
            "warning: the token of '"
                + name
                + "' expires in "
                + Durations.format(left)
                + ", sooner than --min-valid "
                + Durations.format(minValid)
                + ": the provider issues shorter-lived tokens");
      }
      return new Issued(
          tokens.accessToken(), tokens.tokenType(), tokens.expiresAt(), tokens.scopes());
    }
  }

  static Duration left(Clock clock, Instant expires) {
    return Duration.between(clock.instant(), expires);
  }
}
