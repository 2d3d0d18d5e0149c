package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.AuthorizationHeaders;
import io.tokenbroker.oauth.GrantKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code headers NAME [--method GET] [--url URL]}: prints the header lines one request needs, one
 * per line: {@code Authorization: Bearer ...}, or for a DPoP-bound grant {@code Authorization: DPoP
 * ...} and {@code DPoP: <proof for that method and URL>}. Always through a broker (a DPoP proof is
 * signed with the key sealed in the grant), never through {@link FastPath}.
 */
@Command(
    name = "headers",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Prints the header lines a request needs, one per line, on stdout.",
      "",
      "Authorization: Bearer ..., or for a DPoP-bound grant Authorization: DPoP ... and a DPoP"
          + " proof made for --method and --url (required then).",
      "Example: curl -H @<(tokenbroker headers acme --url URL) URL",
      ""
    })
final class HeadersCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(index = "0", paramLabel = "NAME", description = "The grant's name.")
  String name;

  @Option(
      names = "--method",
      paramLabel = "METHOD",
      defaultValue = "GET",
      description = "The request's HTTP method (default ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "The request's URL; required for a DPoP-bound grant.")
  @Nullable String url;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    String verb = method.strip().toUpperCase(Locale.ROOT);
    if (!verb.matches("[A-Z]+")) {
      throw CliException.usage("--method '" + method + "' is not an HTTP method", null);
    }
    URI target = url == null ? null : target(url);
    try (Session session = Session.open(ctx, root, Session.KeysetMode.EXISTING)) {
      GrantKey key = session.register(session.requireProfile(name));
      AuthorizationHeaders headers =
          session.broker.authorizationHeaders(
              key, verb, target != null ? target : URI.create("https://url.invalid/"));
      if (headers.isDpop() && target == null) {
        throw CliException.usage(
            "grant '" + name + "' is DPoP-bound: --url is required (the proof names the URL)",
            "e.g. tokenbroker headers "
                + LoginCommand.quote(name)
                + " --url https://api.example/v1/things");
      }
      session.awaitWrites();
      headers.revealHeaders().forEach((header, value) -> ctx.out.println(header + ": " + value));
      return ExitCodes.OK;
    }
  }

  private static URI target(String value) {
    try {
      URI uri = new URI(value.strip());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!uri.isAbsolute() || uri.getHost() == null || !scheme.startsWith("http")) {
        throw CliException.usage("--url '" + value + "' is not an absolute http(s) URL", null);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw CliException.usage("--url '" + value + "' is not a URL: " + e.getReason(), null);
    }
  }
}
