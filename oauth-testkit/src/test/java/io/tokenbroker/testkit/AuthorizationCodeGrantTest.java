package io.tokenbroker.testkit;

import static io.tokenbroker.testkit.Http.basic;
import static io.tokenbroker.testkit.Http.params;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AuthorizationCodeGrantTest {
  private static final String REDIRECT = "http://127.0.0.1:4567/callback";
  private static final String OOB = "urn:ietf:wg:oauth:2.0:oob";
  private static final String VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  /** RFC 7636 Appendix B. */
  private static final String S256_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  private final Http http = new Http();
  private final FakeClock clock = FakeClock.create();
  private FakeAuthorizationServer server =
      FakeAuthorizationServer.builder()
          .clock(clock)
          .start()
          .registerClient("app", "secret", REDIRECT, OOB)
          .registerClient("other", "secret2");

  @AfterEach
  void close() {
    server.close();
  }

  private Http.Response authorize(String... namesAndValues) throws Exception {
    return http.get(
        URI.create(server.authorizationEndpoint() + "?" + Http.form(params(namesAndValues))));
  }

  private Map<String, String> redirectParams(Http.Response r) {
    assertEquals(302, r.status(), r.body());
    String location = r.header("Location");
    assertNotNull(location);
    return Http.query(URI.create(location));
  }

  private String code(String... extra) throws Exception {
    Map<String, String> p =
        new LinkedHashMap<>(
            params("response_type", "code", "client_id", "app", "redirect_uri", REDIRECT));
    p.putAll(params(extra));
    Http.Response r = http.get(URI.create(server.authorizationEndpoint() + "?" + Http.form(p)));
    return redirectParams(r).get("code");
  }

  private Http.Response redeem(String code, String... extra) throws Exception {
    Map<String, String> p =
        new LinkedHashMap<>(params("grant_type", "authorization_code", "code", code));
    p.putAll(params(extra));
    return http.postForm(server.tokenEndpoint(), p, "Authorization", basic("app", "secret"));
  }

  @Test
  void fullFlowWithS256Pkce() throws Exception {
    Http.Response r =
        authorize(
            "response_type", "code",
            "client_id", "app",
            "redirect_uri", REDIRECT,
            "state", "xyz 1",
            "scope", "read",
            "code_challenge", S256_CHALLENGE,
            "code_challenge_method", "S256");
    assertTrue(r.header("Location").startsWith(REDIRECT + "?code="));
    Map<String, String> callback = redirectParams(r);
    assertEquals("xyz 1", callback.get("state"));
    String code = callback.get("code");
    assertEquals(List.of(code), server.issuedAuthorizationCodes());

    Http.Response token = redeem(code, "redirect_uri", REDIRECT, "code_verifier", VERIFIER);
    assertEquals(200, token.status(), token.body());
    JsonNode json = token.json();
    assertEquals("Bearer", json.get("token_type").asText());
    assertEquals("read", json.get("scope").asText());
    assertEquals(server.lastRefreshToken(), json.get("refresh_token").asText());
    assertTrue(server.isGrantAlive(json.get("refresh_token").asText()));
    assertEquals(1, server.tokenRequestCount("authorization_code"));
  }

  @Test
  void stateIsEchoedOnlyWhenSent() throws Exception {
    Map<String, String> callback =
        redirectParams(
            authorize("response_type", "code", "client_id", "app", "redirect_uri", REDIRECT));
    assertFalse(callback.containsKey("state"));
    assertNotNull(callback.get("code"));
  }

  @Test
  void plainPkce() throws Exception {
    String code = code("code_challenge", VERIFIER, "code_challenge_method", "plain");
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT, "code_verifier", VERIFIER).status());
    String implicitPlain = code("code_challenge", VERIFIER);
    assertEquals(
        200, redeem(implicitPlain, "redirect_uri", REDIRECT, "code_verifier", VERIFIER).status());
  }

  @Test
  void pkceMismatchesAreInvalidGrant() throws Exception {
    String code = code("code_challenge", S256_CHALLENGE, "code_challenge_method", "S256");
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT));
    assertInvalidGrant(
        redeem(code, "redirect_uri", REDIRECT, "code_verifier", VERIFIER.replace('d', 'e')));
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT, "code_verifier", S256_CHALLENGE));
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT, "code_verifier", "short"));
    // A failed attempt does not burn the code.
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT, "code_verifier", VERIFIER).status());
    assertEquals(4, server.invalidGrantCount());
  }

  @Test
  void verifierWithoutChallengeIsRejected() throws Exception {
    String code = code();
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT, "code_verifier", VERIFIER));
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT).status());
  }

  @Test
  void s256OfARandomVerifierMatches() throws Exception {
    String verifier = "a".repeat(20) + "-._~" + "Z9".repeat(20);
    String challenge =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(US_ASCII)));
    String code = code("code_challenge", challenge, "code_challenge_method", "S256");
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT, "code_verifier", verifier).status());
  }

  @Test
  void codeIsSingleUseAndReuseRevokesItsGrant() throws Exception {
    String code = code();
    JsonNode first = redeem(code, "redirect_uri", REDIRECT).json();
    String access = first.get("access_token").asText();
    String refresh = first.get("refresh_token").asText();
    assertTrue(server.introspect(access).active());

    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT));

    assertFalse(server.isGrantAlive(refresh));
    assertFalse(server.introspect(access).active());
    assertInvalidGrant(http.refresh(server, "app", "secret", refresh));
  }

  @Test
  void codeExpiresAfterTenMinutesByTheClock() throws Exception {
    String fresh = code();
    String stale = code();
    clock.advance(Duration.ofMinutes(10).minusSeconds(1));
    assertEquals(200, redeem(fresh, "redirect_uri", REDIRECT).status());
    clock.advance(Duration.ofSeconds(1));
    assertInvalidGrant(redeem(stale, "redirect_uri", REDIRECT));
  }

  @Test
  void codeLifetimeIsConfigurable() throws Exception {
    server.close();
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .authorizationCodeLifetime(Duration.ofSeconds(30))
            .start()
            .registerClient("app", "secret", REDIRECT);
    String code = code();
    clock.advance(Duration.ofSeconds(30));
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT));
  }

  @Test
  void redirectUriMustMatchWhenItWasSent() throws Exception {
    String code = code();
    assertInvalidGrant(redeem(code));
    assertInvalidGrant(redeem(code, "redirect_uri", REDIRECT + "/"));
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT).status());
  }

  @Test
  void redirectUriMayBeOmittedWhenTheClientHasExactlyOne() throws Exception {
    server.registerClient("single", "pw", REDIRECT);
    Http.Response r = authorize("response_type", "code", "client_id", "single");
    String code = redirectParams(r).get("code");
    assertTrue(r.header("Location").startsWith(REDIRECT));
    Http.Response token =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "authorization_code", "code", code),
            "Authorization",
            basic("single", "pw"));
    assertEquals(200, token.status(), token.body());
  }

  @Test
  void codeIssuedToAnotherClientIsInvalidGrant() throws Exception {
    String code = code();
    Http.Response r =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT),
            "Authorization",
            basic("other", "secret2"));
    assertInvalidGrant(r);
  }

  @Test
  void unknownCodeAndMissingCode() throws Exception {
    assertInvalidGrant(redeem("nope"));
    Http.Response missing =
        http.postForm(
            server.tokenEndpoint(),
            params("grant_type", "authorization_code"),
            "Authorization",
            basic("app", "secret"));
    assertEquals("invalid_request", missing.error());
  }

  @Test
  void publicClientRedeemsWithClientIdAndPkce() throws Exception {
    server.registerPublicClient("cli", REDIRECT);
    Http.Response r =
        authorize(
            "response_type", "code",
            "client_id", "cli",
            "redirect_uri", REDIRECT,
            "code_challenge", S256_CHALLENGE,
            "code_challenge_method", "S256");
    String code = redirectParams(r).get("code");
    Http.Response token =
        http.postForm(
            server.tokenEndpoint(),
            params(
                "grant_type", "authorization_code",
                "code", code,
                "client_id", "cli",
                "redirect_uri", REDIRECT,
                "code_verifier", VERIFIER));
    assertEquals(200, token.status(), token.body());
  }

  @Test
  void denyRedirectsWithAccessDeniedAndState() throws Exception {
    server.setAuthorizationDecision(FakeAuthorizationServer.Decision.DENY);
    Map<String, String> callback =
        redirectParams(
            authorize(
                "response_type",
                "code",
                "client_id",
                "app",
                "redirect_uri",
                REDIRECT,
                "state",
                "s1"));
    assertEquals("access_denied", callback.get("error"));
    assertEquals("s1", callback.get("state"));
    assertFalse(callback.containsKey("code"));
    assertTrue(server.issuedAuthorizationCodes().isEmpty());
  }

  @Test
  void outOfBandShowsTheCodeInAnHtmlPage() throws Exception {
    Http.Response r =
        authorize("response_type", "code", "client_id", "app", "redirect_uri", OOB, "state", "<s>");
    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/html"));
    Matcher m = Pattern.compile("<code id=\"code\">([^<]+)</code>").matcher(r.body());
    assertTrue(m.find(), r.body());
    String code = m.group(1);
    assertEquals(server.issuedAuthorizationCodes().get(0), code);
    assertTrue(r.body().contains("&lt;s&gt;"), "state is escaped");
    assertEquals(200, redeem(code, "redirect_uri", OOB).status());
  }

  @Test
  void outOfBandDenyShowsTheError() throws Exception {
    server.setAuthorizationDecision(FakeAuthorizationServer.Decision.DENY);
    Http.Response r = authorize("response_type", "code", "client_id", "app", "redirect_uri", OOB);
    assertEquals(400, r.status());
    assertTrue(r.body().contains("<p id=\"error\">access_denied</p>"), r.body());
  }

  @Test
  void clientAndRedirectProblemsAreShownNotRedirected() throws Exception {
    Http.Response unregistered =
        authorize(
            "response_type", "code", "client_id", "app", "redirect_uri", "https://evil.example/cb");
    assertEquals(400, unregistered.status());
    assertNull(unregistered.header("Location"));
    assertTrue(unregistered.body().contains("id=\"error\""));

    Http.Response unknownClient =
        authorize("response_type", "code", "client_id", "ghost", "redirect_uri", REDIRECT);
    assertEquals(400, unknownClient.status());
    assertNull(unknownClient.header("Location"));

    Http.Response noClientId = authorize("response_type", "code", "redirect_uri", REDIRECT);
    assertEquals(400, noClientId.status());

    Http.Response fragment =
        authorize("response_type", "code", "client_id", "other", "redirect_uri", REDIRECT + "#f");
    assertEquals(400, fragment.status());
  }

  @Test
  void clientWithoutRegisteredRedirectsAcceptsAnyAbsoluteUri() throws Exception {
    Map<String, String> callback =
        redirectParams(
            authorize(
                "response_type", "code",
                "client_id", "other",
                "redirect_uri", "https://app.example/cb?tenant=7"));
    assertEquals("7", callback.get("tenant"));
    assertNotNull(callback.get("code"));
  }

  @Test
  void requestProblemsAreRedirectedWithState() throws Exception {
    assertEquals(
        "unsupported_response_type",
        redirectParams(
                authorize(
                    "response_type",
                    "token",
                    "client_id",
                    "app",
                    "redirect_uri",
                    REDIRECT,
                    "state",
                    "s"))
            .get("error"));
    assertEquals(
        "invalid_request",
        redirectParams(authorize("client_id", "app", "redirect_uri", REDIRECT)).get("error"));
    Map<String, String> badMethod =
        redirectParams(
            authorize(
                "response_type", "code",
                "client_id", "app",
                "redirect_uri", REDIRECT,
                "state", "s",
                "code_challenge", S256_CHALLENGE,
                "code_challenge_method", "S512"));
    assertEquals("invalid_request", badMethod.get("error"));
    assertEquals("s", badMethod.get("state"));
  }

  @Test
  void authorizeWithoutClientIdWhenConfigured() throws Exception {
    server.close();
    server =
        FakeAuthorizationServer.builder()
            .clock(clock)
            .requireClientIdOnAuthorize(false)
            .start()
            .registerClient("app", "secret");
    Http.Response r =
        authorize("name", "YourAppName", "response_type", "code", "redirect_uri", REDIRECT);
    String code = redirectParams(r).get("code");
    assertEquals(200, redeem(code, "redirect_uri", REDIRECT).status());
  }

  private void assertInvalidGrant(Http.Response r) {
    assertEquals(400, r.status(), r.body());
    assertEquals("invalid_grant", r.error());
  }
}
