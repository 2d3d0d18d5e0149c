package io.tokenbroker.spring;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AuthorizationHeaders;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.DpopNonces;
import io.tokenbroker.spring.internal.SecureUrls;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
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
 *       cached, refreshed ahead of expiry, one token request however many requests run at once. For
 *       a DPoP-bound grant ({@code dpop: true}, RFC 9449), {@code Authorization: DPoP ...} and a
 *       fresh {@code DPoP} proof for the request's method and URL, carrying the resource server's
 *       latest {@code DPoP-Nonce}; a {@code 401} demanding a nonce ({@code use_dpop_nonce}) is
 *       answered with one more try.
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
  private final DpopNonces nonces = new DpopNonces();

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
    URI uri = request.getURI();
    SecureUrls.requireSecure(uri);
    String method = request.getMethod().name();
    AuthorizationHeaders headers = broker.authorizationHeaders(key, method, uri, nonces.get(uri));
    boolean refreshed = false;
    boolean nonceAnswered = false;
    while (true) {
      apply(request.getHeaders(), headers);
      ClientHttpResponse response = execution.execute(request, body);
      int status = response.getStatusCode().value();
      if (headers.isDpop()) {
        String nonce = response.getHeaders().getFirst("DPoP-Nonce");
        nonces.remember(uri, nonce);
        String demanded =
            DpopNonces.demanded(
                status, values(response.getHeaders(), HttpHeaders.WWW_AUTHENTICATE), nonce);
        if (demanded != null && !nonceAnswered) {
          nonceAnswered = true; // RFC 9449 §9: one more try with the server's nonce
          response.close();
          headers = broker.authorizationHeaders(key, method, uri, demanded);
          continue;
        }
      }
      if (status != 401 || refreshed) {
        return response;
      }
      refreshed = true;
      response.close();
      broker.refreshIfCurrent(key, headers.accessToken());
      headers = broker.authorizationHeaders(key, method, uri, nonces.get(uri));
    }
  }

  // Only methods whose JVM signatures Spring Framework 6 and 7 share (HttpHeaders stopped being a
  // MultiValueMap in 7, so get/remove/getOrEmpty changed theirs): set, getFirst, forEach.

  /** Sets (replaces) Authorization, and DPoP for a DPoP-bound grant. */
  private static void apply(HttpHeaders target, AuthorizationHeaders headers) {
    headers.revealHeaders().forEach(target::set);
  }

  private static List<String> values(HttpHeaders headers, String name) {
    List<String> values = new ArrayList<>();
    headers.forEach(
        (header, list) -> {
          if (header.equalsIgnoreCase(name)) {
            values.addAll(list);
          }
        });
    return values;
  }

  @Override
  public String toString() {
    return "TokenBrokerInterceptor[" + key + "]";
  }
}
