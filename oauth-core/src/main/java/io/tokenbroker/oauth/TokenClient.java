package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import io.tokenbroker.oauth.internal.JdkHttpSender;
import io.tokenbroker.oauth.internal.TokenRequests;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Single OAuth 2.0 protocol calls for one {@link ClientRegistration}: client credentials,
 * authorization code (with {@code state} and PKCE), refresh and revocation. No caching: {@code
 * TokenBroker} does that on top.
 *
 * <pre>{@code
 * TokenClient client = TokenClient.create(ClientRegistration.of(provider, "id", ClientSecret.of(secret)));
 * TokenSet tokens = client.clientCredentials();
 * }</pre>
 *
 * <h2>Failures</h2>
 *
 * Every call throws a {@link TokenBrokerException} subtype: {@link InvalidGrantException}, {@link
 * ClientConfigurationException} (never retried), {@link TransientTokenException} / {@link
 * RateLimitedException} after the {@link RetryPolicy}'s attempts are used up. Response bodies are
 * capped (1 MiB by default); endpoints must be {@code https} except on loopback hosts.
 *
 * <p>Thread-safe; share one instance per registration.
 */
public final class TokenClient {
  /** The out-of-band redirect URI: the provider shows the code and the user pastes it. */
  public static final URI OUT_OF_BAND = URI.create("urn:ietf:wg:oauth:2.0:oob");

  /** The default cap on token-endpoint response bodies. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;

  private final ClientRegistration registration;
  private final TokenEndpoint endpoint;
  private final Clock clock;

  private TokenClient(Builder builder) {
    this.registration = builder.registration;
    this.clock = builder.clock;
    HttpClient http =
        builder.httpClient != null
            ? builder.httpClient
            : HttpClient.newBuilder()
                .connectTimeout(builder.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    this.endpoint =
        new TokenEndpoint(
            registration.provider(),
            new JdkHttpSender(http, builder.requestTimeout, builder.maxResponseBytes),
            builder.clock,
            builder.retryPolicy,
            builder.scheduler,
            builder.random,
            builder.requestTimeout);
  }

  /** A client with default settings: system clock, 10 s connect and 30 s request timeouts. */
  public static TokenClient create(ClientRegistration registration) {
    return builder(registration).build();
  }

  public static Builder builder(ClientRegistration registration) {
    return new Builder(registration);
  }

  public ClientRegistration registration() {
    return registration;
  }

  Clock clock() {
    return clock;
  }

  /** Runs the client-credentials grant (RFC 6749 §4.4). */
  public TokenSet clientCredentials() {
    return clientCredentials(null);
  }

  TokenSet clientCredentials(@Nullable GrantKey key) {
    return clientCredentials(key, TokenEndpoint.NO_DEADLINE);
  }

  /** As {@link #clientCredentials()}, with no attempt running past {@code deadlineNanos}. */
  TokenSet clientCredentials(@Nullable GrantKey key, long deadlineNanos) {
    Provider provider = registration.provider();
    return endpoint.requestTokens(
        "client-credentials request to " + provider.name(),
        () -> tokenRequest(provider.tokenEndpoint(), withScope(new ClientCredentialsGrant().toParameters()),
            provider.tokenParameters(), provider.clientAuthentication()),
        secrets(),
        key,
        false,
        deadlineNanos);
  }

  /**
   * Refreshes {@code current} (RFC 6749 §6) and returns the merged result: a response without a
   * refresh token keeps the current one, a new one replaces it.
   *
   * @throws IllegalArgumentException if {@code current} has no refresh token
   */
  public TokenSet refresh(TokenSet current) {
    return refresh(current, null);
  }

  TokenSet refresh(TokenSet current, @Nullable GrantKey key) {
    return refresh(current, key, TokenEndpoint.NO_DEADLINE);
  }

  /**
   * As {@link #refresh(TokenSet)}, with no attempt running past {@code deadlineNanos} (on the
   * scheduler's clock): the broker keeps the end of its lease free for the write.
   */
  TokenSet refresh(TokenSet current, @Nullable GrantKey key, long deadlineNanos) {
    requireNonNull(current, "current == null");
    RefreshToken refreshToken = current.refreshToken();
    if (refreshToken == null) {
      throw new IllegalArgumentException("the token set has no refresh token to refresh with");
    }
    Provider provider = registration.provider();
    TokenSet next =
        endpoint.requestTokens(
            "refresh request to " + provider.name(),
            () -> {
              Map<String, List<String>> params =
                  new LinkedHashMap<>(
                      new RefreshTokenGrant(
                              new com.nimbusds.oauth2.sdk.token.RefreshToken(refreshToken.revealValue()))
                          .toParameters());
              if (!provider.refreshSendsGrantType()) {
                params.remove("grant_type");
              }
              return tokenRequest(provider.refreshEndpoint(), params, provider.refreshParameters(),
                  provider.refreshClientAuthentication());
            },
            secrets(refreshToken.revealValue()),
            key,
            true,
            deadlineNanos);
    return current.mergeRefreshed(next);
  }

  /**
   * Starts an authorization-code consent for {@code redirectUri}: a loopback receiver's URI, an
   * app-hosted callback, or {@link #OUT_OF_BAND}.
   *
   * @throws IllegalStateException if the provider has no authorization endpoint
   */
  public AuthorizationRequest authorizationRequest(URI redirectUri) {
    requireNonNull(redirectUri, "redirectUri == null");
    return authorizationRequest(redirectUri, null);
  }

  AuthorizationRequest authorizationRequest(URI redirectUri, @Nullable GrantKey key) {
    Provider provider = registration.provider();
    URI authorizationEndpoint =
        provider.authorizationEndpoint().orElseThrow(() -> new IllegalStateException(
            "provider '" + provider.name() + "' has no authorization endpoint"));
    State state = new State();
    CodeVerifier verifier = provider.pkce() ? new CodeVerifier() : null;
    com.nimbusds.oauth2.sdk.AuthorizationRequest.Builder request =
        new com.nimbusds.oauth2.sdk.AuthorizationRequest.Builder(
                new ResponseType(ResponseType.Value.CODE), new ClientID(registration.clientId()))
            .redirectionURI(redirectUri)
            .state(state);
    if (!registration.scopes().isEmpty()) {
      request.scope(new Scope(registration.scopes().toArray(String[]::new)));
    }
    if (verifier != null) {
      request.codeChallenge(verifier, CodeChallengeMethod.S256);
    }
    Map<String, List<String>> params = new LinkedHashMap<>(request.build().toParameters());
    if (!provider.authorizationSendsClientId()) {
      params.remove("client_id");
    }
    provider.extraAuthorizationParameters().forEach((name, value) -> params.put(name, List.of(value)));
    URI uri = TokenRequests.appendQuery(authorizationEndpoint, URLUtils.serializeParameters(params));
    return new AuthorizationRequest(
        uri, redirectUri, state.getValue(), provider.stateRequired(),
        code -> exchangeCode(code, redirectUri, verifier, key));
  }

  private TokenSet exchangeCode(
      String code, URI redirectUri, @Nullable CodeVerifier verifier, @Nullable GrantKey key) {
    Provider provider = registration.provider();
    return endpoint.requestTokens(
        "authorization-code exchange with " + provider.name(),
        () -> tokenRequest(provider.tokenEndpoint(),
            new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, verifier).toParameters(),
            provider.tokenParameters(), provider.clientAuthentication()),
        secrets(code, verifier == null ? null : verifier.getValue()),
        key,
        true,
        TokenEndpoint.NO_DEADLINE);
  }

  /**
   * Revokes {@code token} at the provider's RFC 7009 endpoint (revoking a refresh token usually
   * ends the whole grant).
   *
   * @return {@code false} if the provider has no revocation endpoint, {@code true} once revoked
   */
  public boolean revoke(Secret token) {
    requireNonNull(token, "token == null");
    Provider provider = registration.provider();
    URI revocation = provider.revocationEndpoint().orElse(null);
    if (revocation == null) {
      return false;
    }
    Map<String, List<String>> params = new LinkedHashMap<>();
    params.put("token", List.of(token.revealValue()));
    params.put("token_type_hint", List.of(token instanceof RefreshToken ? "refresh_token" : "access_token"));
    endpoint.requestNoContent(
        "revocation request to " + provider.name(),
        () -> TokenRequests.build(revocation, params, ParameterPlacement.FORM_BODY,
            provider.clientAuthentication(), registration.clientId(), clientSecretValue(),
            provider.formEncodeBasicCredentials()),
        secrets(token.revealValue()),
        null);
    return true;
  }

  private HTTPRequest tokenRequest(
      URI uri, Map<String, List<String>> params, ParameterPlacement placement, ClientAuthentication auth) {
    return TokenRequests.build(uri, params, placement, auth, registration.clientId(), clientSecretValue(),
        registration.provider().formEncodeBasicCredentials());
  }

  private Map<String, List<String>> withScope(Map<String, List<String>> params) {
    if (registration.scopes().isEmpty()) {
      return params;
    }
    Map<String, List<String>> copy = new LinkedHashMap<>(params);
    copy.put("scope", List.of(String.join(" ", registration.scopes())));
    return copy;
  }

  private @Nullable String clientSecretValue() {
    ClientSecret secret = registration.clientSecret();
    return secret == null ? null : secret.revealValue();
  }

  private List<String> secrets(@Nullable String... more) {
    List<String> values = new ArrayList<>();
    String secret = clientSecretValue();
    if (secret != null) {
      values.add(secret);
    }
    for (String value : more) {
      if (value != null) {
        values.add(value);
      }
    }
    return values;
  }

  /** Refuses an HttpClient that would follow a token endpoint's redirect with the secrets. */
  static HttpClient requireNoRedirects(HttpClient client) {
    requireNonNull(client, "client == null");
    if (client.followRedirects() != HttpClient.Redirect.NEVER) {
      throw new IllegalArgumentException(
          "the HttpClient follows redirects ("
              + client.followRedirects()
              + "): a redirected token request would carry the refresh token and client secret"
              + " to another address; build it with followRedirects(HttpClient.Redirect.NEVER)");
    }
    return client;
  }

  @Override
  public String toString() {
    return "TokenClient[" + registration.provider().name() + ", client=" + registration.clientId() + "]";
  }

  /** Configures a {@link TokenClient}. Not thread-safe. */
  public static final class Builder {
    private final ClientRegistration registration;
    private @Nullable HttpClient httpClient;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private RetryPolicy retryPolicy = RetryPolicy.defaults();
    private Clock clock = Clock.systemUTC();
    private Scheduler scheduler = Scheduler.system();
    private RandomGenerator random = new SecureRandom();

    private Builder(ClientRegistration registration) {
      this.registration = requireNonNull(registration, "registration == null");
    }

    /**
     * Uses your {@link HttpClient} (proxy, TLS, executor); its own connect timeout applies.
     *
     * @throws IllegalArgumentException if {@code client} follows redirects ({@link
     *     HttpClient#followRedirects()} is not {@link HttpClient.Redirect#NEVER}): a redirected
     *     token request would carry the refresh token, code and client secret to another address
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNoRedirects(client);
      return this;
    }

    /** Connect timeout of the default HttpClient; default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** Time limit for one request, from sending to the end of the response; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** Cap on response bodies; default 1 MiB. */
    public Builder maxResponseBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxResponseBytes < 1024: " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = requireNonNull(policy, "policy == null");
      return this;
    }

    /** The clock that stamps issue and expiry times; default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /**
     * How retries wait and how deadlines are measured; default {@link Scheduler#system()}. Tests
     * pass a scheduler on virtual time so that no retry sleeps.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random == null");
      return this;
    }

    public TokenClient build() {
      return new TokenClient(this);
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
