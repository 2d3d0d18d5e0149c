package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.internal.Backoff;
import io.tokenbroker.oauth.internal.DpopNonceCache;
import io.tokenbroker.oauth.internal.DpopNonces;
import io.tokenbroker.oauth.internal.Urls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Sends API requests with a broker's access token for one grant.
 *
 * <ul>
 *   <li>Sets {@code Authorization: Bearer …} on every attempt (any such header you set is
 *       replaced); for a DPoP-bound grant (RFC 9449) {@code Authorization: DPoP …} and a fresh
 *       {@code DPoP} proof for the request's method and URL, with the server's latest {@code
 *       DPoP-Nonce}; a {@code 401} demanding a nonce ({@code use_dpop_nonce}) is answered with one
 *       more try.
 *   <li>On a 401, asks the broker for a new token only if the rejected one is still current (so
 *       many concurrent 401s cause one refresh) and retries once.
 *   <li>On a 429, for any method, waits as {@code Retry-After} says (capped), or with jittered
 *       backoff, and retries: a 429 means the server refused the request without acting on it (RFC
 *       6585 §4), so even a POST is safe to send again.
 *   <li>5xx answers (a 503 included) are retried the same way only for idempotent methods (GET,
 *       HEAD, OPTIONS, PUT, DELETE), and not at all with {@link Builder#retryServerErrors
 *       retryServerErrors(false)}; a POST or PATCH is never sent twice after the server may have
 *       acted on it.
 * </ul>
 *
 * Waits go through the {@link Sleeper} given to {@link Builder#sleeper} (default {@link
 * Sleeper#system()}).
 *
 * <p>The last response is returned as is when retries are used up; this class never throws for an
 * HTTP status. The bearer token only travels over {@code https} (or to loopback hosts), and the
 * {@link HttpClient} must not follow redirects. Thread-safe.
 */
public final class AuthorizedHttpClient {
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  /** The ceiling of the first jittered wait without {@code Retry-After}; it doubles per retry. */
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);

  private final HttpClient http;
  private final TokenBroker broker;
  private final GrantKey key;
  private final int maxAttempts;
  private final Duration maxRetryAfter;
  private final boolean retryServerErrors;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random = new SecureRandom();
  private final DpopNonceCache nonces = new DpopNonceCache();

  private AuthorizedHttpClient(Builder b) {
    this.http = b.http;
    this.broker = b.broker;
    this.key = b.key;
    this.maxAttempts = b.maxAttempts;
    this.maxRetryAfter = b.maxRetryAfter;
    this.retryServerErrors = b.retryServerErrors;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  /** Three attempts, {@code Retry-After} honoured up to 60 s. */
  public static AuthorizedHttpClient create(HttpClient http, TokenBroker broker, GrantKey key) {
    return builder(http, broker, key).build();
  }

  public static Builder builder(HttpClient http, TokenBroker broker, GrantKey key) {
    return new Builder(http, broker, key);
  }

  /**
   * Sends {@code request} with the grant's token, handling 401, 429 and 5xx as described above.
   *
   * @throws TokenBrokerException if no token can be had
   * @throws IOException if sending fails
   */
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    requireNonNull(request, "request == null");
    requireNonNull(handler, "handler == null");
    URI uri = Urls.requireSecure(request.uri(), "API request URL");
    String method = request.method().toUpperCase(Locale.ROOT);
    boolean idempotent = IDEMPOTENT.contains(method);
    AuthorizationHeaders headers = broker.authorizationHeaders(key, method, uri, nonces.get(uri));
    boolean refreshed = false;
    boolean nonceAnswered = false;
    for (int attempt = 1; ; attempt++) {
      HttpResponse<T> response = http.send(withHeaders(request, headers), handler);
      int status = response.statusCode();
      if (headers.isDpop()) {
        String nonce = response.headers().firstValue("DPoP-Nonce").orElse(null);
        nonces.put(uri, nonce);
        String demanded =
            DpopNonces.fromResourceServer(
                status, response.headers().allValues("WWW-Authenticate"), nonce);
        if (demanded != null && !nonceAnswered) {
          nonceAnswered = true; // RFC 9449 §9: one more try with the server's nonce
          headers = broker.authorizationHeaders(key, method, uri, demanded);
          attempt--;
          continue;
        }
      }
      if (status == 401 && !refreshed) {
        refreshed = true;
        broker.refreshIfCurrent(key, headers.accessToken());
        headers = broker.authorizationHeaders(key, method, uri, nonces.get(uri));
        attempt--; // the retry after a refresh is not a paced retry
        continue;
      }
      boolean retryable =
          status == 429 || (status >= 500 && status <= 599 && idempotent && retryServerErrors);
      if (!retryable || attempt >= maxAttempts) {
        return response;
      }
      Optional<Duration> retryAfter = RetryAfter.from(response.headers(), clock.instant());
      Duration wait =
          retryAfter.isPresent()
              ? retryAfter.get()
              : Backoff.fullJitter(attempt, INITIAL_BACKOFF, maxRetryAfter, random);
      if (wait.compareTo(maxRetryAfter) > 0) {
        return response;
      }
      sleeper.sleep(wait);
      headers = broker.authorizationHeaders(key, method, uri, nonces.get(uri));
    }
  }

  private static HttpRequest withHeaders(HttpRequest request, AuthorizationHeaders headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(
            request,
            (name, value) ->
                !name.equalsIgnoreCase("Authorization") && !name.equalsIgnoreCase("DPoP"));
    headers.revealHeaders().forEach(builder::header);
    return builder.build();
  }

  @Override
  public String toString() {
    return "AuthorizedHttpClient[" + key + "]";
  }

  /** Configures an {@link AuthorizedHttpClient}. Not thread-safe. */
  public static final class Builder {
    private final HttpClient http;
    private final TokenBroker broker;
    private final GrantKey key;
    private int maxAttempts = 3;
    private Duration maxRetryAfter = Duration.ofSeconds(60);
    private boolean retryServerErrors = true;
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.system();

    private Builder(HttpClient http, TokenBroker broker, GrantKey key) {
      requireNonNull(http, "http == null");
      if (http.followRedirects() != HttpClient.Redirect.NEVER) {
        throw new IllegalArgumentException(
            "use an HttpClient with Redirect.NEVER: following a redirect could send the bearer token to another host");
      }
      this.http = http;
      this.broker = requireNonNull(broker, "broker == null");
      this.key = requireNonNull(key, "key == null");
    }

    /** Attempts per request for 429/5xx pacing, including the first; default 3. */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts < 1: " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /** The longest wait honoured; a longer {@code Retry-After} returns the response at once. */
    public Builder maxRetryAfter(Duration max) {
      this.maxRetryAfter = requireNonNull(max, "max == null");
      return this;
    }

    /** The clock that HTTP-date {@code Retry-After} values are read against; default UTC system. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * Whether 5xx answers to idempotent methods are retried; default true. With false only a 429 is
     * paced and retried, for APIs where even a PUT or DELETE must not be sent twice after the
     * server may have acted on it.
     */
    public Builder retryServerErrors(boolean retry) {
      this.retryServerErrors = retry;
      return this;
    }

    /** How waits are made; default {@link Sleeper#system()}. Tests pass a recording one. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper == null");
      return this;
    }

    public AuthorizedHttpClient build() {
      return new AuthorizedHttpClient(this);
    }
  }
}
