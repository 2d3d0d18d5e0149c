package io.tokenbroker.spring;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AuthorizationHeaders;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.DpopNonces;
import io.tokenbroker.spring.internal.SecureUrls;
import java.net.URI;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Sends {@code WebClient} requests with a grant's access token; the reactive twin of {@link
 * TokenBrokerInterceptor}, with the same behaviour (bearer header, or DPoP header and proof for a
 * DPoP-bound grant; one refresh and one retry after a 401; one more try when a resource server
 * demands a DPoP nonce; https or loopback only).
 *
 * <pre>{@code
 * WebClient api = WebClient.builder()
 *     .baseUrl("https://api.example")
 *     .filter(TokenBrokerExchangeFilter.forGrant(broker, "reporting"))
 *     .build();
 * }</pre>
 *
 * <p>Never blocks an event-loop thread: getting a token may wait for a refresh (and a refresh may
 * wait for the store and the token endpoint), so when the request is made on a non-blocking thread
 * (Reactor's {@code NonBlocking}, as Netty's event loops are) the broker is called on {@link
 * Schedulers#boundedElastic()}; on other threads it is called in place. Failures to get a token are
 * signalled as the broker's {@code TokenBrokerException}s. Thread-safe.
 */
public final class TokenBrokerExchangeFilter implements ExchangeFilterFunction {
  private final TokenBroker broker;
  private final GrantKey key;
  private final Scheduler blockingScheduler;
  private final DpopNonces nonces = new DpopNonces();

  private TokenBrokerExchangeFilter(TokenBroker broker, GrantKey key, Scheduler blockingScheduler) {
    this.broker = requireNonNull(broker, "broker == null");
    this.key = requireNonNull(key, "key == null");
    this.blockingScheduler = requireNonNull(blockingScheduler, "blockingScheduler == null");
  }

  /** A filter for the grant named {@code grant} (its key in the store). */
  public static TokenBrokerExchangeFilter forGrant(TokenBroker broker, String grant) {
    return forGrant(broker, GrantKey.of(requireNonNull(grant, "grant == null")));
  }

  /** A filter for the grant {@code key}. */
  public static TokenBrokerExchangeFilter forGrant(TokenBroker broker, GrantKey key) {
    return new TokenBrokerExchangeFilter(broker, key, Schedulers.boundedElastic());
  }

  @Override
  public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
    URI uri = request.url();
    String method = request.method().name();
    return Mono.defer(
            () -> {
              SecureUrls.requireSecure(uri);
              return headers(uri, method, nonces.get(uri));
            })
        .flatMap(headers -> exchange(request, next, headers, false, false));
  }

  /** One attempt; then at most one more after a DPoP nonce demand and one after a refresh. */
  private Mono<ClientResponse> exchange(
      ClientRequest request,
      ExchangeFunction next,
      AuthorizationHeaders headers,
      boolean refreshed,
      boolean nonceAnswered) {
    URI uri = request.url();
    String method = request.method().name();
    return next.exchange(withHeaders(request, headers))
        .flatMap(
            response -> {
              int status = response.statusCode().value();
              if (headers.isDpop()) {
                String nonce = response.headers().asHttpHeaders().getFirst("DPoP-Nonce");
                nonces.remember(uri, nonce);
                String demanded =
                    DpopNonces.demanded(
                        status, response.headers().header(HttpHeaders.WWW_AUTHENTICATE), nonce);
                if (demanded != null && !nonceAnswered) {
                  return response
                      .releaseBody()
                      .then(headers(uri, method, demanded))
                      .flatMap(again -> exchange(request, next, again, refreshed, true));
                }
              }
              if (status != 401 || refreshed) {
                return Mono.just(response);
              }
              return response
                  .releaseBody()
                  .then(
                      call(
                          () -> {
                            broker.refreshIfCurrent(key, headers.accessToken());
                            return broker.authorizationHeaders(key, method, uri, nonces.get(uri));
                          }))
                  .flatMap(fresh -> exchange(request, next, fresh, true, nonceAnswered));
            });
  }

  private Mono<AuthorizationHeaders> headers(URI uri, String method, @Nullable String nonce) {
    return call(() -> broker.authorizationHeaders(key, method, uri, nonce));
  }

  /** Calls the broker off the event loop when on one. */
  private <T> Mono<T> call(Callable<T> call) {
    return Mono.defer(
        () ->
            Schedulers.isInNonBlockingThread()
                ? Mono.fromCallable(call).subscribeOn(blockingScheduler)
                : Mono.fromCallable(call));
  }

  private static ClientRequest withHeaders(ClientRequest request, AuthorizationHeaders headers) {
    return ClientRequest.from(request)
        // set: one of the HttpHeaders methods whose JVM signature Spring 6 and 7 share.
        .headers(target -> headers.revealHeaders().forEach(target::set))
        .build();
  }

  @Override
  public String toString() {
    return "TokenBrokerExchangeFilter[" + key + "]";
  }
}
