package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.device.DeviceCode;
import com.nimbusds.oauth2.sdk.device.DeviceCodeGrant;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import io.tokenbroker.oauth.internal.ClientAssertions;
import io.tokenbroker.oauth.internal.DeviceResponses;
import io.tokenbroker.oauth.internal.DpopKey;
import io.tokenbroker.oauth.internal.DpopNonceCache;
import io.tokenbroker.oauth.internal.JdkHttpSender;
import io.tokenbroker.oauth.internal.PushedAuthorizationResponses;
import io.tokenbroker.oauth.internal.TokenRequests;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Single OAuth 2.0 protocol calls for one {@link ClientRegistration}: client credentials, the JWT
 * bearer grant, authorization code (with {@code state}, PKCE, optionally pushed), device
 * authorization, refresh and revocation. No caching: {@code TokenBroker} does that on top.
 *
 * <pre>{@code
 * TokenClient client = TokenClient.create(ClientRegistration.of(provider, "id", ClientSecret.of(secret)));
 * TokenSet tokens = client.clientCredentials();
 * }</pre>
 *
 * <h2>Standards</h2>
 *
 * Client authentication by secret (Basic, post), {@code private_key_jwt} and {@code
 * client_secret_jwt} (RFC 7523), or none; the registration's {@linkplain
 * ClientRegistration#parameters() parameters} ({@code resource}, {@code audience}, ...) on the
 * authorization request and every token request; endpoints explicit or discovered (RFC 8414); the
 * {@code iss} check of RFC 9207; pushed authorization requests (RFC 9126); the device authorization
 * grant (RFC 8628); DPoP (RFC 9449) with a key pair per client instance (the broker keeps one per
 * grant instead), answering {@code use_dpop_nonce} with one retry.
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

  /** RFC 8628 §3.5: the interval grows by this much after each {@code slow_down}. */
  static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);

  private final ClientRegistration registration;
  private final TokenEndpoint endpoint;
  private final Clock clock;
  private final Scheduler scheduler;
  private final DpopNonceCache nonces = new DpopNonceCache();
  private final @Nullable DpopKey ownDpopKey;

  private TokenClient(Builder builder) {
    this.registration = builder.registration;
    this.clock = builder.clock;
    this.scheduler = builder.scheduler;
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
    this.ownDpopKey = registration.dpop() ? DpopKey.generate() : null;
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

  /**
   * The DPoP key for a grant whose stored record is {@code current}: the record's key, else a new
   * one if the registration wants DPoP, else null.
   */
  @Nullable DpopKey dpopKeyFor(@Nullable GrantRecord current) {
    if (current != null && current.dpopKey() != null) {
      return current.dpopKey();
    }
    return registration.dpop() ? DpopKey.generate() : null;
  }

  /** Runs the client-credentials grant (RFC 6749 §4.4). */
  public TokenSet clientCredentials() {
    return clientCredentials(null, ownDpopKey, TokenEndpoint.NO_DEADLINE);
  }

  TokenSet clientCredentials(@Nullable GrantKey key) {
    return clientCredentials(key, ownDpopKey, TokenEndpoint.NO_DEADLINE);
  }

  /** As {@link #clientCredentials()}, with no attempt running past {@code deadlineNanos}. */
  TokenSet clientCredentials(@Nullable GrantKey key, @Nullable DpopKey dpop, long deadlineNanos) {
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    return endpoint.requestTokens(
        "client-credentials request to " + provider.name(),
        () ->
            toTokenEndpoint(
                withScope(new ClientCredentialsGrant().toParameters()), endpoints, dpop),
        secrets(),
        key,
        false,
        deadlineNanos,
        dpop == null ? null : nonces);
  }

  /**
   * Runs the JWT-bearer grant (RFC 7523 §2.1) with an assertion signed by the registration's {@link
   * ClientKey}: {@code iss} the client id, {@code sub} the registration's {@linkplain
   * ClientRegistration#assertionSubject() assertion subject}, {@code aud} the issuer or token
   * endpoint.
   *
   * @throws ClientConfigurationException if the registration has no key or no assertion subject
   */
  public TokenSet jwtBearer() {
    return jwtBearer(null, ownDpopKey, TokenEndpoint.NO_DEADLINE);
  }

  TokenSet jwtBearer(@Nullable GrantKey key, @Nullable DpopKey dpop, long deadlineNanos) {
    ClientKey clientKey = registration.clientKey();
    String subject = registration.assertionSubject();
    if (clientKey == null || subject == null) {
      throw new ClientConfigurationException(
          "the JWT-bearer grant needs the registration's client key and assertion subject");
    }
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    URI audience = Provider.assertionAudience(endpoints, provider.assertionAudience());
    return endpoint.requestTokens(
        "JWT-bearer request to " + provider.name(),
        () -> {
          Map<String, List<String>> params = new LinkedHashMap<>();
          params.put("grant_type", List.of("urn:ietf:params:oauth:grant-type:jwt-bearer"));
          params.put(
              "assertion",
              List.of(
                  ClientAssertions.jwtBearer(
                      registration.clientId(),
                      subject,
                      audience,
                      clientKey.privateKey(),
                      clientKey.algorithm().name(),
                      clientKey.keyId().orElse(null),
                      clock.instant())));
          return toTokenEndpoint(withScope(params), endpoints, dpop);
        },
        secrets(),
        key,
        false,
        deadlineNanos,
        dpop == null ? null : nonces);
  }

  /** The grant a broker renews by itself: client credentials or JWT bearer. */
  TokenSet obtain(
      GrantType type, @Nullable GrantKey key, @Nullable DpopKey dpop, long deadlineNanos) {
    return type == GrantType.JWT_BEARER
        ? jwtBearer(key, dpop, deadlineNanos)
        : clientCredentials(key, dpop, deadlineNanos);
  }

  /**
   * Refreshes {@code current} (RFC 6749 §6) and returns the merged result: a response without a
   * refresh token keeps the current one, a new one replaces it.
   *
   * @throws IllegalArgumentException if {@code current} has no refresh token
   */
  public TokenSet refresh(TokenSet current) {
    return refresh(current, null, ownDpopKey, TokenEndpoint.NO_DEADLINE);
  }

  TokenSet refresh(TokenSet current, @Nullable GrantKey key) {
    return refresh(current, key, ownDpopKey, TokenEndpoint.NO_DEADLINE);
  }

  /**
   * As {@link #refresh(TokenSet)}, with no attempt running past {@code deadlineNanos} (on the
   * scheduler's clock): the broker keeps the end of its lease free for the write.
   */
  TokenSet refresh(
      TokenSet current, @Nullable GrantKey key, @Nullable DpopKey dpop, long deadlineNanos) {
    requireNonNull(current, "current == null");
    RefreshToken refreshToken = current.refreshToken();
    if (refreshToken == null) {
      throw new IllegalArgumentException("the token set has no refresh token to refresh with");
    }
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    TokenSet next =
        endpoint.requestTokens(
            "refresh request to " + provider.name(),
            () -> {
              Map<String, List<String>> params =
                  new LinkedHashMap<>(
                      new RefreshTokenGrant(
                              new com.nimbusds.oauth2.sdk.token.RefreshToken(
                                  refreshToken.revealValue()))
                          .toParameters());
              if (!provider.refreshSendsGrantType()) {
                params.remove("grant_type");
              }
              return tokenRequest(
                  endpoints.refresh(),
                  params,
                  provider.refreshParameters(),
                  provider.refreshClientAuthentication(),
                  endpoints,
                  dpop);
            },
            secrets(refreshToken.revealValue()),
            key,
            true,
            deadlineNanos,
            dpop == null ? null : nonces);
    return current.mergeRefreshed(next);
  }

  /**
   * Starts an authorization-code consent for {@code redirectUri}: a loopback receiver's URI, an
   * app-hosted callback, or {@link #OUT_OF_BAND}. With pushed authorization requests (RFC 9126:
   * asked for, or required by the server's metadata) the parameters are sent to the server first
   * and the URL carries only {@code client_id} and {@code request_uri}.
   *
   * @throws IllegalStateException if the provider has no authorization endpoint (or pushed requests
   *     are wanted and it has no pushed authorization request endpoint)
   * @throws TokenBrokerException if discovery or the pushed request fails
   */
  public AuthorizationRequest authorizationRequest(URI redirectUri) {
    requireNonNull(redirectUri, "redirectUri == null");
    return authorizationRequest(redirectUri, null, ownDpopKey);
  }

  AuthorizationRequest authorizationRequest(
      URI redirectUri, @Nullable GrantKey key, @Nullable DpopKey dpop) {
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    URI authorizationEndpoint = endpoints.authorization();
    if (authorizationEndpoint == null) {
      throw new IllegalStateException(
          "provider '" + provider.name() + "' has no authorization endpoint");
    }
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
    provider
        .extraAuthorizationParameters()
        .forEach((name, value) -> params.put(name, List.of(value)));
    params.putAll(registration.parameters());
    if (dpop != null) {
      params.put("dpop_jkt", List.of(dpop.thumbprint())); // RFC 9449 §10: binds the code
    }
    URI uri;
    if (endpoints.usePushedAuthorization()) {
      URI pushed = pushAuthorizationRequest(params, endpoints, key);
      Map<String, List<String>> reference = new LinkedHashMap<>();
      reference.put("client_id", List.of(registration.clientId()));
      reference.put("request_uri", List.of(pushed.toString()));
      uri =
          TokenRequests.appendQuery(authorizationEndpoint, URLUtils.serializeParameters(reference));
    } else {
      uri = TokenRequests.appendQuery(authorizationEndpoint, URLUtils.serializeParameters(params));
    }
    return new AuthorizationRequest(
        uri,
        redirectUri,
        state.getValue(),
        provider.stateRequired(),
        endpoints.issuer() == null ? null : endpoints.issuer().toString(),
        endpoints.issRequired(),
        code -> exchangeCode(code, redirectUri, verifier, key, dpop),
        verifier == null ? null : verifier.getValue());
  }

  /** Exchanges {@code code} with a PKCE verifier kept elsewhere (a pending consent). */
  TokenSet exchangeCode(
      String code,
      URI redirectUri,
      @Nullable String verifier,
      GrantKey key,
      @Nullable DpopKey dpop) {
    return exchangeCode(
        code, redirectUri, verifier == null ? null : new CodeVerifier(verifier), key, dpop);
  }

  /** RFC 9126 §2: posts the parameters, returns the {@code request_uri}. */
  private URI pushAuthorizationRequest(
      Map<String, List<String>> params, Provider.Endpoints endpoints, @Nullable GrantKey key) {
    Provider provider = registration.provider();
    URI par = endpoints.pushedAuthorization();
    if (par == null) {
      throw new IllegalStateException(
          "provider '"
              + provider.name()
              + "' wants pushed authorization requests but has no pushed authorization request"
              + " endpoint");
    }
    Map<String, List<String>> body = new LinkedHashMap<>(params);
    body.remove("client_id"); // the client authentication below identifies the client
    return endpoint.exchange(
        "pushed authorization request to " + provider.name(),
        () ->
            tokenRequest(
                par,
                body,
                ParameterPlacement.FORM_BODY,
                provider.clientAuthentication(),
                endpoints,
                null,
                false),
        secrets(),
        key,
        null,
        response ->
            response.getStatusCode() == 201 || response.getStatusCode() == 200
                ? PushedAuthorizationResponses.parse(response.getBody()).requestUri()
                : null);
  }

  private TokenSet exchangeCode(
      String code,
      URI redirectUri,
      @Nullable CodeVerifier verifier,
      @Nullable GrantKey key,
      @Nullable DpopKey dpop) {
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    return endpoint.requestTokens(
        "authorization-code exchange with " + provider.name(),
        () ->
            toTokenEndpoint(
                new AuthorizationCodeGrant(new AuthorizationCode(code), redirectUri, verifier)
                    .toParameters(),
                endpoints,
                dpop),
        secrets(code, verifier == null ? null : verifier.getValue()),
        key,
        true,
        TokenEndpoint.NO_DEADLINE,
        dpop == null ? null : nonces);
  }

  /**
   * Starts a device authorization (RFC 8628): asks the server for a device code and a user code.
   * Show the user {@link DeviceAuthorization#verificationUri()} and {@link
   * DeviceAuthorization#userCode()}, then {@link DeviceAuthorization#await(Duration) await} the
   * tokens.
   *
   * @throws IllegalStateException if the provider has no device authorization endpoint
   * @throws TokenBrokerException if the server refuses or fails
   */
  public DeviceAuthorization deviceAuthorization() {
    return deviceAuthorization(null, ownDpopKey);
  }

  DeviceAuthorization deviceAuthorization(@Nullable GrantKey key, @Nullable DpopKey dpop) {
    Provider provider = registration.provider();
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    URI device = endpoints.deviceAuthorization();
    if (device == null) {
      throw new IllegalStateException(
          "provider '" + provider.name() + "' has no device authorization endpoint");
    }
    Instant started = clock.instant();
    DeviceResponses.Started answer =
        endpoint.exchange(
            "device authorization request to " + provider.name(),
            () ->
                tokenRequest(
                    device,
                    withScope(new LinkedHashMap<>()),
                    ParameterPlacement.FORM_BODY,
                    deviceAuthentication(provider.clientAuthentication()),
                    endpoints,
                    null),
            secrets(),
            key,
            null,
            response ->
                response.getStatusCode() == 200 ? DeviceResponses.parse(response.getBody()) : null);
    Instant expiresAt = started.plusSeconds(answer.expiresInSeconds());
    Duration interval = Duration.ofSeconds(answer.intervalSeconds());
    return new DeviceAuthorization(
        answer.userCode(),
        answer.verificationUri(),
        answer.verificationUriComplete(),
        expiresAt,
        interval,
        timeout ->
            pollDevice(answer.deviceCode(), expiresAt, interval, timeout, endpoints, key, dpop));
  }

  /**
   * RFC 8628 §3.4: a public client identifies itself with {@code client_id}; the device endpoint
   * authenticates like the token endpoint otherwise.
   */
  private static ClientAuthentication deviceAuthentication(ClientAuthentication method) {
    return method == ClientAuthentication.NONE ? ClientAuthentication.CLIENT_ID_ONLY : method;
  }

  /** RFC 8628 §3.4-3.5: polls until approved, denied, expired or out of time. */
  private TokenSet pollDevice(
      String deviceCode,
      Instant expiresAt,
      Duration startInterval,
      Duration timeout,
      Provider.Endpoints endpoints,
      @Nullable GrantKey key,
      @Nullable DpopKey dpop) {
    Provider provider = registration.provider();
    Instant deadline = clock.instant().plus(timeout);
    Duration interval = startInterval;
    while (true) {
      try {
        scheduler.sleep(interval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while waiting for the device authorization");
      }
      Instant now = clock.instant();
      if (!now.isBefore(expiresAt)) {
        throw deviceExpired();
      }
      if (now.isAfter(deadline)) {
        throw new ConsentException(
            "the device authorization was not approved within " + timeout.toSeconds() + " s",
            ConsentException.Kind.TIMEOUT,
            null,
            null);
      }
      try {
        return endpoint.requestTokens(
            "device token request to " + provider.name(),
            () ->
                tokenRequest(
                    endpoints.token(),
                    new DeviceCodeGrant(new DeviceCode(deviceCode)).toParameters(),
                    provider.tokenParameters(),
                    deviceAuthentication(provider.clientAuthentication()),
                    endpoints,
                    dpop),
            secrets(deviceCode),
            key,
            false,
            TokenEndpoint.NO_DEADLINE,
            dpop == null ? null : nonces);
      } catch (ClientConfigurationException | InvalidGrantException e) {
        String error = e.oauthError().orElse("");
        switch (error) {
          case "authorization_pending" -> {}
          case "slow_down" -> interval = interval.plus(SLOW_DOWN_STEP);
          case "expired_token" -> throw deviceExpired();
          case "access_denied" ->
              throw new ConsentException(
                  "the user or the authorization server denied the device authorization",
                  ConsentException.Kind.ACCESS_DENIED,
                  "access_denied",
                  e.errorDescription().orElse(null));
          default -> throw e;
        }
      } catch (TransientTokenException e) {
        // RFC 8628 §3.5: after a failed request, poll less often; give up only at the deadline.
        interval = interval.multipliedBy(2);
        if (!clock.instant().plus(interval).isBefore(expiresAt)) {
          throw e;
        }
      }
    }
  }

  private static ConsentException deviceExpired() {
    return new ConsentException(
        "the device code expired before the user approved; start the device authorization again",
        ConsentException.Kind.EXPIRED,
        "expired_token",
        null);
  }

  /**
   * Revokes the grant {@code tokens} belong to, sending the token the provider's {@link
   * Provider#revocationToken()} names: the refresh token when there is one (the default), or always
   * the access token.
   *
   * @return {@code false} if the provider has no revocation endpoint, {@code true} once revoked
   */
  public boolean revoke(TokenSet tokens) {
    requireNonNull(tokens, "tokens == null");
    RefreshToken refreshToken = tokens.refreshToken();
    if (refreshToken == null
        || registration.provider().revocationToken() == Provider.RevocationToken.ACCESS_TOKEN) {
      return revoke(tokens.accessToken());
    }
    return revoke(refreshToken);
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
    Provider.Endpoints endpoints = provider.endpoints(endpoint);
    URI revocation = endpoints.revocation();
    if (revocation == null) {
      return false;
    }
    Map<String, List<String>> params = new LinkedHashMap<>();
    params.put("token", List.of(token.revealValue()));
    params.put(
        "token_type_hint",
        List.of(token instanceof RefreshToken ? "refresh_token" : "access_token"));
    endpoint.requestNoContent(
        "revocation request to " + provider.name(),
        () ->
            tokenRequest(
                revocation,
                params,
                ParameterPlacement.FORM_BODY,
                provider.clientAuthentication(),
                endpoints,
                null,
                false),
        secrets(token.revealValue()),
        null);
    return true;
  }

  private HTTPRequest tokenRequest(
      URI uri,
      Map<String, List<String>> params,
      ParameterPlacement placement,
      ClientAuthentication auth,
      Provider.Endpoints endpoints,
      @Nullable DpopKey dpop) {
    return tokenRequest(uri, params, placement, auth, endpoints, dpop, true);
  }

  /** A request to the token endpoint, placed and authenticated as the provider says. */
  private HTTPRequest toTokenEndpoint(
      Map<String, List<String>> params, Provider.Endpoints endpoints, @Nullable DpopKey dpop) {
    Provider provider = registration.provider();
    return tokenRequest(
        endpoints.token(),
        params,
        provider.tokenParameters(),
        provider.clientAuthentication(),
        endpoints,
        dpop);
  }

  /**
   * A request to one of the server's endpoints: the registration's parameters added when {@code
   * withRegistrationParameters}, the client authenticated by {@code auth} (with a fresh signed
   * assertion for the JWT methods), and a DPoP proof when {@code dpop} is given.
   */
  private HTTPRequest tokenRequest(
      URI uri,
      Map<String, List<String>> params,
      ParameterPlacement placement,
      ClientAuthentication auth,
      Provider.Endpoints endpoints,
      @Nullable DpopKey dpop,
      boolean withRegistrationParameters) {
    Map<String, List<String>> all = new LinkedHashMap<>(params);
    if (withRegistrationParameters) {
      all.putAll(registration.parameters());
    }
    HTTPRequest request =
        TokenRequests.build(
            uri,
            all,
            placement,
            auth,
            registration.clientId(),
            clientSecretValue(),
            registration.provider().formEncodeBasicCredentials(),
            clientAssertion(auth, endpoints));
    if (dpop != null) {
      request.setHeader("DPoP", dpop.proof("POST", uri, clock.instant(), null, nonces.get(uri)));
    }
    return request;
  }

  private @Nullable Map<String, List<String>> clientAssertion(
      ClientAuthentication auth, Provider.Endpoints endpoints) {
    Provider provider = registration.provider();
    URI audience = Provider.assertionAudience(endpoints, provider.assertionAudience());
    if (auth == ClientAuthentication.PRIVATE_KEY_JWT) {
      ClientKey key = registration.clientKey();
      if (key == null) {
        throw new ClientConfigurationException(
            "client authentication PRIVATE_KEY_JWT needs a client key, and the registration has"
                + " none");
      }
      return ClientAssertions.privateKeyJwt(
          registration.clientId(),
          audience,
          key.privateKey(),
          key.algorithm().name(),
          key.keyId().orElse(null),
          clock.instant());
    }
    if (auth == ClientAuthentication.CLIENT_SECRET_JWT) {
      String secret = clientSecretValue();
      if (secret == null) {
        throw new ClientConfigurationException(
            "client authentication CLIENT_SECRET_JWT needs a client secret, and the registration"
                + " has none");
      }
      return ClientAssertions.clientSecretJwt(
          registration.clientId(), audience, secret, clock.instant());
    }
    return null;
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
    return "TokenClient["
        + registration.provider().name()
        + ", client="
        + registration.clientId()
        + "]";
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

    /**
     * The clock that stamps issue and expiry times, assertions and proofs, and times device
     * polling; default the system UTC clock.
     */
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
