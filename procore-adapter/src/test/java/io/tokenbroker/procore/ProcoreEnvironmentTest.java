package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.ParameterPlacement;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The environments and the provider descriptors they give. */
class ProcoreEnvironmentTest {

  @Test
  void productionSandboxAndMonthlySandboxHaveTheDocumentedHosts() {
    assertHosts(Procore.production(), "https://login.procore.com", "https://api.procore.com");
    assertHosts(
        Procore.sandbox(), "https://login-sandbox.procore.com", "https://sandbox.procore.com");
    assertHosts(
        Procore.monthlySandbox(),
        "https://login-sandbox-monthly.procore.com",
        "https://api-monthly.procore.com");
    assertEquals("production", Procore.production().environment());
    assertEquals("sandbox", Procore.sandbox().environment());
    assertEquals("monthly-sandbox", Procore.monthlySandbox().environment());
  }

  private static void assertHosts(Procore procore, String login, String api) {
    assertEquals(URI.create(login), procore.loginUrl());
    assertEquals(URI.create(api), procore.apiUrl());
    Provider p = procore.provider();
    assertEquals(URI.create(login + "/oauth/authorize"), p.authorizationEndpoint().orElseThrow());
    assertEquals(URI.create(login + "/oauth/token"), p.tokenEndpoint());
    assertEquals(URI.create(login + "/oauth/token"), p.refreshEndpoint());
    assertEquals(URI.create(login + "/oauth/revoke"), p.revocationEndpoint().orElseThrow());
    assertEquals(URI.create(login + "/oauth/token/info"), procore.tokenInfoEndpoint());
    assertEquals(ClientAuthentication.CLIENT_SECRET_POST, p.clientAuthentication());
    assertEquals(ClientAuthentication.CLIENT_SECRET_POST, p.refreshClientAuthentication());
    assertEquals(ParameterPlacement.FORM_BODY, p.tokenParameters());
    assertTrue(p.refreshSendsGrantType());
    assertTrue(p.pkce(), "PKCE is sent unless a provider forbids it (Procore documents none)");
    assertEquals(Duration.ofSeconds(5400), p.defaultTokenLifetime());
    assertEquals("procore-" + procore.environment(), p.name());
  }

  @Test
  void outOfBandIsTheCliRedirect() {
    assertEquals(URI.create("urn:ietf:wg:oauth:2.0:oob"), Procore.OUT_OF_BAND);
  }

  @Test
  void grantKeysAndProviderNamesRecordTheEnvironment() {
    assertEquals(
        GrantKey.of("procore/production/company-42/ops"),
        Procore.production().grantKey("company-42/ops"));
    assertEquals(GrantKey.of("procore/sandbox/ops"), Procore.sandbox().grantKey("ops"));
    assertNotEquals(
        Procore.production().provider().name(),
        Procore.monthlySandbox().provider().name(),
        "the monthly sandbox shares production credentials but not its tokens");
    assertThrows(IllegalArgumentException.class, () -> Procore.sandbox().grantKey(" "));
  }

  @Test
  void customHostsMustBeHttpsOrLoopback() {
    Procore local =
        Procore.custom(URI.create("http://127.0.0.1:8080/"), URI.create("http://localhost:9090"));
    assertEquals("custom", local.environment());
    assertEquals(URI.create("http://127.0.0.1:8080/oauth/token"), local.tokenEndpoint());
    assertEquals(URI.create("http://localhost:9090"), local.apiUrl());
    Procore proxy =
        Procore.custom(
            "eu-proxy",
            URI.create("https://proxy.example/login"),
            URI.create("https://proxy.example/api/"));
    assertEquals(
        URI.create("https://proxy.example/login/oauth/authorize"), proxy.authorizationEndpoint());
    assertEquals(URI.create("https://proxy.example/api"), proxy.apiUrl());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Procore.custom(URI.create("http://login.example"), URI.create("https://api.example")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Procore.custom(
                URI.create("https://login.example?x=1"), URI.create("https://api.example")));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Procore.custom(
                "bad name",
                URI.create("https://login.example"),
                URI.create("https://api.example")));
  }

  @Test
  void optionsForUnconfirmedBehaviour() {
    Procore compat = Procore.production().withOAuthOnApiHost(true);
    assertEquals(
        URI.create("https://api.procore.com/oauth/token"), compat.provider().tokenEndpoint());
    assertEquals(
        URI.create("https://api.procore.com/oauth/token/info"), compat.tokenInfoEndpoint());
    assertTrue(Procore.production().withPkce(true).provider().pkce());
    assertEquals(
        ClientAuthentication.CLIENT_SECRET_BASIC,
        Procore.production()
            .withClientAuthentication(ClientAuthentication.CLIENT_SECRET_BASIC)
            .provider()
            .clientAuthentication());
    assertEquals(
        ParameterPlacement.JSON_BODY,
        Procore.production()
            .withTokenParameters(ParameterPlacement.JSON_BODY)
            .provider()
            .tokenParameters());
    assertNotEquals(Procore.production(), compat);
    assertEquals(Procore.production(), Procore.production());
  }

  @Test
  void registrationsOfAnotherEnvironmentAreRefused() {
    try (TokenBroker broker = TokenBroker.builder().build()) {
      var productionApp =
          Procore.production().registration("id", ClientSecret.of("production-secret-value"));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  Procore.sandbox()
                      .registerUser(broker, Procore.sandbox().grantKey("x"), productionApp));
      assertTrue(e.getMessage().contains("procore-production"), e.getMessage());
      assertFalse(e.getMessage().contains("production-secret-value"));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              Procore.sandbox()
                  .registerServiceAccount(broker, Procore.sandbox().grantKey("y"), productionApp));
      assertThrows(IllegalArgumentException.class, () -> Procore.sandbox().oauth(productionApp));
    }
  }

  @Test
  void toStringShowsNoSecret() {
    var app = Procore.production().registration("client", ClientSecret.of("very-secret-value"));
    assertFalse(app.toString().contains("very-secret-value"));
    assertFalse(Procore.production().oauth(app).toString().contains("very-secret-value"));
    assertTrue(Procore.production().toString().contains("production"));
  }

  @Test
  void apiVersionsParseAndPrint() {
    assertEquals("v1.0", ApiVersion.V1_0.toString());
    assertEquals(ApiVersion.V1_1, ApiVersion.of("v1.1"));
    assertEquals(new ApiVersion(2, 3), ApiVersion.of("2.3"));
    assertThrows(IllegalArgumentException.class, () -> ApiVersion.of("vapid"));
  }
}
