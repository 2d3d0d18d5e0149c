package io.tokenbroker.examples;

import io.tokenbroker.cor.Cor;
import io.tokenbroker.cor.CorClient;
import io.tokenbroker.cor.Project;
import io.tokenbroker.cor.User;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.cor.CorSandbox;
import java.io.PrintStream;
import java.util.List;

/**
 * Client credentials with COR: a broker that fetches COR's token on first use and renews it ahead
 * of expiry, and a typed COR client whose every request carries a valid token.
 *
 * <pre>
 * java -cp examples/target/tokenbroker.jar io.tokenbroker.examples.CorClientCredentialsExample
 * </pre>
 *
 * Runs offline against the COR sandbox, unless {@code COR_API_KEY} and {@code COR_CLIENT_SECRET}
 * are set: then it reads from COR itself (read-only calls).
 */
public final class CorClientCredentialsExample {
  private CorClientCredentialsExample() {}

  /** What the example saw, for its test. */
  record Result(String user, List<String> projects, int tokenRequests) {}

  public static void main(String[] args) {
    String apiKey = System.getenv("COR_API_KEY");
    String secret = System.getenv("COR_CLIENT_SECRET");
    if (apiKey != null && secret != null) {
      run(Cor.production(), apiKey, ClientSecret.of(secret), System.out);
      return;
    }
    offline(System.out);
  }

  /** The example against the COR sandbox. */
  static Result offline(PrintStream out) {
    try (CorSandbox sandbox = CorSandbox.start()) {
      sandbox.registerApiKey("example-api-key", "example-client-secret");
      Cor cor = Cor.builder().apiBaseUri(sandbox.apiBaseUri()).build(); // Cor.production() for real
      return run(cor, "example-api-key", ClientSecret.of("example-client-secret"), out);
    }
  }

  static Result run(Cor cor, String apiKey, ClientSecret secret, PrintStream out) {
    TokenEndpointCallCounter counter = new TokenEndpointCallCounter();
    try (TokenBroker broker = TokenBroker.builder().listener(counter).build()) {
      GrantKey key = GrantKey.of("cor/example");
      broker.register(key, cor.clientCredentials(apiKey, secret), GrantType.CLIENT_CREDENTIALS);

      CorClient api = cor.client(broker, key);
      User me = api.me();
      String user = me.firstName() + " " + me.lastName();
      out.println("Signed in to COR as " + user);
      List<String> projects = api.projects().stream().map(Project::name).toList(); // every page
      out.println(
          projects.size() + " projects, e.g. " + projects.subList(0, Math.min(3, projects.size())));
      out.println(
          "Token requests: "
              + counter.count()
              + " (the token is cached and renewed ahead of expiry)");
      return new Result(user, projects, counter.count());
    }
  }
}
