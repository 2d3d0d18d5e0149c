package io.tokenbroker.examples;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.procore.Company;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.procore.ProcoreApiException;
import io.tokenbroker.procore.ProcoreClient;
import io.tokenbroker.procore.Project;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Procore on behalf of a user: an out-of-band consent (the user opens a URL and pastes the code
 * Procore shows), then API calls: the user, their companies, and each company's projects with the
 * {@code Procore-Company-Id} header.
 *
 * <pre>
 * java -cp examples/target/tokenbroker.jar io.tokenbroker.examples.ProcoreConsentExample
 * </pre>
 *
 * Runs offline against the Procore sandbox (a {@link SandboxUser} approves the consent), unless
 * {@code PROCORE_CLIENT_ID} and {@code PROCORE_CLIENT_SECRET} are set: then it asks you to open the
 * URL at Procore and paste the code.
 */
public final class ProcoreConsentExample {
  private ProcoreConsentExample() {}

  /** What the example saw, for its test: projects per company (-1: app not installed there). */
  record Result(@Nullable String user, Map<Long, Integer> projectsPerCompany) {}

  public static void main(String[] args) {
    String clientId = System.getenv("PROCORE_CLIENT_ID");
    String secret = System.getenv("PROCORE_CLIENT_SECRET");
    if (clientId != null && secret != null) {
      run(
          Procore.production(),
          clientId,
          ClientSecret.of(secret),
          ProcoreConsentExample::askUser,
          System.out);
      return;
    }
    offline(System.out);
  }

  /** The example against the Procore sandbox, a {@link SandboxUser} approving the consent. */
  static Result offline(PrintStream out) {
    try (ProcoreSandbox sandbox = ProcoreSandbox.start()) {
      sandbox.registerClient("example-app", "example-client-secret");
      Procore procore = Procore.custom("sandbox", sandbox.loginUrl(), sandbox.apiUrl());
      return run(
          procore,
          "example-app",
          ClientSecret.of("example-client-secret"),
          SandboxUser::outOfBandCode,
          out);
    }
  }

  /**
   * @param user shows the consent URL to the user and returns the code they pasted
   */
  static Result run(
      Procore procore,
      String clientId,
      ClientSecret secret,
      Function<URI, String> user,
      PrintStream out) {
    try (TokenBroker broker = TokenBroker.builder().build()) {
      ClientRegistration app = procore.registration(clientId, secret);
      GrantKey key = procore.grantKey("example-user"); // procore/<environment>/example-user
      procore.registerUser(broker, key, app);

      AuthorizationRequest consent = procore.outOfBandConsent(broker, key);
      out.println("Open this URL, approve, and copy the code Procore shows:");
      out.println(consent.uri());
      consent.exchange(user.apply(consent.uri())); // the tokens are now stored under key

      ProcoreClient client = procore.client(broker, key);
      String name = client.me().name();
      out.println("Signed in to Procore as " + name);
      Map<Long, Integer> projects = new LinkedHashMap<>();
      for (Company company : client.companies()) {
        try {
          int count = 0;
          for (Project unused :
              client.company(company.id()).projects()) { // every page, company header set
            count++;
          }
          projects.put(company.id(), count);
          out.println(company.name() + ": " + count + " projects");
        } catch (ProcoreApiException e) {
          if (!e.isAppNotConnected()) {
            throw e;
          }
          projects.put(company.id(), -1);
          out.println(company.name() + ": the app is not installed in this company");
        }
      }
      return new Result(name, projects);
    }
  }

  private static String askUser(URI consentUrl) {
    System.out.print("Code: ");
    System.out.flush();
    try {
      String line =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (line == null) {
        throw new IllegalStateException("no code on standard input");
      }
      return line.strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
