package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.TestKeys;
import java.io.IOException;
import java.nio.file.Files;
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

  /** A placeholder whose variable is unset, so it resolves to an empty value. */
  private static final String UNSET = "${TOKENBROKER_TEST_UNSET:}";

  private static final String SET_UNSET =
      " (it is read from TOKENBROKER_TEST_UNSET; set that variable)";

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

  static Stream<Arguments> failures() throws IOException {
    String secretUrl = "jdbc:postgresql://db.example/app?password=" + Secrets.CLIENT_SECRET;
    Path rsaKey = dir.resolve("rsa.pem");
    if (!Files.exists(rsaKey)) {
      Files.writeString(rsaKey, TestKeys.pkcs8Pem(TestKeys.rsa().getPrivate()));
    }
    String keyJwt = G + "client-authentication=private-key-jwt";
    String keyFile = G + "private-key-location=" + rsaKey.toUri();
    return Stream.of(
        Arguments.of(
            config(G + "token-uri="),
            G + "token-uri: is required (or set issuer-uri to discover it)"),
        Arguments.of(
            config(G + "issuer-uri=http://login.example"), G + "issuer-uri: issuer must use https"),
        Arguments.of(config(G + "grant-type="), G + "grant-type: is required"),
        Arguments.of(
            config(G + "grant-type=password"),
            G
                + "grant-type: is not one of client-credentials, authorization-code, device-code,"
                + " jwt-bearer"),
        Arguments.of(
            config(
                keyJwt,
                G + "client-secret=",
                G + "private-key-location=file:" + dir.resolve("none.pem")),
            G + "private-key-location: does not exist: URL [file:"),
        Arguments.of(
            config(keyJwt, G + "client-secret=", G + "private-key-location=" + rsaKey),
            G
                + "private-key-location: does not exist: class path resource ["
                + rsaKey.toString().substring(1)
                + "] (a location without a prefix is on the classpath; prefix a file with"
                + " file:)"),
        Arguments.of(
            config(keyJwt, G + "client-secret=", keyFile, G + "signing-algorithm=HS256"),
            G + "signing-algorithm: is not one of RS256, PS256, ES256"),
        Arguments.of(
            config(keyJwt, G + "client-secret=", keyFile, G + "signing-algorithm=ES256"),
            G + "signing-algorithm: an RSA key signs with RS256 or PS256, not ES256"),
        Arguments.of(
            config(keyJwt, keyFile),
            G + "client-secret: set either client-secret or private-key-location, not both"),
        Arguments.of(
            config(keyJwt, G + "client-secret="),
            G + "private-key-location: is required with client-authentication private-key-jwt"),
        Arguments.of(
            config(keyFile),
            G + "private-key-location: is used only with client-authentication private-key-jwt"),
        Arguments.of(config(G + "key-id=k1"), G + "key-id: is used only with private-key-location"),
        Arguments.of(
            config(G + "client-authentication=client-secret-jwt"),
            G
                + "client-secret: client-authentication client-secret-jwt signs with HS256, which"
                + " needs a secret of at least 32 bytes"),
        Arguments.of(
            config(G + "grant-type=jwt-bearer", G + "client-secret=", keyFile),
            G + "subject: is required"),
        Arguments.of(
            config(G + "subject=user-42"), G + "subject: is used only with grant-type jwt-bearer"),
        Arguments.of(
            config(G + "assertion-audience=everyone"),
            G + "assertion-audience: is not one of issuer, token-endpoint"),
        Arguments.of(
            config(G + "resource=api/reports"),
            G + "resource: resource must be an absolute URI without a fragment"),
        Arguments.of(
            config(G + "parameters.client_id=other"),
            G + "parameters[client_id]: parameter 'client_id' is set by the protocol itself"),
        Arguments.of(
            config(G + "audience=https://a.example", G + "parameters.audience=https://b.example"),
            G + "parameters.audience: set either audience or parameters.audience, not both"),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", G + "dpop=true"),
            G + "dpop: is used only with provider generic"),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", keyJwt),
            G + "client-authentication: is one of basic, post, none with provider procore"),
        Arguments.of(config(G + "client-id="), G + "client-id: is required"),
        Arguments.of(
            config(G + "client-secret="),
            G + "client-secret: is required with client-authentication basic"),
        Arguments.of(
            config(G + "client-authentication=" + Secrets.CLIENT_SECRET),
            G
                + "client-authentication: is not one of basic, post, private-key-jwt,"
                + " client-secret-jwt, none"),
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
            config("tokenbroker.refresh-ahead=0s"), "tokenbroker.refresh-ahead: must be positive"),
        Arguments.of(
            config(G + "token-uri=" + UNSET),
            G + "token-uri: is empty, but must be a URI" + SET_UNSET),
        Arguments.of(
            config(G + "issuer-uri=" + UNSET),
            G + "issuer-uri: is empty, but must be a URI" + SET_UNSET),
        Arguments.of(
            config(G + "revocation-uri=${TOKENBROKER_TEST_UNSET:${TOKENBROKER_TEST_UNSET_TOO:}}"),
            G
                + "revocation-uri: is empty, but must be a URI (it is read from"
                + " TOKENBROKER_TEST_UNSET, TOKENBROKER_TEST_UNSET_TOO; set them)"),
        Arguments.of(
            config("tokenbroker.refresh-ahead=" + UNSET),
            "tokenbroker.refresh-ahead: is empty, but must be a duration (e.g. 5m, 30s or PT5M)"
                + SET_UNSET),
        Arguments.of(
            config(G + "private-key-location=" + UNSET),
            G
                + "private-key-location: is empty, but must be a resource location (e.g."
                + " file:/etc/app/client-key.pem)"
                + SET_UNSET),
        Arguments.of(
            config(G + "dpop=" + UNSET),
            G + "dpop: is empty, but must be true or false" + SET_UNSET),
        Arguments.of(config(G + "dpop= "), G + "dpop: is empty, but must be true or false"),
        Arguments.of(
            config(G + "dpop=${TOKENBROKER_TEST_UNSET:" + Secrets.CLIENT_SECRET + "}"),
            G + "dpop: cannot be read as true or false"),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", G + "procore.company-id=" + UNSET),
            G + "procore.company-id: is empty, but must be a whole number" + SET_UNSET),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", G + "procore.login-url=" + UNSET),
            G + "procore.login-url: is empty, but must be a URI" + SET_UNSET),
        Arguments.of(
            config(G + "provider=" + UNSET),
            G + "provider: is empty, but must be one of generic, cor, procore"),
        Arguments.of(
            config(G + "client-authentication=" + UNSET),
            G
                + "client-authentication: is empty, but must be one of basic, post,"
                + " private-key-jwt, client-secret-jwt, none"),
        Arguments.of(
            config("tokenbroker.keyset=" + UNSET),
            "tokenbroker.keyset: is empty, but must be a keyset file"),
        Arguments.of(
            config(G + "grant-type=" + UNSET),
            G
                + "grant-type: is empty, but must be one of client-credentials,"
                + " authorization-code, device-code, jwt-bearer"),
        Arguments.of(
            config(G + "assertion-audience=" + UNSET),
            G + "assertion-audience: is empty, but must be one of issuer, token-endpoint"),
        Arguments.of(
            config(keyJwt, G + "client-secret=", keyFile, G + "signing-algorithm=" + UNSET),
            G + "signing-algorithm: is empty, but must be one of RS256, PS256, ES256"),
        Arguments.of(
            config("tokenbroker.keyset-env=" + UNSET),
            "tokenbroker.keyset-env: is empty, but must name an environment variable"),
        Arguments.of(
            config(G + "provider=procore", G + "token-uri=", G + "procore.environment=" + UNSET),
            G
                + "procore.environment: is empty, but must be one of production, sandbox,"
                + " monthly-sandbox"),
        Arguments.of(config(G + "parameters.foo=" + UNSET), G + "parameters.foo: is empty"));
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
