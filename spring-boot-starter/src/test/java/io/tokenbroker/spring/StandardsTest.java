package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.RetryPolicy;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TransientTokenException;
import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeAuthorizationServer.ClientAuthMethod;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.RefusingPort;
import io.tokenbroker.testkit.TestKeys;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The standards of issue 13 from properties, against the fake authorization server and its strict
 * checks: discovery, private_key_jwt, client_secret_jwt, the JWT-bearer grant, resource/audience
 * and other parameters, and DPoP through the interceptor and the exchange filter.
 */
class StandardsTest {
  private static final String G = "tokenbroker.grants.reporting.";
  private static final GrantKey REPORTING = GrantKey.of("reporting");

  @TempDir Path dir;

  private FakeAuthorizationServer server =
      FakeAuthorizationServer.builder().issuerPath("/tenant").start();

  @AfterEach
  void stop() {
    server.close();
  }

  /** A client-credentials grant of client "app" found by discovery alone. */
  private Map<String, String> discovered() {
    server.registerClient("app", Secrets.CLIENT_SECRET, ClientAuthMethod.CLIENT_SECRET_BASIC);
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "issuer-uri", server.issuer().toString());
    p.put(G + "client-id", "app");
    p.put(G + "client-secret", Secrets.CLIENT_SECRET);
    return p;
  }

  private static ConfigurableApplicationContext run(Map<String, String> properties) {
    return Apps.run(PlainApp.class, WebApplicationType.NONE, properties);
  }

  private List<RecordedRequest> tokenRequests() {
    return server.requests().stream()
        .filter(r -> r.path().equals("/token") || r.path().equals("/refresh"))
        .toList();
  }

  @Test
  void issuerUriAloneGetsATokenThroughDiscovery() {
    try (ConfigurableApplicationContext app = run(discovered())) {
      assertEquals(0, server.requestCount(), "nothing is fetched at start-up");

      String token = app.getBean(TokenBroker.class).accessToken(REPORTING).revealValue();

      assertTrue(server.issuedAccessTokens().contains(token));
      assertEquals(
          "/.well-known/oauth-authorization-server/tenant", server.requests().get(0).path());
      assertEquals(1, tokenRequests().size());
    }
  }

  @Test
  void anExplicitEndpointOverridesTheDiscoveredOne() {
    Map<String, String> p = discovered();
    p.put(G + "token-uri", server.refreshEndpoint().toString());

    try (ConfigurableApplicationContext app = run(p)) {
      app.getBean(TokenBroker.class).accessToken(REPORTING);
    }

    assertEquals("/refresh", tokenRequests().get(0).path());
  }

  @Test
  void privateKeyJwtWithAPemKeyAndPs256() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    Path pem =
        Files.writeString(dir.resolve("client-key.pem"), TestKeys.pkcs8Pem(rsa.getPrivate()));
    server.registerClient("signer", rsa.getPublic(), "key-2026");
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "issuer-uri", server.issuer().toString());
    p.put(G + "client-id", "signer");
    p.put(G + "client-authentication", "private-key-jwt");
    p.put(G + "private-key-location", pem.toUri().toString());
    p.put(G + "key-id", "key-2026");
    p.put(G + "signing-algorithm", "PS256");

    try (ConfigurableApplicationContext app = run(p)) {
      TokenBroker broker = app.getBean(TokenBroker.class);
      String first = broker.accessToken(REPORTING).revealValue();
      String second = broker.forceRefresh(REPORTING).revealValue(); // a fresh jti is accepted

      assertTrue(server.issuedAccessTokens().containsAll(List.of(first, second)));
    }
    RecordedRequest request = tokenRequests().get(0);
    assertEquals(
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        request.parameter("client_assertion_type"));
    assertEquals(null, request.header("Authorization"));
  }

  @Test
  void privateKeyJwtWithAnEcKeyFromAJwkSetPickedByKeyId() throws Exception {
    KeyPair ec = TestKeys.ec();
    String jwks =
        "{\"keys\":["
            + TestKeys.privateJwk(TestKeys.ec(), "other")
            + ","
            + TestKeys.privateJwk(ec, "ec-1")
            + "]}";
    Path file = Files.writeString(dir.resolve("client.jwks"), jwks);
    server.registerClient("signer", ec.getPublic(), "ec-1");
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "token-uri", server.tokenEndpoint().toString());
    p.put(G + "client-id", "signer");
    p.put(G + "client-authentication", "private_key_jwt");
    p.put(G + "private-key-location", "file:" + file);
    p.put(G + "key-id", "ec-1");
    p.put(G + "assertion-audience", "token-endpoint");

    try (ConfigurableApplicationContext app = run(p)) {
      String token = app.getBean(TokenBroker.class).accessToken(REPORTING).revealValue();

      assertTrue(server.issuedAccessTokens().contains(token));
    }
  }

  @Test
  void clientSecretJwt() {
    String secret = "a-client-secret-of-at-least-32-bytes-7c1e";
    server.registerClient("hs", secret, ClientAuthMethod.CLIENT_SECRET_JWT);
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "issuer-uri", server.issuer().toString());
    p.put(G + "client-id", "hs");
    p.put(G + "client-secret", secret);
    p.put(G + "client-authentication", "client-secret-jwt");

    try (ConfigurableApplicationContext app = run(p)) {
      String token = app.getBean(TokenBroker.class).accessToken(REPORTING).revealValue();

      assertTrue(server.issuedAccessTokens().contains(token));
    }
    assertFalse(tokenRequests().get(0).bodyUtf8().contains(secret));
  }

  @Test
  void jwtBearerGrantWithSubject() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    Path pem = Files.writeString(dir.resolve("signer.pem"), TestKeys.pkcs8Pem(rsa.getPrivate()));
    server.registerClient("signer", rsa.getPublic(), null);
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "jwt-bearer");
    p.put(G + "issuer-uri", server.issuer().toString());
    p.put(G + "client-id", "signer");
    p.put(G + "subject", "user-42");
    p.put(G + "private-key-location", pem.toUri().toString());

    try (ConfigurableApplicationContext app = run(p)) {
      String token = app.getBean(TokenBroker.class).accessToken(REPORTING).revealValue();

      assertTrue(server.issuedAccessTokens().contains(token));
    }
    assertEquals("user-42", server.lastAssertionSubject());
    assertEquals(
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        tokenRequests().get(0).parameter("grant_type"));
  }

  @Test
  void resourceAudienceAndParametersTravelInTheFormBodyOfEveryTokenRequest() {
    Map<String, String> p = discovered();
    p.put(G + "resource[0]", "https://api.example/reports");
    p.put(G + "resource[1]", "https://api.example/files");
    p.put(G + "audience", "https://aud.example");
    p.put(G + "parameters.tenant", "acme");
    p.put(G + "scopes", "read");

    try (ConfigurableApplicationContext app = run(p)) {
      TokenBroker broker = app.getBean(TokenBroker.class);
      broker.accessToken(REPORTING);
      broker.forceRefresh(REPORTING);
    }

    List<RecordedRequest> requests = tokenRequests();
    assertEquals(2, requests.size());
    for (RecordedRequest request : requests) {
      assertEquals(
          List.of("https://api.example/reports", "https://api.example/files"),
          request.bodyParameterValues("resource"));
      assertEquals(List.of("https://aud.example"), request.bodyParameterValues("audience"));
      assertEquals(List.of("acme"), request.bodyParameterValues("tenant"));
      assertEquals(List.of("read"), request.bodyParameterValues("scope"));
      assertEquals(null, request.query(), "nothing in the URL");
    }
  }

  /** Calls the fake server's protected resource with {@code method}; returns the body. */
  private interface Resource {
    String call(HttpMethod method);
  }

  private Resource resource(String client, TokenBroker broker) {
    URI uri = server.resourceEndpoint();
    if (client.equals("interceptor")) {
      RestClient api =
          RestClient.builder()
              .requestInterceptor(TokenBrokerInterceptor.forGrant(broker, "reporting"))
              .build();
      return method -> api.method(method).uri(uri).retrieve().body(String.class);
    }
    WebClient api =
        WebClient.builder().filter(TokenBrokerExchangeFilter.forGrant(broker, "reporting")).build();
    return method -> api.method(method).uri(uri).retrieve().bodyToMono(String.class).block();
  }

  @ParameterizedTest
  @ValueSource(strings = {"interceptor", "exchange-filter"})
  void dpopWithNoncesAtBothServers(String client) {
    server.setDpopNonceRequired(true);
    Map<String, String> p = discovered();
    p.put(G + "dpop", "true");

    try (ConfigurableApplicationContext app = run(p)) {
      Resource api = resource(client, app.getBean(TokenBroker.class));

      String body = api.call(HttpMethod.GET);
      assertTrue(body.contains("\"token_type\":\"DPoP\""), body);

      int tokenRequests = server.tokenRequestCount();
      server.rotateDpopNonce(); // the resource demands the new nonce: one more try
      body = api.call(HttpMethod.POST);
      assertTrue(body.contains("\"method\":\"POST\""), body);
      assertEquals(tokenRequests, server.tokenRequestCount(), "a nonce demand needs no refresh");

      String rejected = server.lastAccessToken();
      server.revoke(rejected); // a 401: one refresh, the new token is DPoP-bound too
      body = api.call(HttpMethod.GET);
      assertTrue(body.contains("\"token_type\":\"DPoP\""), body);
      assertNotEquals(rejected, server.lastAccessToken());
    }
    assertEquals(
        List.of("DPoP"),
        server.requests().stream()
            .filter(r -> r.path().equals("/resource"))
            .map(r -> r.header("Authorization").split(" ")[0])
            .distinct()
            .toList());
  }

  @Test
  void anUnreachableIssuerDoesNotFailStartUpAndLaterCallsRetry() {
    // The issuer's port refuses connections first and serves later, at the same address. No port
    // can be held for a listener started later: in the rare case another process binds it in
    // between, the scenario runs again on another port (as VendorLoginTest does).
    for (int attempt = 1; !issuerUnreachableThenBack(); attempt++) {
      assertTrue(attempt < 3, "the issuer's port was taken three times in a row");
    }
  }

  /** The scenario; false if another process bound the issuer's port before the server did. */
  private boolean issuerUnreachableThenBack() {
    FakeClock clock = FakeClock.at(Instant.now());
    RefusingPort closed = RefusingPort.open();
    int port = closed.port();
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "issuer-uri", "http://127.0.0.1:" + port);
    p.put(G + "client-id", "app");
    p.put(G + "client-secret", Secrets.CLIENT_SECRET);

    try (ConfigurableApplicationContext app =
        Apps.builder(PlainApp.class, WebApplicationType.NONE, p)
            .initializers(
                context -> {
                  context.getBeanFactory().registerSingleton("clock", clock);
                  context
                      .getBeanFactory()
                      .registerSingleton(
                          "noRetries",
                          (TokenBrokerCustomizer) b -> b.retryPolicy(RetryPolicy.none()));
                })
            .run()) {
      TokenBroker broker = app.getBean(TokenBroker.class);

      TransientTokenException down =
          assertThrows(TransientTokenException.class, () -> broker.accessToken(REPORTING));
      assertTrue(down.getMessage().contains("metadata request"), down.getMessage());

      closed.close();
      FakeAuthorizationServer back;
      try {
        back = FakeAuthorizationServer.builder().port(port).start();
      } catch (UncheckedIOException e) {
        if (e.getCause() instanceof BindException) {
          return false;
        }
        throw e;
      }
      server.close();
      server = back;
      server.registerClient("app", Secrets.CLIENT_SECRET);
      clock.advance(Duration.ofMinutes(1)); // past the broker's back-off after a failure

      String token = broker.accessToken(REPORTING).revealValue();

      assertTrue(server.issuedAccessTokens().contains(token));
      return true;
    } finally {
      closed.close();
    }
  }

  @Test
  void theKeyFileIsReadAtStartUpAndNeverPrinted() throws Exception {
    KeyPair rsa = TestKeys.rsa();
    String pemText = TestKeys.pkcs8Pem(rsa.getPrivate());
    Path pem = Files.writeString(dir.resolve("k.pem"), pemText);
    server.registerClient("signer", rsa.getPublic(), null);
    Map<String, String> p = new LinkedHashMap<>();
    p.put(G + "grant-type", "client-credentials");
    p.put(G + "token-uri", server.tokenEndpoint().toString());
    p.put(G + "client-id", "signer");
    p.put(G + "client-authentication", "private-key-jwt");
    p.put(G + "private-key-location", pem.toUri().toString());

    try (ConfigurableApplicationContext app = run(p)) {
      Files.delete(pem); // loaded once, at start-up
      TokenBroker broker = app.getBean(TokenBroker.class);
      broker.accessToken(REPORTING);
      String described =
          app.getBean(TokenBrokerProperties.class).toString()
              + app.getBean(TokenBrokerProperties.class).getGrants().get("reporting")
              + broker;
      assertFalse(described.contains(pemText.lines().skip(1).findFirst().orElseThrow()));
    }
  }
}
