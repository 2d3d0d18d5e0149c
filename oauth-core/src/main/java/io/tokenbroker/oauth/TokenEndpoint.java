package io.tokenbroker.oauth;

import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import io.tokenbroker.oauth.internal.Backoff;
import io.tokenbroker.oauth.internal.DpopNonceCache;
import io.tokenbroker.oauth.internal.DpopNonces;
import io.tokenbroker.oauth.internal.JdkHttpSender;
import io.tokenbroker.oauth.internal.TokenResponses;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Sends token-endpoint requests with bounded retries and turns every answer into a {@link TokenSet}
 * or a typed {@link TokenBrokerException}. Thread-safe.
 */
final class TokenEndpoint {
  /** No deadline: the retry policy alone bounds the call. */
  static final long NO_DEADLINE = Long.MAX_VALUE;

  private static final Set<String> CONFIGURATION_ERRORS =
      Set.of(
          "invalid_client",
          "unauthorized_client",
          "invalid_scope",
          "invalid_request",
          "unsupported_grant_type");

  private final Provider provider;
  private final HTTPRequestSender sender;
  private final Clock clock;
  private final RetryPolicy retryPolicy;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final long requestTimeoutNanos;

  TokenEndpoint(
      Provider provider,
      HTTPRequestSender sender,
      Clock clock,
      RetryPolicy retryPolicy,
      Scheduler scheduler,
      RandomGenerator random,
      Duration requestTimeout) {
    this.provider = provider;
    this.sender = sender;
    this.clock = clock;
    this.retryPolicy = retryPolicy;
    this.scheduler = scheduler;
    this.random = random;
    this.requestTimeoutNanos = requestTimeout.toNanos();
  }

  /** An endpoint with a default HTTP client, retry policy and the system clock. */
  static TokenEndpoint withDefaults(Provider provider) {
    return new TokenEndpoint(
        provider,
        new JdkHttpSender(
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(),
            Duration.ofSeconds(30),
            TokenClient.DEFAULT_MAX_RESPONSE_BYTES),
        Clock.systemUTC(),
        RetryPolicy.defaults(),
        Scheduler.system(),
        new SecureRandom(),
        Duration.ofSeconds(30));
  }

  /**
   * Requests tokens, retrying transient failures per the policy. {@code secrets} are the values
   * this request carries; they are scrubbed from any server text quoted in an exception. {@code
   * carriesGrant} marks a refresh or code exchange, where the provider's {@link
   * Provider#invalidGrantStatuses()} mean {@code invalid_grant}. With a {@code deadlineNanos} (on
   * the scheduler's clock), the first attempt starts only before it, and a retry only if it can end
   * (its wait plus a whole request timeout) before it. An attempt in progress is never cut short: a
   * response abandoned early could carry a rotated refresh token the server already spent the old
   * one for. With {@code nonces} (a DPoP-bound request), a {@code DPoP-Nonce} on any answer is
   * remembered for the next proof, and a {@code use_dpop_nonce} refusal (RFC 9449 §8) is answered
   * by sending the request once more (rebuilt by {@code request}, so with the new nonce).
   */
  TokenSet requestTokens(
      String what,
      Supplier<HTTPRequest> request,
      Collection<String> secrets,
      @Nullable GrantKey key,
      boolean carriesGrant,
      long deadlineNanos,
      @Nullable DpopNonceCache nonces) {
    return withRetries(
        what,
        key,
        deadlineNanos,
        () ->
            toTokenSet(
                what,
                nonces == null
                    ? send(what, request.get(), secrets, key)
                    : sendAnsweringNonce(what, request, secrets, key, nonces),
                secrets,
                key,
                carriesGrant));
  }

  /**
   * Sends a request with the usual retries and failure classes and hands a response to {@code
   * read}, which returns the result, or null to have the response reported as a failure the usual
   * way (4xx as configuration errors, 5xx as transient). A malformed body is transient.
   */
  <T> T exchange(
      String what,
      Supplier<HTTPRequest> request,
      Collection<String> secrets,
      @Nullable GrantKey key,
      @Nullable DpopNonceCache nonces,
      ResponseReader<T> read) {
    return withRetries(
        what,
        key,
        NO_DEADLINE,
        () -> {
          HTTPResponse response =
              nonces == null
                  ? send(what, request.get(), secrets, key)
                  : sendAnsweringNonce(what, request, secrets, key, nonces);
          T result;
          try {
            result = read.read(response);
          } catch (TokenResponses.MalformedResponseException e) {
            throw transientFailure(
                what
                    + " answered HTTP "
                    + response.getStatusCode()
                    + " with an unusable body: "
                    + e.getMessage(),
                TransientTokenException.Kind.MALFORMED_RESPONSE,
                response.getStatusCode(),
                key,
                null);
          }
          if (result == null) {
            throw failure(what, response, secrets, key, false);
          }
          return result;
        });
  }

  /** Reads a response for {@link #exchange}. */
  @FunctionalInterface
  interface ResponseReader<T> {
    /** The result, or null if the response is a failure to report the usual way. */
    @Nullable T read(HTTPResponse response) throws TokenResponses.MalformedResponseException;
  }

  private HTTPResponse sendAnsweringNonce(
      String what,
      Supplier<HTTPRequest> request,
      Collection<String> secrets,
      @Nullable GrantKey key,
      DpopNonceCache nonces) {
    HTTPRequest first = request.get();
    HTTPResponse response = send(what, first, secrets, key);
    String demanded =
        DpopNonces.fromTokenEndpoint(
            response.getStatusCode(), response.getBody(), response.getHeaderValue("DPoP-Nonce"));
    nonces.put(first.getURI(), response.getHeaderValue("DPoP-Nonce"));
    if (demanded == null) {
      return response;
    }
    // One more try with the nonce; a second refusal is reported as it is.
    HTTPRequest second = request.get();
    HTTPResponse retried = send(what, second, secrets, key);
    nonces.put(second.getURI(), retried.getHeaderValue("DPoP-Nonce"));
    return retried;
  }

  /** Sends a request whose success has no body to read (revocation). */
  void requestNoContent(
      String what,
      Supplier<HTTPRequest> request,
      Collection<String> secrets,
      @Nullable GrantKey key) {
    withRetries(
        what,
        key,
        NO_DEADLINE,
        () -> {
          HTTPResponse response = send(what, request.get(), secrets, key);
          if (!response.indicatesSuccess()) {
            throw failure(what, response, secrets, key, false);
          }
          return null;
        });
  }

  private <T> T withRetries(
      String what, @Nullable GrantKey key, long deadlineNanos, Supplier<T> attempt) {
    if (deadlineNanos != NO_DEADLINE && deadlineNanos - scheduler.nanoTime() <= 0) {
      throw new TransientTokenException(
          what + " was not sent: the refresh lease has no time left for it and its write",
          TransientTokenException.Kind.TIMEOUT,
          0,
          null,
          key,
          null);
    }
    for (int number = 1; ; number++) {
      try {
        return attempt.get();
      } catch (TransientTokenException e) {
        if (number >= retryPolicy.maxAttempts()) {
          throw e;
        }
        Duration wait;
        if (e.retryAfter().isPresent()) {
          wait = e.retryAfter().get();
          if (wait.compareTo(retryPolicy.maxRetryAfter()) > 0) {
            throw e; // The server asked for longer than we are willing to block.
          }
        } else {
          wait =
              Backoff.fullJitter(
                  number, retryPolicy.initialBackoff(), retryPolicy.maxBackoff(), random);
        }
        if (deadlineNanos != NO_DEADLINE
            && deadlineNanos - scheduler.nanoTime() - wait.toNanos() < requestTimeoutNanos) {
          throw e; // another attempt might not end within the lease
        }
        try {
          scheduler.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private HTTPResponse send(
      String what, HTTPRequest request, Collection<String> secrets, @Nullable GrantKey key) {
    URI endpoint = request.getURI();
    String where = what + " at " + withoutQuery(endpoint);
    try {
      return request.send(sender);
    } catch (JdkHttpSender.ResponseTooLargeException e) {
      throw transientFailure(
          where + " failed: " + e.getMessage(),
          TransientTokenException.Kind.RESPONSE_TOO_LARGE,
          0,
          key,
          e);
    } catch (HttpTimeoutException e) {
      throw transientFailure(where + " timed out", TransientTokenException.Kind.TIMEOUT, 0, key, e);
    } catch (InterruptedIOException e) {
      throw transientFailure(
          where + " was interrupted", TransientTokenException.Kind.NETWORK, 0, key, e);
    } catch (IOException e) {
      Throwable tooLarge = findCause(e, JdkHttpSender.ResponseTooLargeException.class);
      if (tooLarge != null) {
        throw transientFailure(
            where + " failed: " + tooLarge.getMessage(),
            TransientTokenException.Kind.RESPONSE_TOO_LARGE,
            0,
            key,
            e);
      }
      if (findCause(e, HttpTimeoutException.class) != null) {
        throw transientFailure(
            where + " timed out", TransientTokenException.Kind.TIMEOUT, 0, key, e);
      }
      throw transientFailure(
          where
              + " failed: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + scrub(e.getMessage(), secrets)),
          TransientTokenException.Kind.NETWORK,
          0,
          key,
          e);
    }
  }

  private TokenSet toTokenSet(
      String what,
      HTTPResponse response,
      Collection<String> secrets,
      @Nullable GrantKey key,
      boolean carriesGrant) {
    int status = response.getStatusCode();
    if (status < 200 || status > 299) {
      throw failure(what, response, secrets, key, carriesGrant);
    }
    return readSuccess(provider, what, status, response.getBody(), clock.instant(), key);
  }

  /**
   * Reads a 2xx token answer with {@code provider}'s normalizer and default lifetime; shared with
   * {@link Provider#readTokenResponse}.
   */
  static TokenSet readSuccess(
      Provider provider,
      String what,
      int status,
      @Nullable String body,
      Instant now,
      @Nullable GrantKey key) {
    TokenResponses.Parsed parsed;
    try {
      parsed = TokenResponses.parseSuccess(body, provider.normalizer());
    } catch (TokenResponses.MalformedResponseException e) {
      throw transientFailure(
          what + " answered HTTP " + status + " with an unusable body: " + e.getMessage(),
          TransientTokenException.Kind.MALFORMED_RESPONSE,
          status,
          key,
          null);
    }
    Duration lifetime =
        parsed.expiresInSeconds() >= 0
            ? Duration.ofSeconds(parsed.expiresInSeconds())
            : provider.defaultTokenLifetime();
    // Lifetimes count from local receipt: a server's created_at (an old one, or a clock far from
    // ours) must not make a token look older or younger than expires_in says.
    return new TokenSet(
        AccessToken.of(parsed.accessToken()),
        parsed.tokenType(),
        now,
        now.plus(lifetime),
        parsed.refreshToken() == null ? null : RefreshToken.of(parsed.refreshToken()),
        parsed.refreshExpiresInSeconds() >= 0
            ? now.plusSeconds(parsed.refreshExpiresInSeconds())
            : null,
        parsed.scopes(),
        parsed.audience());
  }

  private TokenBrokerException failure(
      String what,
      HTTPResponse response,
      Collection<String> secrets,
      @Nullable GrantKey key,
      boolean carriesGrant) {
    int status = response.getStatusCode();
    String body = response.getBody();
    Map<String, Object> json = TokenResponses.parseObject(body);
    String error = null;
    String description = null;
    if (json != null) {
      if (json.get("error") instanceof String e && !e.isBlank()) {
        error = scrub(e, secrets);
      }
      for (String field : new String[] {"error_description", "message", "errors"}) {
        if (description == null && json.get(field) instanceof String d && !d.isBlank()) {
          description = scrub(d, secrets);
        }
      }
    }
    Duration retryAfter =
        RetryAfter.parse(response.getHeaderValue("Retry-After"), clock.instant()).orElse(null);
    String bodyNote = json == null ? " with " + TokenResponses.describeBody(body) : "";
    if (status == 429 || (status == 503 && retryAfter != null)) {
      String message =
          TokenBrokerException.describe(
                  what + " was rate limited" + bodyNote, status, error, description)
              + (retryAfter == null ? "" : "; retry after " + retryAfter.toSeconds() + " s");
      return new RateLimitedException(message, status, retryAfter, key);
    }
    if (status >= 500 || status == 408) {
      String message =
          TokenBrokerException.describe(
              what + " failed on the server side" + bodyNote, status, error, description);
      return transientFailure(
          message,
          status == 408
              ? TransientTokenException.Kind.TIMEOUT
              : TransientTokenException.Kind.SERVER_ERROR,
          status,
          key,
          null,
          retryAfter);
    }
    // A vendor's bare status means invalid_grant only in a JSON answer that names no other error:
    // an HTML page from a proxy, or invalid_client, must not kill a grant.
    boolean vendorInvalidGrant =
        carriesGrant
            && provider.invalidGrantStatuses().contains(status)
            && json != null
            && (error == null || !CONFIGURATION_ERRORS.contains(error));
    if ("invalid_grant".equals(error) || vendorInvalidGrant) {
      return new InvalidGrantException(
          TokenBrokerException.describe(
              what + " was refused: the grant is invalid, expired, revoked or already used",
              status,
              error,
              description),
          status,
          error,
          description,
          key);
    }
    String summary =
        error != null && CONFIGURATION_ERRORS.contains(error)
            ? what + " was refused: check the client id, secret, scopes and provider settings"
            : what + " was refused" + bodyNote;
    return new ClientConfigurationException(
        TokenBrokerException.describe(summary, status, error, description),
        status,
        error,
        description,
        key);
  }

  private static TransientTokenException transientFailure(
      String message,
      TransientTokenException.Kind kind,
      int status,
      @Nullable GrantKey key,
      @Nullable Throwable cause) {
    return transientFailure(message, kind, status, key, cause, null);
  }

  private static TransientTokenException transientFailure(
      String message,
      TransientTokenException.Kind kind,
      int status,
      @Nullable GrantKey key,
      @Nullable Throwable cause,
      @Nullable Duration retryAfter) {
    return new TransientTokenException(message, kind, status, retryAfter, key, cause);
  }

  private static String scrub(String text, Collection<String> secrets) {
    String result = text;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        result = result.replace(secret, "[redacted]");
      }
    }
    return result.length() > 500 ? result.substring(0, 500) + "…" : result;
  }

  private static String withoutQuery(URI uri) {
    String s = uri.toString();
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q);
  }

  private static <T extends Throwable> @Nullable T findCause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
