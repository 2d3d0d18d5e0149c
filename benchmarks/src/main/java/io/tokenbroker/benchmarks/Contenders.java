package io.tokenbroker.benchmarks;

import com.google.api.client.auth.oauth2.BearerToken;
import com.google.api.client.auth.oauth2.ClientCredentialsTokenRequest;
import com.google.api.client.auth.oauth2.Credential;
import com.google.api.client.auth.oauth2.TokenResponse;
import com.google.api.client.http.BasicAuthentication;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.gson.GsonFactory;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;

/**
 * The fake authorization server plus each library set up against it the way its documentation
 * suggests: tokenbroker's {@code TokenBroker}, google-oauth-client's {@code Credential}, and Spring
 * Security's {@code AuthorizedClientServiceOAuth2AuthorizedClientManager} with the in-memory
 * authorized-client service. Shared by the benchmarks so all of them measure the same setup.
 */
final class Contenders {
  static final String CLIENT_ID = "bench-client";
  static final String CLIENT_SECRET = "bench-secret-0123456789";
  static final String SPRING_REGISTRATION = "fake";
  static final String PRINCIPAL = "bench-user";

  private Contenders() {}

  /** A fake server issuing 1-hour tokens, with refresh tokens on client credentials too. */
  static FakeAuthorizationServer server() {
    FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .accessTokenLifetime(Duration.ofHours(1))
            .clientCredentialsRefreshToken(true)
            .start();
    server.registerClient(CLIENT_ID, CLIENT_SECRET);
    return server;
  }

  static ClientRegistration registration(FakeAuthorizationServer server) {
    Provider provider =
        Provider.builder("fake")
            .authorizationEndpoint(server.authorizationEndpoint())
            .tokenEndpoint(server.tokenEndpoint())
            .build();
    return ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(CLIENT_SECRET));
  }

  // ---- google-oauth-client

  static final NetHttpTransport GOOGLE_TRANSPORT = new NetHttpTransport();

  /** A {@code Credential} holding a fresh token set obtained from {@code server}. */
  static Credential googleCredential(FakeAuthorizationServer server) {
    GenericUrl tokenUrl = new GenericUrl(server.tokenEndpoint().toString());
    BasicAuthentication auth = new BasicAuthentication(CLIENT_ID, CLIENT_SECRET);
    try {
      TokenResponse response =
          new ClientCredentialsTokenRequest(
                  GOOGLE_TRANSPORT, GsonFactory.getDefaultInstance(), tokenUrl)
              .setClientAuthentication(auth)
              .execute();
      return new Credential.Builder(BearerToken.authorizationHeaderAccessMethod())
          .setTransport(GOOGLE_TRANSPORT)
          .setJsonFactory(GsonFactory.getDefaultInstance())
          .setTokenServerUrl(tokenUrl)
          .setClientAuthentication(auth)
          .build()
          .setFromTokenResponse(response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- Spring Security

  /** Spring's manager and what it needs, for one client-credentials registration. */
  record Spring(
      AuthorizedClientServiceOAuth2AuthorizedClientManager manager,
      InMemoryOAuth2AuthorizedClientService service,
      org.springframework.security.oauth2.client.registration.ClientRegistration registration,
      OAuth2AuthorizeRequest request) {

    /** Authorizes through the manager (the first call fetches a token from the server). */
    OAuth2AuthorizedClient authorize() {
      OAuth2AuthorizedClient client = manager.authorize(request);
      if (client == null) {
        throw new IllegalStateException("Spring did not authorize the client");
      }
      return client;
    }
  }

  static Spring spring(FakeAuthorizationServer server) {
    var builder =
        org.springframework.security.oauth2.client.registration.ClientRegistration
            .withRegistrationId(SPRING_REGISTRATION)
            .clientId(CLIENT_ID)
            .clientSecret(CLIENT_SECRET)
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .tokenUri(server.tokenEndpoint().toString());
    var registration = builder.build();
    var repository = new InMemoryClientRegistrationRepository(registration);
    var service = new InMemoryOAuth2AuthorizedClientService(repository);
    var manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(repository, service);
    manager.setAuthorizedClientProvider(
        OAuth2AuthorizedClientProviderBuilder.builder().clientCredentials().build());
    OAuth2AuthorizeRequest request =
        OAuth2AuthorizeRequest.withClientRegistrationId(SPRING_REGISTRATION)
            .principal(PRINCIPAL)
            .build();
    return new Spring(manager, service, registration, request);
  }
}
