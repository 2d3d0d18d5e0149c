package io.tokenbroker.oauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.FakeAuthorizationServer.MetadataDocuments;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Provider#discover}: RFC 8414 and OpenID metadata, lazily, cached, retried, checked. */
class DiscoveryTest {
  private static final String CLIENT_ID = "discovering-client";
  private static final String SECRET = "discovery-secret-0123456789";

  private final FakeClock clock = FakeClock.create();
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private FakeAuthorizationServer server;

  private FakeAuthorizationServer start(FakeAuthorizationServer.Builder builder) {
    server = builder.clock(clock).start();
    server.registerClient(CLIENT_ID, SECRET);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TokenClient client(Provider provider) {
    return TokenClient.builder(ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)))
        .clock(clock)
        .scheduler(new SleepHook(clock, sleeps::add))
        .build();
  }

  private List<String> metadataPaths() {
    return server.requests().stream()
        .map(RecordedRequest::path)
        .filter(path -> path.contains("/.well-known/"))
        .toList();
  }

  @Test
  void insertsTheIssuerPathAfterTheWellKnownPrefix() {
    start(FakeAuthorizationServer.builder().issuerPath("/tenant"));
    Provider provider = Provider.discover(server.issuer());

    TokenSet tokens = client(provider).clientCredentials();

    assertEquals(server.lastAccessToken(), tokens.accessToken().revealValue());
    assertEquals(List.of("/.well-known/oauth-authorization-server/tenant"), metadataPaths());
    assertEquals(server.tokenEndpoint(), provider.tokenEndpoint());
    assertEquals(server.authorizationEndpoint(), provider.authorizationEndpoint().orElseThrow());
    assertEquals(server.revocationEndpoint(), provider.revocationEndpoint().orElseThrow());
    assertEquals(
        server.deviceAuthorizationEndpoint(), provider.deviceAuthorizationEndpoint().orElseThrow());
    assertEquals(
        server.pushedAuthorizationRequestEndpoint(),
        provider.pushedAuthorizationRequestEndpoint().orElseThrow());
    assertEquals(server.issuer(), provider.issuer().orElseThrow());
  }

  @Test
  void fallsBackToOpenIdConfigurationAppendedToTheIssuer() {
    start(
        FakeAuthorizationServer.builder()
            .issuerPath("/realms/acme")
            .metadataDocuments(MetadataDocuments.OPENID_ONLY));

    client(Provider.discover(server.issuer())).clientCredentials();

    assertEquals(
        List.of(
            "/.well-known/oauth-authorization-server/realms/acme",
            "/realms/acme/.well-known/openid-configuration"),
        metadataPaths());
  }

  @Test
  void noMetadataAnywhereIsAConfigurationError() {
    start(FakeAuthorizationServer.builder().metadataDocuments(MetadataDocuments.NONE));

    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () -> client(Provider.discover(server.issuer())).clientCredentials());

    assertTrue(e.getMessage().contains("no authorization server metadata"), e.getMessage());
    assertEquals(0, server.tokenRequestCount());
  }

  @Test
  void anotherIssuerInTheDocumentIsRefused() {
    start(FakeAuthorizationServer.builder());
    server.enqueue(Fault.successWith("issuer", "https://attacker.example").on("/.well-known/"));

    ClientConfigurationException e =
        assertThrows(
            ClientConfigurationException.class,
            () -> client(Provider.discover(server.issuer())).clientCredentials());

    assertTrue(e.getMessage().contains("RFC 8414"), e.getMessage());
    assertEquals(0, server.tokenRequestCount(), "no token request to an unverified server");
  }

  @Test
  void aTrailingSlashMakesAnotherIssuer() {
    start(FakeAuthorizationServer.builder());
    URI withSlash = URI.create(server.issuer() + "/");

    assertThrows(
        ClientConfigurationException.class,
        () -> client(Provider.discover(withSlash)).clientCredentials());
  }

  @Test
  void nothingIsFetchedBeforeFirstUseAndTheResultIsCached() {
    start(FakeAuthorizationServer.builder());
    Provider provider = Provider.discover(server.issuer());
    TokenBroker broker = TokenBroker.builder().clock(clock).build();
    GrantKey key = GrantKey.of("discovered/service");
    broker.register(
        key,
        ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET)),
        GrantType.CLIENT_CREDENTIALS);

    assertEquals(0, server.requestCount(), "register and discover do no I/O");
    broker.accessToken(key);
    broker.forceRefresh(key);
    client(provider).clientCredentials();

    assertEquals(1, metadataPaths().size(), "fetched once for the provider");
    assertEquals(3, server.tokenRequestCount());
    broker.close();
  }

  @Test
  void anUnreachableServerAtFirstUseIsTransientAndTriedAgainLater() {
    start(FakeAuthorizationServer.builder());
    Provider provider = Provider.discover(server.issuer());
    for (int i = 0; i < 3; i++) {
      server.enqueue(Fault.status(503).on("/.well-known/"));
    }

    TransientTokenException e =
        assertThrows(TransientTokenException.class, () -> client(provider).clientCredentials());

    assertEquals(TransientTokenException.Kind.SERVER_ERROR, e.kind());
    assertEquals(2, sleeps.size(), "retried with back-off");
    assertEquals(0, server.tokenRequestCount());
    // The failure is not cached: the next call discovers and succeeds.
    client(provider).clientCredentials();
    assertEquals(1, server.tokenRequestCount());
  }

  @Test
  void explicitEndpointsOverrideDiscoveredOnes() {
    start(FakeAuthorizationServer.builder());
    Provider provider =
        Provider.discover(server.issuer()).toBuilder()
            .tokenEndpoint(server.refreshEndpoint())
            .build();

    client(provider).clientCredentials();

    assertEquals(server.refreshEndpoint(), provider.tokenEndpoint());
    assertEquals(
        "/refresh",
        server.requests().stream()
            .map(RecordedRequest::path)
            .filter(p -> !p.contains("well-known"))
            .findFirst()
            .orElseThrow());
    assertEquals(server.revocationEndpoint(), provider.revocationEndpoint().orElseThrow());
  }

  @Test
  void metadataWithPlainHttpEndpointsElsewhereIsRefused() {
    start(FakeAuthorizationServer.builder());
    for (int i = 0; i < 3; i++) {
      server.enqueue(
          Fault.successWith("token_endpoint", "http://login.example.com/token")
              .on("/.well-known/"));
    }

    TransientTokenException e =
        assertThrows(
            TransientTokenException.class,
            () -> client(Provider.discover(server.issuer())).clientCredentials());

    assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, e.kind());
    assertFalse(e.getMessage().contains("login.example.com"), e.getMessage());
  }

  @Test
  void discoveryNeedsASecureIssuer() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Provider.discover(URI.create("http://login.example.com")));
    assertThrows(
        IllegalArgumentException.class,
        () -> Provider.discover(URI.create("https://login.example.com/?tenant=1")));
  }
}
