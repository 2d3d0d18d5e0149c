package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientAuthenticationTest {
  /** Reserved and non-ASCII characters in both halves of the credentials. */
  private static final String ID = "app:id%20+ é/ü";

  private static final String SECRET = "s:e%cr+t ✓=&";

  private final Http http = new Http();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.start().registerClient(ID, SECRET).registerClient("plain", "pw");

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void basicWithFormEncodedReservedCharactersAuthenticates() throws Exception {
    Http.Response r = http.clientCredentials(server, ID, SECRET);
    assertEquals(200, r.status(), r.body());
    assertEquals(ID, server.introspect(r.json().get("access_token").asText()).clientId());
  }

  @Test
  void basicWithoutFormEncodingIsRejected() throws Exception {
    // A client that skips RFC 6749 §2.3.1 would send the raw pair; '+' then decodes to a space.
    server.registerClient("a+b", "c+d");
    String raw = "Basic " + Base64.getEncoder().encodeToString("a+b:c+d".getBytes(UTF_8));
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials"),
            "Authorization",
            raw);
    assertEquals(401, r.status());
    assertEquals("invalid_client", r.error());
  }

  @Test
  void clientSecretPostAuthenticates() throws Exception {
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_id", ID, "client_secret", SECRET));
    assertEquals(200, r.status(), r.body());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    "wrong secret,    plain, nope",
    "unknown client,  ghost, pw",
    "empty secret,    plain, ''",
  })
  void badBasicCredentialsAre401WithChallenge(String why, String id, String secret)
      throws Exception {
    Http.Response r = http.clientCredentials(server, id, secret);
    assertEquals(401, r.status(), why);
    assertEquals("invalid_client", r.error());
    assertTrue(r.header("WWW-Authenticate").startsWith("Basic"));
    assertTrue(server.issuedAccessTokens().isEmpty());
  }

  @Test
  void missingCredentialsAre401() throws Exception {
    Http.Response r =
        http.postForm(server.tokenEndpoint(), params("grant_type", "client_credentials"));
    assertEquals(401, r.status());
    assertEquals("invalid_client", r.error());
    assertTrue(r.header("WWW-Authenticate").startsWith("Basic"));
  }

  @Test
  void confidentialClientWithOnlyClientIdIs401() throws Exception {
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_id", "plain"));
    assertEquals(401, r.status());
  }

  @Test
  void malformedBasicHeaderIs401() throws Exception {
    for (String header :
        new String[] {"Basic !!!notbase64", "Basic " + b64("no-colon"), "Bearer x"}) {
      Http.Response r =
          http.postForm(
              server.tokenEndpoint(),
              params("grant_type", "client_credentials"),
              "Authorization",
              header);
      assertEquals(401, r.status(), header);
      assertEquals("invalid_client", r.error());
    }
  }

  @Test
  void twoAuthenticationMethodsAtOnceAreInvalidRequest() throws Exception {
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_secret", "pw"),
            "Authorization",
            basic("plain", "pw"));
    assertEquals(400, r.status());
    assertEquals("invalid_request", r.error());
  }

  @Test
  void clientIdParameterMustMatchBasicCredentials() throws Exception {
    Http.Response same =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_id", "plain"),
            "Authorization",
            basic("plain", "pw"));
    assertEquals(200, same.status());
    Http.Response other =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_id", ID),
            "Authorization",
            basic("plain", "pw"));
    assertEquals(401, other.status());
  }

  @Test
  void publicClientAuthenticatesWithClientIdAloneAndRejectsASecret() throws Exception {
    server.registerPublicClient("cli");
    // Public clients reach the grant logic (and fail there for client_credentials), not a 401.
    Http.Response idOnly =
        http.postForm(
            server.tokenEndpoint(), params("grant_type", "client_credentials", "client_id", "cli"));
    assertEquals("unauthorized_client", idOnly.error());
    Http.Response emptySecret =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials"),
            "Authorization",
            basic("cli", ""));
    assertEquals("unauthorized_client", emptySecret.error());
    Http.Response withSecret =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "client_credentials", "client_id", "cli", "client_secret", "x"));
    assertEquals(401, withSecret.status());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(UTF_8));
  }
}
