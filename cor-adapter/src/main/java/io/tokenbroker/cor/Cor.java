package io.tokenbroker.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.ParameterPlacement;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.RefreshToken;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TransientTokenException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * COR (projectcor.com) for the token broker: {@link Provider} descriptors and client registrations
 * for each of COR's ways to get a token, with COR's quirks declared as data.
 *
 * <pre>{@code
 * Cor cor = Cor.production();
 * // Server to server (recommended by COR):
 * broker.register(key, cor.clientCredentials(apiKey, ClientSecret.of(secret)),
 *     GrantType.CLIENT_CREDENTIALS);
 * // On behalf of a user, after a consent in the browser:
 * broker.register(userKey, cor.authorizationCode("acme", "My App"), GrantType.AUTHORIZATION_CODE);
 * AuthorizationRequest consent = broker.authorizationRequest(userKey, receiver.redirectUri());
 * // ... open consent.uri(), then consent.complete(receiver.awaitCallback(consent.state()))
 * CorClient api = cor.client(broker, key);
 * }</pre>
 *
 * <h2>COR's wire format, as built here</h2>
 *
 * <ul>
 *   <li><b>Client credentials</b>: {@code POST {api}/oauth/token?grant_type=client_credentials}
 *       with {@code Authorization: Basic base64(API_KEY:CLIENT_SECRET)} of the raw values and no
 *       body. COR also returns a refresh token; registered as {@code GrantType.CLIENT_CREDENTIALS}
 *       the broker keeps it but renews by running client credentials again.
 *   <li><b>Authorization code</b>: consent at {@code https://{subdomain}.cor.works/oauth2/authorize
 *       ?name=APP&response_type=code&redirect_uri=…} (the app's name, no {@code client_id}); then
 *       {@code POST {api}/oauth2/token?grant_type=authorization_code&code=…} in the query string,
 *       with no client authentication by default. The broker also sends {@code state} and {@code
 *       redirect_uri} (COR documents neither; a callback without {@code state} is accepted unless
 *       {@link Builder#requireState}). Works with a loopback receiver and with a pasted code.
 *   <li><b>Refresh</b>: {@code POST {api}/oauth/refreshtoken}, form field {@code refresh_token}
 *       only: no {@code grant_type}, no client authentication. The new refresh token replaces the
 *       old. A 400 or 401 answer means the refresh token is dead (re-authorization required).
 *   <li><b>Development-only login</b>: {@link #devLogin} posts {@code email} and {@code password}
 *       to {@code {api}/auth/login}. COR marks it "for testing and development purposes only".
 * </ul>
 *
 * <p>Immutable and thread-safe. Every UNCONFIRMED behaviour of COR is a {@link Builder} option
 * whose default is the documented behaviour; see the module README.
 */
public final class Cor {
  /** COR's API base: {@value}. */
  public static final URI DEFAULT_API_BASE = URI.create("https://api.projectcor.com/v1");

  /** The name of every provider built here; it appears in grant status and messages. */
  public static final String PROVIDER_NAME = "cor";

  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final String DEV_LOGIN_CLIENT_ID = "cor-dev-login";

  private final URI apiBase;
  private final @Nullable URI consentBase;
  private final Clock clock;
  private final @Nullable HttpClient httpClient;
  private final Duration requestTimeout;
  private final boolean requireState;
  private final boolean pkce;
  private final boolean formEncodeBasicCredentials;
  private final int[] invalidGrantStatuses;
  private final ClientAuthentication codeExchangeClientAuthentication;
  private final Duration defaultTokenLifetime;

  private Cor(Builder b) {
    this.apiBase = b.apiBase;
    this.consentBase = b.consentBase;
    this.clock = b.clock;
    this.httpClient = b.httpClient;
    this.requestTimeout = b.requestTimeout;
    this.requireState = b.requireState;
    this.pkce = b.pkce;
    this.formEncodeBasicCredentials = b.formEncodeBasicCredentials;
    this.invalidGrantStatuses = b.invalidGrantStatuses.clone();
    this.codeExchangeClientAuthentication = b.codeExchangeClientAuthentication;
    this.defaultTokenLifetime = b.defaultTokenLifetime;
  }

  /** COR as documented: {@link #DEFAULT_API_BASE}, consent on {@code {subdomain}.cor.works}. */
  public static Cor production() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The API base, e.g. {@code https://api.projectcor.com/v1}. */
  public URI apiBaseUri() {
    return apiBase;
  }

  /**
   * The consent endpoint for the COR account {@code subdomain}: {@code
   * https://{subdomain}.cor.works/oauth2/authorize}, or {@code {consentBaseUri}/oauth2/authorize}
   * when a consent base was set (the subdomain is then only checked).
   *
   * @throws IllegalArgumentException if {@code subdomain} is not a DNS label
   */
  public URI authorizationEndpoint(String subdomain) {
    requireNonNull(subdomain, "subdomain == null");
    String label = subdomain.toLowerCase(Locale.ROOT);
    if (!SUBDOMAIN.matcher(label).matches()) {
      throw new IllegalArgumentException("subdomain is not a DNS label: " + subdomain);
    }
    String base =
        consentBase != null
            ? stripSlash(consentBase.toString())
            : "https://" + label + ".cor.works";
    return URI.create(base + "/oauth2/authorize");
  }

  /**
   * The client-credentials provider: token endpoint {@code {api}/oauth/token} with {@code
   * grant_type} in the query string and raw HTTP Basic, plus COR's refresh endpoint.
   */
  public Provider clientCredentialsProvider() {
    return base()
        .tokenEndpoint(api("/oauth/token"))
        .clientAuthentication(ClientAuthentication.CLIENT_SECRET_BASIC)
        .build();
  }

  /**
   * The authorization-code provider for the COR account {@code subdomain} and the app {@code
   * appName} (COR's {@code name} parameter).
   */
  public Provider authorizationCodeProvider(String subdomain, String appName) {
    requireNonNull(appName, "appName == null");
    if (appName.isBlank()) {
      throw new IllegalArgumentException("appName is blank");
    }
    return base()
        .authorizationEndpoint(authorizationEndpoint(subdomain))
        .tokenEndpoint(api("/oauth2/token"))
        .clientAuthentication(codeExchangeClientAuthentication)
        .authorizationSendsClientId(false)
        .extraAuthorizationParameter("name", appName)
        .stateRequired(requireState)
        .pkce(pkce)
        .build();
  }

  /**
   * Client credentials with COR's API key and client secret (Settings → Integrations → API).
   * Register it as {@code GrantType.CLIENT_CREDENTIALS}.
   */
  public ClientRegistration clientCredentials(String apiKey, ClientSecret clientSecret) {
    requireNonNull(apiKey, "apiKey == null");
    requireNonNull(clientSecret, "clientSecret == null");
    if (apiKey.isEmpty() || (!formEncodeBasicCredentials && apiKey.contains(":"))) {
      throw new IllegalArgumentException("apiKey must be non-empty and hold no ':'");
    }
    return ClientRegistration.of(clientCredentialsProvider(), apiKey, clientSecret);
  }

  /**
   * The authorization-code grant for the COR account {@code subdomain} and the app {@code appName};
   * the code exchange carries no client authentication (as documented). Register it as {@code
   * GrantType.AUTHORIZATION_CODE}.
   *
   * @throws IllegalStateException if {@link Builder#codeExchangeClientAuthentication} asks for a
   *     secret; use {@link #authorizationCode(String, String, String, ClientSecret)} then
   */
  public ClientRegistration authorizationCode(String subdomain, String appName) {
    if (codeExchangeClientAuthentication == ClientAuthentication.CLIENT_SECRET_BASIC
        || codeExchangeClientAuthentication == ClientAuthentication.CLIENT_SECRET_POST) {
      throw new IllegalStateException(
          "the code exchange is configured to authenticate with "
              + codeExchangeClientAuthentication
              + "; pass the API key and client secret");
    }
    return ClientRegistration.publicClient(authorizationCodeProvider(subdomain, appName), appName);
  }

  /**
   * The authorization-code grant with an API key and secret, for when the code exchange turns out
   * to need client authentication ({@link Builder#codeExchangeClientAuthentication}).
   */
  public ClientRegistration authorizationCode(
      String subdomain, String appName, String apiKey, ClientSecret clientSecret) {
    requireNonNull(apiKey, "apiKey == null");
    requireNonNull(clientSecret, "clientSecret == null");
    return ClientRegistration.of(
        authorizationCodeProvider(subdomain, appName), apiKey, clientSecret);
  }

  /**
   * <b>Development only.</b> The registration under which to keep tokens from {@link #devLogin}:
   * register it as {@code GrantType.AUTHORIZATION_CODE} and save the login's tokens with {@code
   * broker.saveTokens(key, tokens)}; the broker then renews them at {@code /oauth/refreshtoken}.
   */
  public ClientRegistration devLoginRegistration() {
    return ClientRegistration.publicClient(
        base().tokenEndpoint(api("/oauth2/token")).build(), DEV_LOGIN_CLIENT_ID);
  }

  /**
   * <b>Development only</b> (COR: "for testing and development purposes only… not recommended for
   * production"): logs in as a COR user with {@code POST {api}/auth/login} (form {@code email},
   * {@code password}) and returns the tokens. The password is sent once and not kept. Reads COR's
   * documented answer and the alternative shapes seen in the wild ({@code {"token":{…}}} with
   * {@code refreshToken}, {@code {"data":{"token":…}}}); without a refresh token in the answer the
   * grant cannot be renewed and the login must be repeated when the token expires.
   *
   * <pre>{@code
   * broker.register(key, cor.devLoginRegistration(), GrantType.AUTHORIZATION_CODE);
   * broker.saveTokens(key, cor.devLogin("me@example.com", password));
   * }</pre>
   *
   * @throws ClientConfigurationException if COR refuses the credentials (the message holds no
   *     password or token)
   * @throws TransientTokenException if COR or the network fails, or the answer is unreadable
   */
  public TokenSet devLogin(String email, String password) {
    requireNonNull(email, "email == null");
    requireNonNull(password, "password == null");
    URI endpoint = api("/auth/login");
    String form =
        "email="
            + URLEncoder.encode(email, UTF_8)
            + "&password="
            + URLEncoder.encode(password, UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form, UTF_8))
            .build();
    HttpResponse<String> response;
    try {
      response =
          (httpClient != null ? httpClient : defaultHttpClient())
              .send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    } catch (IOException e) {
      throw new TransientTokenException(
          "COR dev login at " + endpoint + " failed: " + e.getClass().getSimpleName(),
          TransientTokenException.Kind.NETWORK,
          0,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientTokenException(
          "COR dev login was interrupted", TransientTokenException.Kind.NETWORK, 0, e);
    }
    int status = response.statusCode();
    if (status == 429 || status >= 500) {
      throw new TransientTokenException(
          "COR dev login at " + endpoint + " failed on the server side (HTTP " + status + ")",
          status == 429
              ? TransientTokenException.Kind.RATE_LIMITED
              : TransientTokenException.Kind.SERVER_ERROR,
          status,
          null);
    }
    if (status < 200 || status > 299) {
      CorApiException detail =
          CorApiException.fromResponse("POST", endpoint.getPath(), status, response.body());
      throw new ClientConfigurationException(
          "COR dev login was refused (HTTP "
              + status
              + ")"
              + detail.corMessage().map(m -> ": " + scrub(m, email, password)).orElse(""));
    }
    Map<String, Object> json;
    try {
      json = CorJson.MAPPER.readValue(response.body(), new TypeReference<Map<String, Object>>() {});
    } catch (IOException | RuntimeException e) {
      json = null;
    }
    if (json == null) {
      throw unusable("the answer is not a JSON object");
    }
    Map<String, Object> normalized = CorTokenResponses.normalize(json, clock);
    if (!(normalized.get("access_token") instanceof String access) || access.isEmpty()) {
      throw unusable("the answer has no access token");
    }
    Instant now = clock.instant();
    Duration lifetime = defaultTokenLifetime;
    Object expiresIn = normalized.get("expires_in");
    if (expiresIn != null) {
      try {
        lifetime =
            Duration.ofSeconds(
                Math.max(0, new BigDecimal(expiresIn.toString().trim()).longValue()));
      } catch (NumberFormatException e) {
        throw unusable("expires_in is not a number of seconds");
      }
    }
    Object refresh = normalized.get("refresh_token");
    Object type = normalized.get("token_type");
    String tokenType =
        type == null || type.toString().equalsIgnoreCase("bearer") ? "Bearer" : type.toString();
    return new TokenSet(
        AccessToken.of(access),
        tokenType,
        now,
        now.plus(lifetime),
        refresh instanceof String r && !r.isEmpty() ? RefreshToken.of(r) : null,
        null,
        Set.of());
  }

  /** A {@link CorClient} for {@code key} against this COR's API base, with default settings. */
  public CorClient client(TokenBroker broker, GrantKey key) {
    return CorClient.builder(broker, key).apiBaseUri(apiBase).build();
  }

  @Override
  public String toString() {
    return "Cor[" + apiBase + (consentBase == null ? "" : ", consent=" + consentBase) + "]";
  }

  private Provider.Builder base() {
    return Provider.builder(PROVIDER_NAME)
        .tokenParameters(ParameterPlacement.QUERY_STRING)
        .refreshEndpoint(api("/oauth/refreshtoken"))
        .refreshParameters(ParameterPlacement.FORM_BODY)
        .refreshSendsGrantType(false)
        .refreshClientAuthentication(ClientAuthentication.NONE)
        .formEncodeBasicCredentials(formEncodeBasicCredentials)
        .invalidGrantStatuses(invalidGrantStatuses)
        .defaultTokenLifetime(defaultTokenLifetime)
        .normalizer(json -> CorTokenResponses.normalize(json, clock));
  }

  private URI api(String path) {
    return URI.create(stripSlash(apiBase.toString()) + path);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static TransientTokenException unusable(String why) {
    return new TransientTokenException(
        "COR dev login answered with an unusable body: " + why,
        TransientTokenException.Kind.MALFORMED_RESPONSE,
        200,
        null);
  }

  private static String scrub(String text, String... secrets) {
    String result = text;
    for (String secret : secrets) {
      if (secret.length() >= 4) {
        result = result.replace(secret, "[redacted]");
      }
    }
    return result;
  }

  private static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  static URI requireHttpUri(URI uri, String what) {
    requireNonNull(uri, what + " == null");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new IllegalArgumentException(what + " must be an absolute http(s) URL: " + uri);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(what + " must have no query or fragment: " + uri);
    }
    return uri;
  }

  /**
   * Configures a {@link Cor}. Defaults follow COR's documentation; each option exists because the
   * documented behaviour is UNCONFIRMED or because tests need it. Not thread-safe.
   */
  public static final class Builder {
    private URI apiBase = DEFAULT_API_BASE;
    private @Nullable URI consentBase;
    private Clock clock = Clock.systemUTC();
    private @Nullable HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(30);
    private boolean requireState;
    private boolean pkce = true;
    private boolean formEncodeBasicCredentials;
    private int[] invalidGrantStatuses = {400, 401};
    private ClientAuthentication codeExchangeClientAuthentication = ClientAuthentication.NONE;
    private Duration defaultTokenLifetime = Duration.ofHours(1);

    private Builder() {}

    /**
     * The API base; default {@code https://api.projectcor.com/v1}. Plain {@code http} is accepted
     * by the broker only on loopback hosts (a sandbox).
     */
    public Builder apiBaseUri(URI uri) {
      this.apiBase = requireHttpUri(uri, "apiBaseUri");
      return this;
    }

    /**
     * Where the consent page lives instead of {@code https://{subdomain}.cor.works} (the page is at
     * {@code /oauth2/authorize} below it), e.g. a sandbox's {@code http://127.0.0.1:PORT}.
     */
    public Builder consentBaseUri(URI uri) {
      this.consentBase = requireHttpUri(uri, "consentBaseUri");
      return this;
    }

    /**
     * Turns absolute expiry times in login answers into lifetimes; default the system UTC clock.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    /** The HttpClient for {@link #devLogin}; token calls use the broker's. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client == null");
      return this;
    }

    /** Time limit for {@link #devLogin}; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * Whether the consent callback must echo {@code state}; default false because COR documents no
     * {@code state} (UNCONFIRMED). A callback with a <em>wrong</em> state is refused either way.
     */
    public Builder requireState(boolean require) {
      this.requireState = require;
      return this;
    }

    /**
     * Whether to send PKCE S256 on consent and exchange; default true. COR documents no PKCE, and
     * a server that does not know the parameters ignores them; where it checks them, a forged or
     * intercepted code cannot be exchanged (COR's consent has no documented {@code state}).
     */
    public Builder pkce(boolean enabled) {
      this.pkce = enabled;
      return this;
    }

    /**
     * Whether HTTP Basic form-encodes the API key and secret first (RFC 6749 §2.3.1); default
     * false: COR's docs say {@code base64(API_KEY:CLIENT_SECRET)} of the raw values. The two differ
     * only for secrets holding characters such as {@code + / = %}.
     */
    public Builder formEncodeBasicCredentials(boolean encode) {
      this.formEncodeBasicCredentials = encode;
      return this;
    }

    /**
     * The statuses of a refresh (or code exchange) answer that mean the grant is dead; default 400
     * and 401. COR's error for a bad refresh token is UNCONFIRMED; it sends no RFC 6749 {@code
     * error} code.
     */
    public Builder invalidGrantStatuses(int... statuses) {
      requireNonNull(statuses, "statuses == null");
      Provider.builder("check").invalidGrantStatuses(statuses); // validates
      this.invalidGrantStatuses = Arrays.copyOf(statuses, statuses.length);
      return this;
    }

    /**
     * Client authentication on the authorization-code exchange; default {@code NONE}, as
     * documented. Whether COR wants HTTP Basic there is UNCONFIRMED; set {@code
     * CLIENT_SECRET_BASIC} and use {@link Cor#authorizationCode(String, String, String,
     * ClientSecret)} if it does.
     */
    public Builder codeExchangeClientAuthentication(ClientAuthentication method) {
      this.codeExchangeClientAuthentication = requireNonNull(method, "method == null");
      return this;
    }

    /**
     * The lifetime assumed when an answer has no {@code expires_in}; default 1 hour (COR's
     * "typically").
     */
    public Builder defaultTokenLifetime(Duration lifetime) {
      requireNonNull(lifetime, "lifetime == null");
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("defaultTokenLifetime must be positive: " + lifetime);
      }
      this.defaultTokenLifetime = lifetime;
      return this;
    }

    public Cor build() {
      return new Cor(this);
    }
  }
}
