package io.tokenbroker.spring;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.SecureUrls;
import java.io.IOException;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Sends {@code RestClient} and {@code RestTemplate} requests with a grant's access token.
 *
 * <pre>{@code
 * RestClient api = RestClient.builder()
 *     .baseUrl("https://api.example")
 *     .requestInterceptor(TokenBrokerInterceptor.forGrant(broker, "reporting"))
 *     .build();
 * }</pre>
 *
 * <ul>
 *   <li>Sets {@code Authorization: Bearer ...} (replacing any such header) with the broker's token:
 *       cached, refreshed ahead of expiry, one token request however many requests run at once.
 *   <li>On a 401 answer, asks the broker for a new token only if the rejected one is still current
 *       ({@link TokenBroker#refreshIfCurrent}), so many requests failing together cause one
 *       refresh, and retries once; the retry's answer is returned whatever it is.
 *   <li>Refuses to send the token to a plain {@code http} URL other than a loopback host.
 * </ul>
 *
 * <p>Failures to get a token are the broker's unchecked {@code TokenBrokerException}s ({@code
 * InvalidGrantException} when the grant needs a new consent); they propagate from the call. The
 * request body is sent again on the retry, so it must be buffered (it is, for {@code byte[]}
 * bodies, which is what interceptors see). On Spring Framework 6 (Boot 3) the retry skips
 * interceptors registered after this one: register it last. Thread-safe.
 */
public final class TokenBrokerInterceptor implements ClientHttpRequestInterceptor {
  private final TokenBroker broker;
  private final GrantKey key;

  private TokenBrokerInterceptor(TokenBroker broker, GrantKey key) {
    this.broker = requireNonNull(broker, "broker == null");
    this.key = requireNonNull(key, "key == null");
  }

  /** An interceptor for the grant named {@code grant} (its key in the store). */
  public static TokenBrokerInterceptor forGrant(TokenBroker broker, String grant) {
    return new TokenBrokerInterceptor(broker, GrantKey.of(requireNonNull(grant, "grant == null")));
  }

  /** An interceptor for the grant {@code key}. */
  public static TokenBrokerInterceptor forGrant(TokenBroker broker, GrantKey key) {
    return new TokenBrokerInterceptor(broker, key);
  }

  @Override
  public ClientHttpResponse intercept(
      HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
    SecureUrls.requireSecure(request.getURI());
    AccessToken token = broker.accessToken(key);
    request.getHeaders().setBearerAuth(token.revealValue());
    ClientHttpResponse response = execution.execute(request, body);
    if (response.getStatusCode().value() != 401) {
      return response;
    }
    response.close();
    AccessToken fresh = broker.refreshIfCurrent(key, token);
    request.getHeaders().setBearerAuth(fresh.revealValue());
    return execution.execute(request, body);
  }

  @Override
  public String toString() {
    return "TokenBrokerInterceptor[" + key + "]";
  }
}
