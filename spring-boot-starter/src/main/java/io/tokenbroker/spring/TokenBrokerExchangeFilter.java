package io.tokenbroker.spring;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.SecureUrls;
import java.util.concurrent.Callable;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Sends {@code WebClient} requests with a grant's access token; the reactive twin of {@link
 * TokenBrokerInterceptor}, with the same behaviour (bearer header, one refresh and one retry after
 * a 401, https or loopback only).
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
    return Mono.defer(
            () -> {
              SecureUrls.requireSecure(request.url());
              return token(() -> broker.accessToken(key));
            })
        .flatMap(
            token ->
                next.exchange(withBearer(request, token))
                    .flatMap(
                        response -> {
                          if (response.statusCode().value() != 401) {
                            return Mono.just(response);
                          }
                          return response
                              .releaseBody()
                              .then(token(() -> broker.refreshIfCurrent(key, token)))
                              .flatMap(fresh -> next.exchange(withBearer(request, fresh)));
                        }));
  }

  /** Calls the broker off the event loop when on one. */
  private Mono<AccessToken> token(Callable<AccessToken> call) {
    return Mono.defer(
        () ->
            Schedulers.isInNonBlockingThread()
                ? Mono.fromCallable(call).subscribeOn(blockingScheduler)
                : Mono.fromCallable(call));
  }

  private static ClientRequest withBearer(ClientRequest request, AccessToken token) {
    return ClientRequest.from(request)
        .headers(headers -> headers.setBearerAuth(token.revealValue()))
        .build();
  }

  @Override
  public String toString() {
    return "TokenBrokerExchangeFilter[" + key + "]";
  }
}
