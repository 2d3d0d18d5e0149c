package io.tokenbroker.procore;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.oauth.AuthorizedHttpClient;
import io.tokenbroker.oauth.RetryAfter;
import io.tokenbroker.oauth.Sleeper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Sends the typed client's requests through {@link AuthorizedHttpClient} (bearer, one refresh after
 * a 401) and adds Procore's pacing:
 *
 * <ul>
 *   <li>before sending, when the last response said {@code X-Rate-Limit-Remaining: 0}, waits until
 *       its reset (timed from that response's {@code Date}), or fails at once without sending when
 *       that is later than {@code maxWait};
 *   <li>a 429 waits until {@code X-Rate-Limit-Reset} (or {@code Retry-After}, if later), and a 503
 *       with {@code Retry-After} as it says: Procore did not act, so any method is retried;
 *   <li>a 502, 504, 503 without {@code Retry-After}, or a lost connection is retried only for
 *       idempotent methods (GET, PUT, DELETE): a POST or PATCH may have been acted on.
 * </ul>
 *
 * Every wait is capped by {@code maxWait}; everything else becomes a {@link ProcoreApiException}.
 * Thread-safe.
 */
final class Transport {
  private static final System.Logger LOG = System.getLogger(Transport.class.getName());
  private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE");

  /** A response read into memory. */
  record Response(
      URI uri, int status, HttpHeaders headers, byte[] body, @Nullable RateLimit rateLimit) {
    String text() {
      return new String(body, UTF_8);
    }
  }

  /** The settings of one client. */
  record Settings(
      Clock clock,
      Sleeper sleeper,
      RandomGenerator random,
      int maxAttempts,
      Duration maxWait,
      Duration maxJitter,
      Duration initialBackoff,
      Duration requestTimeout) {}

  private final Procore procore;
  private final AuthorizedHttpClient http;
  private final Settings settings;
  private final AtomicReference<@Nullable RateLimit> lastRateLimit = new AtomicReference<>();

  Transport(Procore procore, AuthorizedHttpClient http, Settings settings) {
    this.procore = procore;
    this.http = http;
    this.settings = settings;
  }

  @Nullable RateLimit lastRateLimit() {
    return lastRateLimit.get();
  }

  /** {@code <api host>/rest/<version><path>?<query>}, names and values form-encoded. */
  URI uri(ApiVersion version, String path, List<Map.Entry<String, String>> query) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/': " + path);
    }
    StringBuilder sb =
        new StringBuilder(procore.apiUrl().toString())
            .append("/rest/")
            .append(version)
            .append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : query) {
      sb.append(sep)
          .append(URLEncoder.encode(e.getKey(), UTF_8))
          .append('=')
          .append(URLEncoder.encode(e.getValue(), UTF_8));
      sep = '&';
    }
    return URI.create(sb.toString());
  }

  /**
   * The request for a {@code Link} target: its path and query on the configured API host. The token
   * is never sent to a host named in a response; a link to another host (a proxy's view) is
   * followed on ours.
   *
   * @return null if the link is not a Procore REST URL
   */
  @Nullable URI fromLink(URI link) {
    String path = link.getRawPath();
    if (path == null) {
      return null;
    }
    int at = path.indexOf("/rest/v");
    if (at < 0) {
      at = path.indexOf("/vapid/");
    }
    if (at < 0) {
      return null;
    }
    URI api = procore.apiUrl();
    if (link.getHost() != null
        && !(link.getHost().equalsIgnoreCase(api.getHost()) && link.getPort() == api.getPort())) {
      LOG.log(
          System.Logger.Level.DEBUG, "following a Link to another host on the configured API host");
    }
    // The configured base may carry a path prefix (a proxy at https://proxy.example/procore).
    String query = link.getRawQuery();
    return URI.create(api + path.substring(at) + (query == null ? "" : "?" + query));
  }

  /** GETs {@code uri}, with {@code Procore-Company-Id} when {@code companyId} is not null. */
  Response get(URI uri, @Nullable Long companyId) {
    return send("GET", uri, companyId, null);
  }

  /**
   * Sends {@code method} to {@code uri} with {@code Procore-Company-Id} when {@code companyId} is
   * not null and {@code json} as an {@code application/json} body when not null; returns a 2xx
   * answer.
   *
   * @throws ProcoreApiException for any other outcome, after the retries described above
   */
  Response send(String method, URI uri, @Nullable Long companyId, byte @Nullable [] json) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(json))
            .timeout(settings.requestTimeout())
            .header("Accept", "application/json");
    if (json != null) {
      builder.header("Content-Type", "application/json");
    }
    if (companyId != null) {
      builder.header("Procore-Company-Id", Long.toString(companyId));
    }
    HttpRequest request = builder.build();
    boolean idempotent = IDEMPOTENT.contains(method);
    for (int attempt = 1; ; attempt++) {
      awaitBudget(method, uri);
      HttpResponse<byte[]> raw;
      try {
        raw = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        // Without an answer, a POST or PATCH may have been acted on: never sent twice.
        if (!idempotent || attempt >= settings.maxAttempts()) {
          throw network(method, uri, e);
        }
        pause(backoff(attempt), method, uri, e);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw network(method, uri, e);
      }
      Instant now = settings.clock().instant();
      RateLimit rateLimit = RateLimit.from(raw.headers(), now);
      if (rateLimit != null) {
        lastRateLimit.set(rateLimit);
      }
      Response response = new Response(uri, raw.statusCode(), raw.headers(), raw.body(), rateLimit);
      int status = response.status();
      if (status >= 200 && status <= 299) {
        return response;
      }
      Duration retryAfter = retryAfter(response.headers(), now);
      Duration wait;
      if (status == 429) {
        wait = rateLimitWait(response, now, attempt);
      } else if (status == 503 && retryAfter != null) {
        wait = retryAfter; // Procore's load throttling: the request was not processed
      } else if ((status == 502 || status == 503 || status == 504) && idempotent) {
        wait = retryAfter != null ? retryAfter : backoff(attempt);
      } else {
        throw failure(method, response, retryAfter);
      }
      if (attempt >= settings.maxAttempts() || wait.compareTo(settings.maxWait()) > 0) {
        throw failure(method, response, wait);
      }
      pause(wait.plus(jitter()), method, uri, null);
    }
  }

  /**
   * Procore: "When X-Rate-Limit-Remaining reaches 0, pause requests until after
   * X-Rate-Limit-Reset". Waits for the reset the last response announced, or refuses to send when
   * it is further away than {@code maxWait} (sending would only earn a 429).
   */
  private void awaitBudget(String method, URI uri) {
    RateLimit last = lastRateLimit.get();
    if (last == null || !last.isExhausted()) {
      return;
    }
    Duration wait = last.untilReset(settings.clock().instant());
    if (wait.isZero()) {
      return;
    }
    if (wait.compareTo(settings.maxWait()) > 0) {
      throw new ProcoreApiException(
          ProcoreApiException.Kind.RATE_LIMITED,
          0,
          method,
          uri,
          "not sent: the last answer said X-Rate-Limit-Remaining: 0 and the window resets in "
              + wait.toSeconds()
              + " s, later than maxWait",
          "",
          last,
          wait,
          null);
    }
    pause(wait.plus(jitter()), method, uri, null);
  }

  /** Until the rate-limit window resets (or {@code Retry-After}, whichever is later). */
  private Duration rateLimitWait(Response response, Instant now, int attempt) {
    Duration wait = null;
    if (response.rateLimit() != null) {
      wait = response.rateLimit().untilReset(now);
    }
    Duration retryAfter = retryAfter(response.headers(), now);
    if (retryAfter != null && (wait == null || retryAfter.compareTo(wait) > 0)) {
      wait = retryAfter;
    }
    return wait != null ? wait : backoff(attempt);
  }

  private Duration backoff(int attempt) {
    long millis = settings.initialBackoff().toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, settings.maxWait().toMillis()));
  }

  private Duration jitter() {
    long max = settings.maxJitter().toMillis();
    if (max <= 0) {
      return Duration.ZERO;
    }
    synchronized (settings.random()) {
      return Duration.ofMillis(settings.random().nextLong(max + 1));
    }
  }

  private void pause(Duration wait, String method, URI uri, @Nullable IOException cause) {
    try {
      settings.sleeper().sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw network(method, uri, cause != null ? cause : e);
    }
  }

  /**
   * Reads a JSON body as {@code type}; with {@code envelope} (REST v2.x), the value under the
   * top-level {@code "data"} key. {@code Void} reads nothing and gives null.
   */
  // type (a JavaType) is T at run time; null only as Void's value, which NullAway (without
  // JSpecify mode) cannot tell from other T.
  @SuppressWarnings({"TypeParameterUnusedInFormals", "NullAway"})
  <T> T read(String method, Response response, JavaType type, boolean envelope) {
    if (type.getRawClass() == Void.class) {
      @SuppressWarnings("unchecked")
      T none = (T) null;
      return none;
    }
    try {
      T value;
      if (envelope) {
        JsonNode root = Json.MAPPER.readTree(response.body());
        JsonNode data = root == null ? null : root.get("data");
        if (data == null) {
          throw malformed(method, response, "not Procore's v2 envelope {\"data\": …}");
        }
        value = Json.MAPPER.treeToValue(data, type);
      } else {
        value = Json.MAPPER.readValue(response.body(), type);
      }
      if (value == null) {
        throw malformed(method, response, "an empty or null body");
      }
      return value;
    } catch (IOException | IllegalArgumentException e) {
      throw malformed(
          method, response, "not the JSON expected for " + type.getRawClass().getSimpleName());
    }
  }

  private static ProcoreApiException malformed(String method, Response response, String what) {
    return new ProcoreApiException(
        ProcoreApiException.Kind.MALFORMED_RESPONSE,
        response.status(),
        method,
        response.uri(),
        "the response body is " + what,
        response.text(),
        response.rateLimit(),
        null,
        null);
  }

  static ProcoreApiException failure(
      String method, Response response, @Nullable Duration retryAfter) {
    int status = response.status();
    String contentType = response.headers().firstValue("Content-Type").orElse(null);
    String body = response.text();
    String message = Json.serverMessage(body, contentType);
    ProcoreApiException.Kind kind;
    if (status == 400) {
      kind = ProcoreApiException.Kind.BAD_REQUEST;
    } else if (status == 401) {
      kind = ProcoreApiException.Kind.UNAUTHORIZED;
    } else if (status == 403) {
      kind =
          message
                  .toLowerCase(Locale.ROOT)
                  .contains(ProcoreApiException.APP_NOT_CONNECTED_TEXT.toLowerCase(Locale.ROOT))
              ? ProcoreApiException.Kind.APP_NOT_CONNECTED
              : ProcoreApiException.Kind.FORBIDDEN;
    } else if (status == 404) {
      kind = ProcoreApiException.Kind.NOT_FOUND;
    } else if (status == 409) {
      kind = ProcoreApiException.Kind.CONFLICT;
    } else if (status == 422) {
      kind = ProcoreApiException.Kind.VALIDATION;
    } else if (status == 429) {
      kind = ProcoreApiException.Kind.RATE_LIMITED;
    } else if (status >= 500) {
      kind = ProcoreApiException.Kind.SERVER_ERROR;
    } else {
      kind = ProcoreApiException.Kind.OTHER_STATUS;
    }
    return new ProcoreApiException(
        kind,
        status,
        method,
        response.uri(),
        message,
        body,
        response.rateLimit(),
        retryAfter,
        null);
  }

  private static ProcoreApiException network(String method, URI uri, Exception cause) {
    String what =
        cause instanceof HttpTimeoutException
            ? "timed out"
            : cause instanceof InterruptedException
                ? "was interrupted"
                : "failed: " + cause.getClass().getSimpleName();
    return new ProcoreApiException(
        ProcoreApiException.Kind.NETWORK,
        0,
        method,
        uri,
        "the request " + what,
        "",
        null,
        null,
        cause);
  }

  /** {@code Retry-After} read by core's one parser; null when absent or unreadable. */
  private static @Nullable Duration retryAfter(HttpHeaders headers, Instant now) {
    return RetryAfter.from(headers, now).orElse(null);
  }
}
