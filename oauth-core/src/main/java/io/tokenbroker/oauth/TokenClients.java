package io.tokenbroker.oauth;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Builds the token clients of a broker's grants and templates, all with the broker's clock,
 * scheduler, retry policy, request timeout and HTTP client, after checking that a registration can
 * renew its grants.
 */
final class TokenClients {
  private final BrokerSettings settings;
  private final RetryPolicy retryPolicy;
  private final Duration requestTimeout;
  private final HttpClient httpClient;
  private final @Nullable RandomGenerator random;

  TokenClients(
      BrokerSettings settings,
      RetryPolicy retryPolicy,
      Duration requestTimeout,
      HttpClient httpClient,
      @Nullable RandomGenerator random) {
    this.settings = settings;
    this.retryPolicy = retryPolicy;
    this.requestTimeout = requestTimeout;
    this.httpClient = httpClient;
    this.random = random;
  }

  /**
   * Checks that {@code registration} can renew {@code type} grants; builds its token client.
   *
   * @param what names the grant or template in an error
   * @throws ClientConfigurationException if it cannot
   */
  TokenClient checkedClient(String what, ClientRegistration registration, GrantType type) {
    Provider provider = registration.provider();
    // The renewal path must work without surprises: client credentials and JWT bearer re-run the
    // token request, consent grants refresh.
    ClientAuthentication renewal =
        type.renewsByItself()
            ? provider.clientAuthentication()
            : provider.refreshClientAuthentication();
    String missing =
        registration.clientSecret() == null && renewal.needsClientSecret()
            ? "a client secret"
            : registration.clientKey() == null && renewal.needsClientKey() ? "a client key" : null;
    if (missing != null) {
      throw new ClientConfigurationException(
          what
              + ": provider '"
              + provider.name()
              + "' authenticates clients with "
              + renewal
              + ", which needs "
              + missing
              + ", and the registration has none");
    }
    if (type == GrantType.JWT_BEARER
        && (registration.clientKey() == null || registration.assertionSubject() == null)) {
      throw new ClientConfigurationException(
          what
              + ": the JWT-bearer grant needs the registration's client key and assertion subject");
    }
    TokenClient.Builder clientBuilder =
        TokenClient.builder(registration)
            .clock(settings.clock)
            .retryPolicy(retryPolicy)
            .requestTimeout(requestTimeout)
            .scheduler(settings.scheduler)
            .httpClient(httpClient);
    if (random != null) {
      clientBuilder.random(random);
    }
    return clientBuilder.build();
  }
}
