package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer.ClientAuthMethod;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The planted fault of the audit: a client that copies the refresh token, code, verifier or client
 * secret into the token URL (where access logs and proxies keep them). The fake used to merge query
 * and body and so passed such a client; each test here is that client, and it must now get 400
 * {@code invalid_request} with nothing consumed.
 */
class MisplacedParameterTest {
  private static final String REDIRECT = "http://127.0.0.1:4567/callback";
  private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  private static final String S256_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  private final Http http = new Http();
  private final FakeAuthorizationServer server =
      FakeAuthorizationServer.builder()
          .clientCredentialsRefreshToken(true)
          .start()
          .registerClient("app", "secret", REDIRECT)
          .registerClient("basic-only", "secret-b", ClientAuthMethod.CLIENT_SECRET_BASIC)
          .registerClient("post-only", "secret-p", ClientAuthMethod.CLIENT_SECRET_POST);

  @AfterEach
  void close() {
    server.close();
  }

  /** The same parameters in the form body and, copied, in the URL. */
  private Http.Response copiedIntoTheUrl(URI endpoint, Map<String, String> body, String... copied)
      throws Exception {
    Map<String, String> query = new LinkedHashMap<>();
    for (String name : copied) {
      query.put(name, body.get(name));
    }
    return http.postForm(
        URI.create(endpoint + "?" + Http.form(query)),
        body,
        "Authorization",
        basic("app", "secret"));
  }

  private static void assertRefused(Http.Response r, String parameter) {
    assertEquals(400, r.status(), r.body());
    assertEquals("invalid_request", r.error());
    String description = r.json().get("error_description").asText();
    assertTrue(description.contains(parameter) && description.contains("not the URL"), description);
  }

  private String refreshToken() throws Exception {
    Http.Response r = http.clientCredentials(server, "app", "secret");
    assertEquals(200, r.status(), r.body());
    return r.json().get("refresh_token").asText();
  }

  @Test
  void aRefreshTokenCopiedIntoTheUrlIsRefusedAndNotSpent() throws Exception {
    String refreshToken = refreshToken();
    Http.Response r =
        copiedIntoTheUrl(
            server.tokenEndpoint(),
            params("grant_type", "refresh_token", "refresh_token", refreshToken),
            "refresh_token");
    assertRefused(r, "refresh_token");
    assertTrue(server.introspect(refreshToken).active(), "the refresh token was not spent");
    assertEquals(200, http.refresh(server, "app", "secret", refreshToken).status());
  }

  @Test
  void aRefreshTokenOnlyInTheUrlIsRefusedToo() throws Exception {
    String refreshToken = refreshToken();
    Http.Response r =
        http.postForm(
            URI.create(server.refreshEndpoint() + "?refresh_token=" + refreshToken),
            params(),
            "Authorization",
            basic("app", "secret"));
    assertRefused(r, "refresh_token");
    assertTrue(server.introspect(refreshToken).active());
  }

  @Test
  void aCodeAndVerifierCopiedIntoTheUrlAreRefusedAndTheCodeStaysRedeemable() throws Exception {
    Http.Response consent =
        http.get(
            URI.create(
                server.authorizationEndpoint()
                    + "?"
                    + Http.form(
                        params(
                            "response_type", "code",
                            "client_id", "app",
                            "redirect_uri", REDIRECT,
                            "code_challenge", S256_CHALLENGE,
                            "code_challenge_method", "S256"))));
    String code = Http.query(URI.create(consent.header("Location"))).get("code");
    Map<String, String> exchange =
        params(
            "grant_type", "authorization_code",
            "code", code,
            "redirect_uri", REDIRECT,
            "code_verifier", VERIFIER);

    assertRefused(copiedIntoTheUrl(server.tokenEndpoint(), exchange, "code"), "code");
    assertRefused(
        copiedIntoTheUrl(server.tokenEndpoint(), exchange, "code_verifier"), "code_verifier");
    assertEquals(0, server.invalidGrantCount(), "the code was never looked at");
    Http.Response redeemed =
        http.postForm(server.tokenEndpoint(), exchange, "Authorization", basic("app", "secret"));
    assertEquals(200, redeemed.status(), redeemed.body());
  }

  @Test
  void aClientSecretInTheUrlIsRefused() throws Exception {
    Http.Response r =
        http.postForm(
            URI.create(server.tokenEndpoint() + "?client_secret=secret"),
            params("grant_type", "client_credentials", "client_id", "app"));
    assertRefused(r, "client_secret");
    assertEquals(0, server.issuedAccessTokens().size());
  }

  @Test
  void aTokenToRevokeOrIntrospectInTheUrlIsRefused() throws Exception {
    String refreshToken = refreshToken();
    assertRefused(
        copiedIntoTheUrl(server.revocationEndpoint(), params("token", refreshToken), "token"),
        "token");
    assertTrue(server.isGrantAlive(refreshToken), "nothing was revoked");
    assertRefused(
        copiedIntoTheUrl(server.introspectionEndpoint(), params("token", refreshToken), "token"),
        "token");
  }

  @Test
  void aSecretMustTravelTheRegisteredWay() throws Exception {
    Http.Response postedByABasicClient =
        http.postForm(
            server.tokenEndpoint(),
            params(
                "grant_type",
                "client_credentials",
                "client_id",
                "basic-only",
                "client_secret",
                "secret-b"));
    assertEquals(401, postedByABasicClient.status());
    assertEquals("invalid_client", postedByABasicClient.error());
    assertEquals(200, http.clientCredentials(server, "basic-only", "secret-b").status());

    assertEquals(401, http.clientCredentials(server, "post-only", "secret-p").status());
    Http.Response posted =
        http.postForm(
            server.tokenEndpoint(),
            params(
                "grant_type",
                "client_credentials",
                "client_id",
                "post-only",
                "client_secret",
                "secret-p"));
    assertEquals(200, posted.status(), posted.body());
  }

  @Test
  void queryPlacementIsAVendorChoiceThatRefusesBodyParametersInstead() throws Exception {
    server.setParameterLocation(FakeAuthorizationServer.ParameterLocation.QUERY_STRING);
    Http.Response inTheBody = http.clientCredentials(server, "app", "secret");
    assertEquals(400, inTheBody.status());
    assertTrue(
        inTheBody.json().get("error_description").asText().contains("query string"),
        inTheBody.body());
    Http.Response inTheQuery =
        http.postForm(
            URI.create(server.tokenEndpoint() + "?grant_type=client_credentials"),
            params(),
            "Authorization",
            basic("app", "secret"));
    assertEquals(200, inTheQuery.status(), inTheQuery.body());
  }
}
