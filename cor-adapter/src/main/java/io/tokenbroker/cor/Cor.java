package io.tokenbroker.cor;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.ParameterPlacement;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
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
 *   <li><b>Development-only login</b>: {@link #devLogin()} ({@link CorDevLogin}) posts {@code
 *       email} and {@code password} to {@code {api}/auth/login}. COR marks it "for testing and
 *       development purposes only".
 * </ul>
 *
 * <p>Immutable and thread-safe. Every UNCONFIRMED behaviour of COR is a {@link Builder} option
 * whose default is the documented behaviour; see the module README.
 */
public final class Cor {
  /** COR's API base: {@code https://api.projectcor.com/v1}. */
  public static final URI DEFAULT_API_BASE = URI.create("https://api.projectcor.com/v1");

  /**
   * COR's Resource Allocation API ({@code https://planner.svc.v2.projectcor.com}), which takes the
   * same token: use a {@link CorClient} built with this base and its {@link CorClient#send}/{@link
   * CorClient#list}.
   */
  public static final URI RESOURCE_ALLOCATION_BASE =
      URI.create("https://planner.svc.v2.projectcor.com");

  /**
   * COR's Integrations API ({@code https://integrations.projectcor.com}; paths {@code
   * /v2/integrations/...}), which takes the same token.
   */
  public static final URI INTEGRATIONS_BASE = URI.create("https://integrations.projectcor.com");

  /** The name of every provider built here; it appears in grant status and messages. */
  public static final String PROVIDER_NAME = "cor";

  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private final URI apiBase;
  private final @Nullable URI consentBase;
  private final Clock clock;
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
   * <b>Development only.</b> COR's user login ({@code POST {api}/auth/login}), with default
   * settings: see {@link CorDevLogin}.
   */
  public CorDevLogin devLogin() {
    return CorDevLogin.create(this);
  }

  /** The provider under which dev-login tokens are kept and renewed. */
  Provider devLoginProvider() {
    return base().tokenEndpoint(api("/oauth2/token")).build();
  }

  Clock clock() {
    return clock;
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

  URI api(String path) {
    return URI.create(stripSlash(apiBase.toString()) + path);
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
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

    /**
     * Whether the consent callback must echo {@code state}; default false because COR documents no
     * {@code state} (UNCONFIRMED). A callback with a <em>wrong</em> state is refused either way.
     */
    public Builder requireState(boolean require) {
      this.requireState = require;
      return this;
    }

    /**
     * Whether to send PKCE S256 on consent and exchange; default true. COR documents no PKCE, and a
     * server that does not know the parameters ignores them; where it checks them, a forged or
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
