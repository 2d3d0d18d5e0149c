package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Secrets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A missing or wrong property fails start-up with one line naming it, never quoting the client
 * secret (every case configures one, and checks it is printed nowhere).
 */
@ExtendWith(OutputCaptureExtension.class)
class FailureAnalysisTest {
  private static final String G = "tokenbroker.grants.reporting.";

  @TempDir static Path dir;

  /** A valid grant plus {@code changes} ("property=value"; an empty value removes the property). */
  private static Map<String, String> config(String... changes) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "token-uri", "https://login.example/oauth/token");
    p.put(G + "client-id", "my-client");
    p.put(G + "client-secret", Secrets.CLIENT_SECRET);
    for (String change : changes) {
      int eq = change.indexOf('=');
      String name = change.substring(0, eq);
      String value = change.substring(eq + 1);
      if (value.isEmpty()) {
        p.remove(name);
      } else {
        p.put(name, value);
      }
    }
    return p;
  }

  static Stream<Arguments> failures() {
    String secretUrl = "jdbc:postgresql://db.example/app?password=" + Secrets.CLIENT_SECRET;
    return Stream.of(
        Arguments.of(config(G + "token-uri="), G + "token-uri: is required"),
        Arguments.of(
            config(G + "token-uri=", G + "issuer-uri=https://login.example"),
            G + "issuer-uri: endpoint discovery is not available yet; set token-uri"),
        Arguments.of(
            config(G + "parameters.audience=https://api.example"),
            G + "parameters: extra token-request parameters are not supported yet"),
        Arguments.of(config(G + "grant-type="), G + "grant-type: is required"),
        Arguments.of(
            config(G + "grant-type=password"),
            G + "grant-type: is not one of client-credentials, authorization-code"),
        Arguments.of(config(G + "client-id="), G + "client-id: is required"),
        Arguments.of(
            config(G + "client-secret="),
            G + "client-secret: is required with client-authentication basic"),
        Arguments.of(
            config(G + "client-authentication=" + Secrets.CLIENT_SECRET),
            G + "client-authentication: is not one of basic, post, none"),
        Arguments.of(
            config(G + "provider=okta"), G + "provider: is not one of generic, cor, procore"),
        Arguments.of(
            config(G + "token-uri=http://login.example/oauth/token"),
            G + "token-uri: tokenEndpoint must use https"),
        Arguments.of(config(G + "token-uri=not a uri"), G + "token-uri: cannot be read as a URI"),
        Arguments.of(config(G + "tokn-uri=https://typo.example"), G + "tokn-uri: unknown property"),
        Arguments.of(config(G + "revocation-uri= "), G + "revocation-uri: is empty"),
        Arguments.of(
            config(G + "procore.company-id=42"), G + "procore: is only used with provider procore"),
        Arguments.of(
            config(G + "provider=cor", G + "grant-type=authorization-code", G + "token-uri="),
            G + "cor.subdomain: is required"),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", G + "procore.environment=staging"),
            G + "procore.environment: is not one of production, sandbox, monthly-sandbox"),
        Arguments.of(
            config(G + "provider=cor", G + "token-uri=https://x.example/token"),
            G + "token-uri: is not used with provider cor"),
        Arguments.of(
            config("tokenbroker.store=redis"),
            "tokenbroker.store: is not one of memory, file:DIR, jdbc"),
        Arguments.of(
            config("tokenbroker.store=" + secretUrl),
            "tokenbroker.store: a JDBC URL is not accepted here"),
        Arguments.of(
            config("tokenbroker.store=file:" + dir.resolve("tokens")),
            "tokenbroker.keyset: is required with a persistent store"),
        Arguments.of(
            config("tokenbroker.keyset=" + dir.resolve("k.json"), "tokenbroker.keyset-env=KEYS"),
            "tokenbroker.keyset-env: set either keyset or keyset-env, not both"),
        Arguments.of(
            config("tokenbroker.keyset-env=TOKENBROKER_TEST_NO_SUCH_VARIABLE"),
            "tokenbroker.keyset-env: environment variable TOKENBROKER_TEST_NO_SUCH_VARIABLE is not"
                + " set"),
        Arguments.of(
            config("tokenbroker.refresh-ahead=soon"),
            "tokenbroker.refresh-ahead: cannot be read as a duration"),
        Arguments.of(
            config("tokenbroker.refresh-ahead=0s"), "tokenbroker.refresh-ahead: must be positive"));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void aWrongPropertyFailsStartUpWithOneLineNamingIt(
      Map<String, String> properties, String expected, CapturedOutput output) {
    assertThrows(
        Exception.class,
        () -> Apps.run(PlainApp.class, WebApplicationType.NONE, properties).close());

    List<String> description = description(output.getAll());
    assertEquals(1, description.size(), output.getAll());
    assertTrue(description.get(0).startsWith(expected), description.get(0));
    assertFalse(output.getAll().contains(Secrets.CLIENT_SECRET), "the client secret was printed");
  }

  /** The non-blank lines of the failure report's Description section. */
  static List<String> description(String output) {
    List<String> lines = new ArrayList<>();
    boolean in = false;
    for (String line : output.split("\\R")) {
      if (line.strip().equals("Description:")) {
        in = true;
        lines.clear();
      } else if (line.strip().equals("Action:")) {
        in = false;
      } else if (in && !line.isBlank()) {
        lines.add(line.strip());
      }
    }
    return lines;
  }
}
