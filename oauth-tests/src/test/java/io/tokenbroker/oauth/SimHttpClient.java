package io.tokenbroker.oauth;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The simulation's network: a {@link HttpClient} that hands each request to the {@link SimProvider}
 * in-process and answers synchronously, with the faults the simulation draws: a 5xx or a 429 with
 * {@code Retry-After} (not processed), an answer lost after the provider processed the request (an
 * <em>ambiguous</em> loss), a slow answer (virtual time passes; past the request's timeout it is
 * lost too), and other brokers running while the answer is on its way.
 */
final class SimHttpClient extends HttpClient {
  private final Simulation sim;
  private final int broker;

  SimHttpClient(Simulation sim, int broker) {
    this.sim = sim;
    this.broker = broker;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    Map<String, String> form = form(body(request));
    String path = request.uri().getPath();
    Duration timeout = request.timeout().orElse(Duration.ofSeconds(30));
    if (path.endsWith("/revoke")) {
      sim.provider.revoke(form.getOrDefault("token", ""));
      return completed(request, handler, 200, "", Map.of());
    }
    Simulation.NetworkFault fault = sim.networkFault(broker);
    if (sim.detailed
        && (fault == Simulation.NetworkFault.SERVER_ERROR
            || fault == Simulation.NetworkFault.RATE_LIMITED)) {
      sim.trace(sim.indent() + "  token request answered " + fault);
    }
    switch (fault) {
      case SERVER_ERROR -> {
        return completed(
            request, handler, 503, "{\"error\":\"temporarily_unavailable\"}", Map.of());
      }
      case RATE_LIMITED -> {
        String after = Long.toString(sim.retryAfterSeconds());
        return completed(
            request, handler, 429, "{\"error\":\"slow_down\"}", Map.of("Retry-After", after));
      }
      default -> {}
    }
    int id = sim.nextRequestId();
    SimProvider.Answer answer = sim.provider.token(form, id);
    if (sim.detailed) {
      sim.trace(
          sim.indent()
              + "  token request "
              + id
              + " ("
              + fault
              + ") with refresh token #"
              + String.valueOf(form.get("refresh_token")).replace(SimProvider.SECRET_PREFIX, "")
              + " -> HTTP "
              + answer.status()
              + " "
              + answer.body().replace(SimProvider.SECRET_PREFIX, ""));
    }
    // The answer's fate is decided before anything else runs, so the invariants know it: lost on
    // the way, too slow for the request's timeout, or stuck while the broker's lease runs out.
    long delay = fault == Simulation.NetworkFault.SLOW ? sim.slowMillis() : 0;
    boolean leaseRunsOut = fault == Simulation.NetworkFault.STUCK_PAST_LEASE;
    boolean timedOut = delay > timeout.toMillis() || leaseRunsOut;
    boolean lost = fault == Simulation.NetworkFault.LOST || timedOut;
    if (answer.spendingRequest() != null) {
      // A broker that stalls past its lease with the answer in hand is, to the others, like one
      // whose answer was lost: if it cannot take the lease again at once, they refresh from the
      // stored token. So the invariant counts it as an ambiguous loss; it is a fault of the run.
      sim.answerFate(id, !lost && fault != Simulation.NetworkFault.STALL_AFTER_ANSWER, lost);
    }
    sim.clock.advance(Duration.ofMillis(delay));
    if (leaseRunsOut) {
      sim.clock.advance(sim.leaseTtl().plusSeconds(1));
    }
    if (fault == Simulation.NetworkFault.STALL_AFTER_ANSWER) {
      // The broker got the answer, then stalls until its lease ran out. Nobody else runs in
      // between: a broker refreshing with the stored token meanwhile could not be helped by any
      // design (the tokens that would save it are in a stalled process).
      sim.clock.advance(sim.leaseTtl().plusSeconds(1));
    } else {
      // Other brokers run meanwhile: while this one waits in vain, or after its HTTP client got
      // the answer and before it acts on it.
      sim.intercept(broker);
    }
    if (lost) {
      return CompletableFuture.failedFuture(
          timedOut
              ? new HttpTimeoutException("no answer within " + timeout.toMillis() + " ms (sim)")
              : new IOException("connection reset after the request was sent (sim)"));
    }
    return completed(request, handler, answer.status(), answer.body(), Map.of());
  }

  private static String body(HttpRequest request) {
    List<ByteBuffer> parts = new ArrayList<>();
    request
        .bodyPublisher()
        .ifPresent(
            publisher ->
                publisher.subscribe(
                    new Flow.Subscriber<ByteBuffer>() {
                      @Override
                      public void onSubscribe(Flow.Subscription subscription) {
                        subscription.request(Long.MAX_VALUE);
                      }

                      @Override
                      public void onNext(ByteBuffer item) {
                        parts.add(item);
                      }

                      @Override
                      public void onError(Throwable throwable) {}

                      @Override
                      public void onComplete() {}
                    }));
    StringBuilder out = new StringBuilder();
    for (ByteBuffer part : parts) {
      out.append(StandardCharsets.UTF_8.decode(part));
    }
    return out.toString();
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        form.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static <T> CompletableFuture<HttpResponse<T>> completed(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      int status,
      String body,
      Map<String, String> headerValues) {
    Map<String, List<String>> map = new HashMap<>();
    map.put("content-type", List.of("application/json"));
    headerValues.forEach((name, value) -> map.put(name, List.of(value)));
    HttpHeaders headers = HttpHeaders.of(map, (a, b) -> true);
    HttpResponse.ResponseInfo info =
        new HttpResponse.ResponseInfo() {
          @Override
          public int statusCode() {
            return status;
          }

          @Override
          public HttpHeaders headers() {
            return headers;
          }

          @Override
          public Version version() {
            return Version.HTTP_1_1;
          }
        };
    HttpResponse.BodySubscriber<T> subscriber = handler.apply(info);
    subscriber.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {}

          @Override
          public void cancel() {}
        });
    subscriber.onNext(List.of(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8))));
    subscriber.onComplete();
    T value = subscriber.getBody().toCompletableFuture().join();
    return CompletableFuture.completedFuture(
        new HttpResponse<T>() {
          @Override
          public int statusCode() {
            return status;
          }

          @Override
          public HttpRequest request() {
            return request;
          }

          @Override
          public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
          }

          @Override
          public HttpHeaders headers() {
            return headers;
          }

          @Override
          public T body() {
            return value;
          }

          @Override
          public Optional<SSLSession> sslSession() {
            return Optional.empty();
          }

          @Override
          public URI uri() {
            return request.uri();
          }

          @Override
          public Version version() {
            return Version.HTTP_1_1;
          }
        });
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    try {
      return sendAsync(request, handler).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    return sendAsync(request, handler);
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return Optional.empty();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return Optional.empty();
  }

  @Override
  public Redirect followRedirects() {
    return Redirect.NEVER;
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return Optional.empty();
  }

  @Override
  public SSLContext sslContext() {
    throw new UnsupportedOperationException();
  }

  @Override
  public SSLParameters sslParameters() {
    return new SSLParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return Optional.empty();
  }

  @Override
  public Version version() {
    return Version.HTTP_1_1;
  }

  @Override
  public Optional<Executor> executor() {
    return Optional.empty();
  }
}
