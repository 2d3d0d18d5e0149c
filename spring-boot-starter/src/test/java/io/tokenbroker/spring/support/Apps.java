package io.tokenbroker.spring.support;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Starts applications with properties, the way {@code java -jar app.jar} would. */
public final class Apps {
  private Apps() {}

  /** The properties of a client-credentials grant against {@code server}. */
  public static Map<String, String> clientCredentials(
      FakeAuthorizationServer server, String grant) {
    Map<String, String> p = new LinkedHashMap<>();
    String prefix = "tokenbroker.grants." + grant + ".";
    p.put(prefix + "grant-type", "client-credentials");
    p.put(prefix + "token-uri", server.tokenEndpoint().toString());
    p.put(prefix + "client-id", "app");
    p.put(prefix + "client-secret", Secrets.CLIENT_SECRET);
    return p;
  }

  /** The properties of an authorization-code grant against {@code server}. */
  public static Map<String, String> authorizationCode(
      FakeAuthorizationServer server, String grant) {
    Map<String, String> p = clientCredentials(server, grant);
    String prefix = "tokenbroker.grants." + grant + ".";
    p.put(prefix + "grant-type", "authorization-code");
    p.put(prefix + "authorization-uri", server.authorizationEndpoint().toString());
    p.put(prefix + "revocation-uri", server.revocationEndpoint().toString());
    return p;
  }

  /**
   * Registers the protected resource's URL and a client-credentials grant against {@code server}
   * for each name, plus {@code extra} properties of every grant ("name=value").
   */
  public static void register(
      DynamicPropertyRegistry registry,
      FakeAuthorizationServer server,
      ProtectedResource resource,
      List<String> grants,
      String... extra) {
    server.registerClient("app", Secrets.CLIENT_SECRET);
    registry.add("resource.url", () -> resource.baseUri().toString());
    for (String grant : grants) {
      clientCredentials(server, grant).forEach((name, value) -> registry.add(name, () -> value));
      for (String property : extra) {
        int eq = property.indexOf('=');
        String value = property.substring(eq + 1);
        registry.add("tokenbroker.grants." + grant + "." + property.substring(0, eq), () -> value);
      }
    }
  }

  public static SpringApplicationBuilder builder(
      Class<?> app, WebApplicationType web, Map<String, String> properties) {
    String[] props =
        properties.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .toArray(String[]::new);
    return new SpringApplicationBuilder(app).web(web).properties(props);
  }

  public static ConfigurableApplicationContext run(
      Class<?> app, WebApplicationType web, Map<String, String> properties) {
    return builder(app, web, properties).run();
  }
}
