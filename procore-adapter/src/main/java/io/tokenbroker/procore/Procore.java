package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.ParameterPlacement;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenClient;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One Procore environment: its login (OAuth) and API hosts, the {@link Provider} descriptor for the
 * broker, and helpers to register grants and build a {@link ProcoreClient}.
 *
 * <pre>{@code
 * Procore procore = Procore.production();
 * ClientRegistration app = procore.registration(clientId, ClientSecret.of(secret));
 * GrantKey key = procore.grantKey("ops-user");          // procore/production/ops-user
 * procore.registerUser(broker, key, app);
 * AuthorizationRequest consent = procore.outOfBandConsent(broker, key);
 * System.out.println("Open " + consent.uri() + " and paste the code:");
 * consent.exchange(readLine());                          // tokens saved under key
 * ProcoreClient client = procore.client(broker, key);
 * for (Project p : client.company(companyId).projects()) { ... }
 * }</pre>
 *
 * <h2>Environments</h2>
 *
 * Tokens and credentials belong to one environment: production tokens are rejected by the sandbox
 * and the other way round, and the developer sandbox has its own client id and secret. The
 * provider's {@linkplain #providerName() name} ({@code procore-production}, ...) is stored with
 * every grant, {@link #grantKey} puts the environment into the key, {@link #registerUser} refuses a
 * registration of another environment, and {@link ProcoreClient} refuses a grant of another
 * environment.
 *
 * <h2>OAuth as Procore documents it</h2>
 *
 * Authorization at {@code /oauth/authorize}; tokens at {@code /oauth/token} with {@code client_id}
 * and {@code client_secret} in a form body ({@link ClientAuthentication#CLIENT_SECRET_POST});
 * refresh with {@code grant_type=refresh_token}; revocation at {@code /oauth/revoke} with the
 * access token ({@link Provider#revocationToken()}, as documented); token info at {@code
 * /oauth/token/info}; access tokens valid 5400 s. The redirect is {@link #OUT_OF_BAND} for
 * command-line consent (Procore shows the code on a page) or a registered loopback URL ({@code
 * http://localhost} is registered by default; the URI must match exactly, so a loopback receiver
 * needs a fixed, registered port).
 *
 * <p>Refresh tokens are single-use, and any refresh attempt burns the current one, so two refreshes
 * of one grant, or a lost refresh response, end the grant. The broker makes the first impossible
 * (one refresh per grant across threads and processes, persisted before use) and turns the second
 * into a persisted re-authorization-required state ({@code InvalidGrantException} naming the grant
 * key and the command to consent again).
 *
 * <p>Service accounts (developer-managed service accounts) use client credentials: there is no
 * refresh token and the broker renews by running the grant again ({@link #registerServiceAccount}).
 *
 * <p>Immutable and thread-safe; {@code with...} methods return new instances.
 */
public final class Procore {
  /** The out-of-band redirect URI: Procore shows the code and the user pastes it. */
  public static final URI OUT_OF_BAND = TokenClient.OUT_OF_BAND;

  /** The access-token lifetime Procore documents (since 2023-09; 7200 s before). */
  public static final Duration ACCESS_TOKEN_LIFETIME = Duration.ofMinutes(90);

  private final String environment;
  private final URI loginUrl;
  private final URI apiUrl;
  private final boolean oauthOnApiHost;
  private final boolean pkce;
  private final ClientAuthentication clientAuthentication;
  private final ParameterPlacement tokenParameters;

  private Procore(
      String environment,
      URI loginUrl,
      URI apiUrl,
      boolean oauthOnApiHost,
      boolean pkce,
      ClientAuthentication clientAuthentication,
      ParameterPlacement tokenParameters) {
    this.environment = environment;
    this.loginUrl = loginUrl;
    this.apiUrl = apiUrl;
    this.oauthOnApiHost = oauthOnApiHost;
    this.pkce = pkce;
    this.clientAuthentication = clientAuthentication;
    this.tokenParameters = tokenParameters;
  }

  private static Procore of(String environment, String loginUrl, String apiUrl) {
    return new Procore(
        environment,
        URI.create(loginUrl),
        URI.create(apiUrl),
        false,
        true,
        ClientAuthentication.CLIENT_SECRET_POST,
        ParameterPlacement.FORM_BODY);
  }

  /** Production: {@code https://login.procore.com} and {@code https://api.procore.com}. */
  public static Procore production() {
    return of("production", "https://login.procore.com", "https://api.procore.com");
  }

  /**
   * The developer sandbox: {@code https://login-sandbox.procore.com} and {@code
   * https://sandbox.procore.com}. It has its own client id and secret.
   */
  public static Procore sandbox() {
    return of("sandbox", "https://login-sandbox.procore.com", "https://sandbox.procore.com");
  }

  /**
   * The monthly sandbox: {@code https://login-sandbox-monthly.procore.com} and {@code
   * https://api-monthly.procore.com}. It uses the production credentials (but its own tokens).
   */
  public static Procore monthlySandbox() {
    return of(
        "monthly-sandbox",
        "https://login-sandbox-monthly.procore.com",
        "https://api-monthly.procore.com");
  }

  /** Custom hosts (a proxy, an offline sandbox), named {@code custom}. */
  public static Procore custom(URI loginUrl, URI apiUrl) {
    return custom("custom", loginUrl, apiUrl);
  }

  /**
   * Custom hosts under an environment name of your choice (letters, digits, {@code .}, {@code _},
   * {@code -}).
   *
   * @throws IllegalArgumentException if a URL is not {@code https} (plain {@code http} is allowed
   *     on loopback hosts only), has a query or fragment, or the name is not usable
   */
  public static Procore custom(String environment, URI loginUrl, URI apiUrl) {
    requireNonNull(environment, "environment == null");
    if (!environment.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "environment must be 1-64 letters, digits, '.', '_' or '-': " + environment);
    }
    return new Procore(
        environment,
        base(loginUrl, "loginUrl"),
        base(apiUrl, "apiUrl"),
        false,
        true,
        ClientAuthentication.CLIENT_SECRET_POST,
        ParameterPlacement.FORM_BODY);
  }

  private static URI base(URI url, String what) {
    requireNonNull(url, what + " == null");
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    String host = url.getHost();
    if (host == null || url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new IllegalArgumentException(
          what + " must be a base URL like https://host[:port][/path]: " + url);
    }
    boolean loopback =
        host.equals("localhost")
            || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
            || host.equals("[::1]")
            || host.equals("::1");
    if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
      throw new IllegalArgumentException(
          what + " must use https (http only on loopback hosts): " + url);
    }
    String s = url.toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s);
  }

  /**
   * Serves OAuth from the API host ({@code https://api.procore.com/oauth/...}), as Procore's JS SDK
   * still does. Whether Procore still answers there is UNCONFIRMED; the default, as documented, is
   * the login host.
   */
  public Procore withOAuthOnApiHost(boolean onApiHost) {
    return new Procore(
        environment, loginUrl, apiUrl, onApiHost, pkce, clientAuthentication, tokenParameters);
  }

  /**
   * Whether the authorization-code flow sends PKCE (S256). Procore does not document PKCE; it is on
   * by default (sent unless a provider forbids it: a server that does not know the parameters
   * ignores them). {@code false} turns it off.
   */
  public Procore withPkce(boolean enabled) {
    return new Procore(
        environment,
        loginUrl,
        apiUrl,
        oauthOnApiHost,
        enabled,
        clientAuthentication,
        tokenParameters);
  }

  /**
   * How the client authenticates; default {@link ClientAuthentication#CLIENT_SECRET_POST} (id and
   * secret in the body, as documented). Whether HTTP Basic works is UNCONFIRMED.
   */
  public Procore withClientAuthentication(ClientAuthentication method) {
    requireNonNull(method, "method == null");
    return new Procore(
        environment, loginUrl, apiUrl, oauthOnApiHost, pkce, method, tokenParameters);
  }

  /**
   * The token-request body; default {@link ParameterPlacement#FORM_BODY}. Procore also documents
   * JSON bodies ({@link ParameterPlacement#JSON_BODY}).
   */
  public Procore withTokenParameters(ParameterPlacement placement) {
    requireNonNull(placement, "placement == null");
    return new Procore(
        environment, loginUrl, apiUrl, oauthOnApiHost, pkce, clientAuthentication, placement);
  }

  /** The environment's name: {@code production}, {@code sandbox}, {@code monthly-sandbox}, .... */
  public String environment() {
    return environment;
  }

  /** The login (OAuth) host, without a trailing slash. */
  public URI loginUrl() {
    return loginUrl;
  }

  /** The API host, without a trailing slash. */
  public URI apiUrl() {
    return apiUrl;
  }

  private String oauthBase() {
    return (oauthOnApiHost ? apiUrl : loginUrl).toString();
  }

  public URI authorizationEndpoint() {
    return URI.create(oauthBase() + "/oauth/authorize");
  }

  public URI tokenEndpoint() {
    return URI.create(oauthBase() + "/oauth/token");
  }

  public URI tokenInfoEndpoint() {
    return URI.create(oauthBase() + "/oauth/token/info");
  }

  public URI revocationEndpoint() {
    return URI.create(oauthBase() + "/oauth/revoke");
  }

  /** The provider name stored with every grant: {@code procore-<environment>}. */
  public String providerName() {
    return "procore-" + environment;
  }

  /** The broker's description of this environment's authorization server. */
  public Provider provider() {
    return Provider.builder(providerName())
        .authorizationEndpoint(authorizationEndpoint())
        .tokenEndpoint(tokenEndpoint())
        .revocationEndpoint(revocationEndpoint())
        // Procore documents revocation with the access token (its refresh token dies with it).
        .revocationToken(Provider.RevocationToken.ACCESS_TOKEN)
        .clientAuthentication(clientAuthentication)
        .tokenParameters(tokenParameters)
        .pkce(pkce)
        .defaultTokenLifetime(ACCESS_TOKEN_LIFETIME)
        .build();
  }

  /** This environment's app (or service account) credentials. */
  public ClientRegistration registration(String clientId, ClientSecret clientSecret) {
    return ClientRegistration.of(provider(), clientId, clientSecret);
  }

  /**
   * A grant key that records the environment: {@code procore/<environment>/<name>}, e.g. {@code
   * procore/production/company-42/ops-user}.
   */
  public GrantKey grantKey(String name) {
    requireNonNull(name, "name == null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name is blank");
    }
    return GrantKey.of("procore/" + environment + "/" + name);
  }

  /**
   * Registers a user's grant (authorization code, renewed with the refresh token). Tokens come from
   * a consent ({@link #outOfBandConsent}, or {@code broker.authorizationRequest(key,
   * loopbackUri)}).
   *
   * @throws IllegalArgumentException if {@code registration} belongs to another environment
   */
  public void registerUser(TokenBroker broker, GrantKey key, ClientRegistration registration) {
    requireNonNull(broker, "broker == null");
    broker.register(key, checked(registration), GrantType.AUTHORIZATION_CODE);
  }

  /**
   * Registers a service account's grant (client credentials; no refresh token, renewed by running
   * the grant again). Service-account requests always carry {@code Procore-Company-Id}.
   *
   * @throws IllegalArgumentException if {@code registration} belongs to another environment
   */
  public void registerServiceAccount(
      TokenBroker broker, GrantKey key, ClientRegistration registration) {
    requireNonNull(broker, "broker == null");
    broker.register(key, checked(registration), GrantType.CLIENT_CREDENTIALS);
  }

  private ClientRegistration checked(ClientRegistration registration) {
    requireNonNull(registration, "registration == null");
    String name = registration.provider().name();
    if (!name.equals(providerName())) {
      throw new IllegalArgumentException(
          "the registration is for '"
              + name
              + "', not '"
              + providerName()
              + "': Procore credentials and tokens belong to one environment");
    }
    return registration;
  }

  /**
   * Starts an out-of-band consent for a registered user grant: show {@link
   * AuthorizationRequest#uri()} to the user, then call {@link AuthorizationRequest#exchange} with
   * the code Procore displayed; the tokens are saved under {@code key}.
   */
  public AuthorizationRequest outOfBandConsent(TokenBroker broker, GrantKey key) {
    requireNonNull(broker, "broker == null");
    return broker.authorizationRequest(key, OUT_OF_BAND);
  }

  /** A typed client for a registered grant of this environment, with default settings. */
  public ProcoreClient client(TokenBroker broker, GrantKey key) {
    return ProcoreClient.create(this, broker, key);
  }

  /** Token info and revocation for {@code registration} (an app of this environment). */
  public ProcoreOAuth oauth(ClientRegistration registration) {
    return ProcoreOAuth.create(this, checked(registration));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Procore p
        && environment.equals(p.environment)
        && loginUrl.equals(p.loginUrl)
        && apiUrl.equals(p.apiUrl)
        && oauthOnApiHost == p.oauthOnApiHost
        && pkce == p.pkce
        && clientAuthentication == p.clientAuthentication
        && tokenParameters == p.tokenParameters;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        environment, loginUrl, apiUrl, oauthOnApiHost, pkce, clientAuthentication, tokenParameters);
  }

  @Override
  public String toString() {
    return "Procore[" + environment + ", login=" + loginUrl + ", api=" + apiUrl + "]";
  }
}
