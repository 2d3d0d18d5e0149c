package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.internal.Urls;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * An immutable description of an authorization server and its quirks: endpoints, client
 * authentication, where parameters travel, PKCE, extra authorization parameters, and a hook that
 * fixes a vendor's token JSON before it is parsed.
 *
 * <p>Endpoints must be {@code https} except on loopback hosts ({@code 127.0.0.0/8}, {@code ::1},
 * {@code localhost}), which tests and local sandboxes use.
 *
 * <p>Token responses are always read leniently: a missing or lowercase {@code token_type} becomes
 * {@code Bearer}, {@code expires_in} sent as a string is accepted, and {@code created_at} (Unix
 * seconds) sets the issue time. The {@link Builder#normalizer normalizer} runs before that, on the
 * parsed JSON object, for anything else a vendor does.
 *
 * <pre>{@code
 * Provider acme = Provider.builder("acme")
 *     .authorizationEndpoint(URI.create("https://login.acme.example/oauth/authorize"))
 *     .tokenEndpoint(URI.create("https://login.acme.example/oauth/token"))
 *     .clientAuthentication(ClientAuthentication.CLIENT_SECRET_POST)
 *     .build();
 * }</pre>
 *
 * <h2>Discovery</h2>
 *
 * {@link #discover(URI)} describes a server by its issuer: its endpoints and capabilities come from
 * its metadata (RFC 8414 {@code /.well-known/oauth-authorization-server}, with the issuer's path
 * inserted as §3.1 says, then OpenID Connect's {@code /.well-known/openid-configuration}), fetched
 * lazily by the first call that needs them, so an unreachable server at start-up does not fail the
 * application. The fetch is retried like a token request, then cached by this instance; a failed
 * one is tried again by the next call. The document's {@code issuer} must equal the requested one
 * exactly. Endpoints set on the builder override discovered ones:
 *
 * <pre>{@code
 * Provider idp = Provider.discover(URI.create("https://login.example.com/tenant"))
 *     .toBuilder()
 *     .clientAuthentication(ClientAuthentication.PRIVATE_KEY_JWT)
 *     .build();
 * }</pre>
 *
 * <p>The metadata also says whether the server sends {@code iss} in authorization responses (RFC
 * 9207, then checked), requires pushed authorization requests (RFC 9126, then used), and where its
 * device authorization endpoint (RFC 8628) is.
 *
 * <p>Instances are immutable (apart from the discovered metadata they cache) and thread-safe.
 */
public final class Provider {
  /**
   * The {@code aud} of the JWTs a client signs ({@code private_key_jwt}, {@code client_secret_jwt},
   * the JWT-bearer grant's assertion).
   */
  public enum AssertionAudience {
    /** The issuer identifier (RFC 7523 §3, the current best practice); the default. */
    ISSUER,
    /** The token endpoint URL (OpenID Connect Core §9; some servers accept only this). */
    TOKEN_ENDPOINT
  }

  private final String name;
  private final @Nullable URI issuer;
  private final @Nullable Discovery discovery;
  private final @Nullable URI authorizationEndpoint;
  private final @Nullable URI tokenEndpoint;
  private final @Nullable URI refreshEndpoint;
  private final @Nullable URI revocationEndpoint;
  private final @Nullable URI deviceAuthorizationEndpoint;
  private final @Nullable URI pushedAuthorizationRequestEndpoint;
  private final boolean pushedAuthorizationRequests;
  private final boolean authorizationResponseIssRequired;
  private final AssertionAudience assertionAudience;
  private final ClientAuthentication clientAuthentication;
  private final ClientAuthentication refreshClientAuthentication;
  private final ParameterPlacement tokenParameters;
  private final ParameterPlacement refreshParameters;
  private final boolean refreshSendsGrantType;
  private final boolean pkce;
  private final boolean authorizationSendsClientId;
  private final boolean stateRequired;
  private final Map<String, String> extraAuthorizationParameters;
  private final UnaryOperator<Map<String, Object>> normalizer;
  private final Duration defaultTokenLifetime;
  private final Set<Integer> invalidGrantStatuses;
  private final boolean formEncodeBasicCredentials;
  private final RevocationToken revocationToken;

  /**
   * Which token a revocation sends ({@link TokenClient#revoke(TokenSet)}): providers differ in what
   * their revocation endpoint expects.
   */
  public enum RevocationToken {
    /**
     * The refresh token when there is one, else the access token: RFC 7009's usual choice, since
     * revoking a refresh token ends the whole grant at most servers. The default.
     */
    REFRESH_TOKEN,
    /**
     * Always the access token, for providers that document revocation with the access token and end
     * its refresh token with it (Procore).
     */
    ACCESS_TOKEN
  }

  private Provider(Builder b) {
    this.name = b.name;
    this.issuer = b.issuer;
    this.discovery = b.discovery && b.issuer != null ? new Discovery(b.issuer) : null;
    this.authorizationEndpoint = b.authorizationEndpoint;
    this.tokenEndpoint = b.tokenEndpoint;
    this.refreshEndpoint = b.refreshEndpoint;
    this.revocationEndpoint = b.revocationEndpoint;
    this.deviceAuthorizationEndpoint = b.deviceAuthorizationEndpoint;
    this.pushedAuthorizationRequestEndpoint = b.pushedAuthorizationRequestEndpoint;
    this.pushedAuthorizationRequests = b.pushedAuthorizationRequests;
    this.authorizationResponseIssRequired = b.authorizationResponseIssRequired;
    this.assertionAudience = b.assertionAudience;
    this.clientAuthentication = b.clientAuthentication;
    this.refreshClientAuthentication =
        b.refreshClientAuthentication != null
            ? b.refreshClientAuthentication
            : b.clientAuthentication;
    this.tokenParameters = b.tokenParameters;
    this.refreshParameters = b.refreshParameters != null ? b.refreshParameters : b.tokenParameters;
    this.refreshSendsGrantType = b.refreshSendsGrantType;
    this.pkce = b.pkce;
    this.authorizationSendsClientId = b.authorizationSendsClientId;
    this.stateRequired = b.stateRequired;
    this.extraAuthorizationParameters = Map.copyOf(b.extraAuthorizationParameters);
    this.normalizer = b.normalizer;
    this.defaultTokenLifetime = b.defaultTokenLifetime;
    this.invalidGrantStatuses = Set.copyOf(b.invalidGrantStatuses);
    this.formEncodeBasicCredentials = b.formEncodeBasicCredentials;
    this.revocationToken = b.revocationToken;
  }

  /** Starts a provider description; {@code name} identifies it in status output and messages. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * A provider described by its metadata (RFC 8414, or OpenID Connect Discovery), fetched from
   * {@code issuer} at first use; see the class comment. Named after the issuer's host. Derive a
   * variant with {@link #toBuilder()} (explicit endpoints override discovered ones; the variant
   * fetches the metadata again).
   *
   * @throws IllegalArgumentException if {@code issuer} is not an {@code https} URL (or {@code http}
   *     on a loopback host) without query and fragment
   */
  public static Provider discover(URI issuer) {
    requireNonNull(issuer, "issuer == null");
    return builder(issuer.getHost() == null ? "issuer" : issuer.getHost())
        .issuer(issuer)
        .discovery(true)
        .build();
  }

  /** Returns a builder holding this provider's settings, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.issuer = issuer;
    b.discovery = discovery != null;
    b.authorizationEndpoint = authorizationEndpoint;
    b.tokenEndpoint = tokenEndpoint;
    b.refreshEndpoint = refreshEndpoint;
    b.revocationEndpoint = revocationEndpoint;
    b.deviceAuthorizationEndpoint = deviceAuthorizationEndpoint;
    b.pushedAuthorizationRequestEndpoint = pushedAuthorizationRequestEndpoint;
    b.pushedAuthorizationRequests = pushedAuthorizationRequests;
    b.authorizationResponseIssRequired = authorizationResponseIssRequired;
    b.assertionAudience = assertionAudience;
    b.clientAuthentication = clientAuthentication;
    b.refreshClientAuthentication =
        refreshClientAuthentication == clientAuthentication ? null : refreshClientAuthentication;
    b.tokenParameters = tokenParameters;
    b.refreshParameters = refreshParameters == tokenParameters ? null : refreshParameters;
    b.refreshSendsGrantType = refreshSendsGrantType;
    b.pkce = pkce;
    b.authorizationSendsClientId = authorizationSendsClientId;
    b.stateRequired = stateRequired;
    b.extraAuthorizationParameters.putAll(extraAuthorizationParameters);
    b.normalizer = normalizer;
    b.defaultTokenLifetime = defaultTokenLifetime;
    b.invalidGrantStatuses.addAll(invalidGrantStatuses);
    b.formEncodeBasicCredentials = formEncodeBasicCredentials;
    b.revocationToken = revocationToken;
    return b;
  }

  public String name() {
    return name;
  }

  /** The issuer identifier, if set or discovered from; checks {@code iss} (RFC 9207). */
  public Optional<URI> issuer() {
    return Optional.ofNullable(issuer);
  }

  /** Whether endpoints and capabilities come from the issuer's metadata (see {@link #discover}). */
  public boolean discovers() {
    return discovery != null;
  }

  /**
   * The browser consent endpoint. For a {@linkplain #discovers() discovering} provider without an
   * explicit one, the discovered one (fetching the metadata first if needed).
   *
   * @throws TokenBrokerException if discovery fails
   */
  public Optional<URI> authorizationEndpoint() {
    return Optional.ofNullable(endpoints().authorization());
  }

  /**
   * The token endpoint: the explicit one, else (for a {@linkplain #discovers() discovering}
   * provider) the discovered one, fetching the metadata first if needed.
   *
   * @throws TokenBrokerException if discovery fails, or the metadata names no token endpoint
   */
  public URI tokenEndpoint() {
    return endpoints().token();
  }

  /** The refresh endpoint; the token endpoint unless set apart. */
  public URI refreshEndpoint() {
    return endpoints().refresh();
  }

  /** The RFC 7009 revocation endpoint, explicit or discovered. */
  public Optional<URI> revocationEndpoint() {
    return Optional.ofNullable(endpoints().revocation());
  }

  /** The RFC 8628 device authorization endpoint, explicit or discovered. */
  public Optional<URI> deviceAuthorizationEndpoint() {
    return Optional.ofNullable(endpoints().deviceAuthorization());
  }

  /** The RFC 9126 pushed authorization request endpoint, explicit or discovered. */
  public Optional<URI> pushedAuthorizationRequestEndpoint() {
    return Optional.ofNullable(endpoints().pushedAuthorization());
  }

  /**
   * Whether consents use pushed authorization requests (RFC 9126): asked for on the builder, or
   * required by the server's metadata.
   */
  public boolean pushedAuthorizationRequests() {
    return endpoints().usePushedAuthorization();
  }

  /**
   * Whether an authorization response must carry {@code iss} (RFC 9207): asked for on the builder,
   * or announced by the server's metadata ({@code authorization_response_iss_parameter_supported}).
   * A present {@code iss} is always checked against the {@linkplain #issuer() issuer}.
   */
  public boolean authorizationResponseIssRequired() {
    return endpoints().issRequired();
  }

  /** The {@code aud} of signed client assertions; default {@link AssertionAudience#ISSUER}. */
  public AssertionAudience assertionAudience() {
    return assertionAudience;
  }

  /**
   * The endpoints in force: explicit ones, else discovered ones (with a default HTTP client and
   * retry policy; {@link TokenClient} resolves through its own).
   */
  Endpoints endpoints() {
    return endpoints(null);
  }

  /** As {@link #endpoints()}, fetching metadata through {@code via} when it is not cached yet. */
  Endpoints endpoints(@Nullable TokenEndpoint via) {
    io.tokenbroker.oauth.internal.ServerMetadata metadata =
        discovery == null
            ? null
            : discovery.metadata(() -> via != null ? via : TokenEndpoint.withDefaults(this));
    URI token =
        tokenEndpoint != null ? tokenEndpoint : metadata == null ? null : metadata.tokenEndpoint();
    if (token == null) {
      throw new ClientConfigurationException(
          "provider '"
              + name
              + "': the metadata of "
              + issuer
              + " names no token_endpoint; set one with tokenEndpoint(...)");
    }
    return new Endpoints(
        metadata != null ? URI.create(metadata.issuer()) : issuer,
        pick(authorizationEndpoint, metadata == null ? null : metadata.authorizationEndpoint()),
        token,
        refreshEndpoint != null ? refreshEndpoint : token,
        pick(revocationEndpoint, metadata == null ? null : metadata.revocationEndpoint()),
        pick(
            deviceAuthorizationEndpoint,
            metadata == null ? null : metadata.deviceAuthorizationEndpoint()),
        pick(
            pushedAuthorizationRequestEndpoint,
            metadata == null ? null : metadata.pushedAuthorizationRequestEndpoint()),
        pushedAuthorizationRequests
            || (metadata != null && metadata.requirePushedAuthorizationRequests()),
        authorizationResponseIssRequired
            || (metadata != null && metadata.authorizationResponseIssParameterSupported()));
  }

  private static @Nullable URI pick(@Nullable URI explicit, @Nullable URI discovered) {
    return explicit != null ? explicit : discovered;
  }

  /** The audience of a signed client assertion, by {@link #assertionAudience()}. */
  static URI assertionAudience(Endpoints endpoints, AssertionAudience choice) {
    return choice == AssertionAudience.ISSUER && endpoints.issuer() != null
        ? endpoints.issuer()
        : endpoints.token();
  }

  /**
   * The endpoints and capabilities in force, explicit ones over discovered ones.
   *
   * @param issuer the issuer, if known
   * @param usePushedAuthorization whether consents are pushed (RFC 9126)
   * @param issRequired whether authorization responses must carry {@code iss} (RFC 9207)
   */
  record Endpoints(
      @Nullable URI issuer,
      @Nullable URI authorization,
      URI token,
      URI refresh,
      @Nullable URI revocation,
      @Nullable URI deviceAuthorization,
      @Nullable URI pushedAuthorization,
      boolean usePushedAuthorization,
      boolean issRequired) {}

  public ClientAuthentication clientAuthentication() {
    return clientAuthentication;
  }

  public ClientAuthentication refreshClientAuthentication() {
    return refreshClientAuthentication;
  }

  public ParameterPlacement tokenParameters() {
    return tokenParameters;
  }

  public ParameterPlacement refreshParameters() {
    return refreshParameters;
  }

  public boolean refreshSendsGrantType() {
    return refreshSendsGrantType;
  }

  public boolean pkce() {
    return pkce;
  }

  public boolean authorizationSendsClientId() {
    return authorizationSendsClientId;
  }

  public boolean stateRequired() {
    return stateRequired;
  }

  public Map<String, String> extraAuthorizationParameters() {
    return extraAuthorizationParameters;
  }

  /** The vendor hook applied to a token response's JSON object before it is read. */
  public UnaryOperator<Map<String, Object>> normalizer() {
    return normalizer;
  }

  /** The lifetime assumed when a token response has no {@code expires_in}. */
  public Duration defaultTokenLifetime() {
    return defaultTokenLifetime;
  }

  /**
   * HTTP statuses that mean {@code invalid_grant} when they answer a refresh or an
   * authorization-code exchange, for providers that do not send RFC 6749 error codes; empty by
   * default (only {@code error=invalid_grant} counts).
   */
  public Set<Integer> invalidGrantStatuses() {
    return invalidGrantStatuses;
  }

  /**
   * Whether {@link ClientAuthentication#CLIENT_SECRET_BASIC} form-encodes the client id and secret
   * before Base64 (RFC 6749 §2.3.1); default true.
   */
  public boolean formEncodeBasicCredentials() {
    return formEncodeBasicCredentials;
  }

  /** Which token a revocation sends; default {@link RevocationToken#REFRESH_TOKEN}. */
  public RevocationToken revocationToken() {
    return revocationToken;
  }

  /**
   * Reads a successful token-endpoint answer exactly as the broker does: this provider's {@link
   * #normalizer()}, then the standard leniency ({@code token_type} missing or lowercase, {@code
   * expires_in} as a string, {@code created_at}), with {@link #defaultTokenLifetime()} when no
   * lifetime is sent. For adapters whose vendor hands out tokens at an endpoint the broker does not
   * call itself (a login form, say).
   *
   * @param body the 2xx answer's body
   * @param receivedAt when the answer arrived; expiry is counted from it
   * @throws TransientTokenException of kind {@link TransientTokenException.Kind#MALFORMED_RESPONSE}
   *     if the body is not a usable token answer (the message holds no token value)
   */
  public TokenSet readTokenResponse(String body, Instant receivedAt) {
    requireNonNull(body, "body == null");
    requireNonNull(receivedAt, "receivedAt == null");
    return TokenEndpoint.readSuccess(
        this, "token answer from " + name, 200, body, receivedAt, null);
  }

  @Override
  public String toString() {
    return "Provider["
        + name
        + (tokenEndpoint != null ? ", token=" + tokenEndpoint : ", issuer=" + issuer)
        + "]";
  }

  /** Builds a {@link Provider}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private @Nullable URI issuer;
    private boolean discovery;
    private @Nullable URI authorizationEndpoint;
    private @Nullable URI tokenEndpoint;
    private @Nullable URI refreshEndpoint;
    private @Nullable URI revocationEndpoint;
    private @Nullable URI deviceAuthorizationEndpoint;
    private @Nullable URI pushedAuthorizationRequestEndpoint;
    private boolean pushedAuthorizationRequests;
    private boolean authorizationResponseIssRequired;
    private AssertionAudience assertionAudience = AssertionAudience.ISSUER;
    private ClientAuthentication clientAuthentication = ClientAuthentication.CLIENT_SECRET_BASIC;
    private @Nullable ClientAuthentication refreshClientAuthentication;
    private ParameterPlacement tokenParameters = ParameterPlacement.FORM_BODY;
    private @Nullable ParameterPlacement refreshParameters;
    private boolean refreshSendsGrantType = true;
    private boolean pkce = true;
    private boolean authorizationSendsClientId = true;
    private boolean stateRequired = true;
    private final Map<String, String> extraAuthorizationParameters = new LinkedHashMap<>();
    private UnaryOperator<Map<String, Object>> normalizer = UnaryOperator.identity();
    private Duration defaultTokenLifetime = Duration.ofHours(1);
    private final Set<Integer> invalidGrantStatuses = new TreeSet<>();
    private boolean formEncodeBasicCredentials = true;
    private RevocationToken revocationToken = RevocationToken.REFRESH_TOKEN;

    private Builder(String name) {
      requireNonNull(name, "name == null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name is blank");
      }
      this.name = name;
    }

    /**
     * The issuer identifier (RFC 8414): {@code iss} in authorization responses is checked against
     * it (RFC 9207), and it is the default audience of signed client assertions. An {@code https}
     * URL (or {@code http} on a loopback host) without query and fragment.
     */
    public Builder issuer(URI issuer) {
      Urls.requireSecure(issuer, "issuer");
      if (issuer.getRawQuery() != null || issuer.getRawFragment() != null) {
        throw new IllegalArgumentException("issuer must have no query or fragment: " + issuer);
      }
      this.issuer = issuer;
      return this;
    }

    /**
     * Whether endpoints not set explicitly, and the server's capabilities, come from the {@link
     * #issuer}'s metadata, fetched at first use; default false ({@link Provider#discover} sets it).
     */
    public Builder discovery(boolean enabled) {
      this.discovery = enabled;
      return this;
    }

    /** The RFC 8628 device authorization endpoint. */
    public Builder deviceAuthorizationEndpoint(URI uri) {
      this.deviceAuthorizationEndpoint = Urls.requireSecure(uri, "deviceAuthorizationEndpoint");
      return this;
    }

    /** The RFC 9126 pushed authorization request endpoint. */
    public Builder pushedAuthorizationRequestEndpoint(URI uri) {
      this.pushedAuthorizationRequestEndpoint =
          Urls.requireSecure(uri, "pushedAuthorizationRequestEndpoint");
      return this;
    }

    /**
     * Whether consents push their parameters first (RFC 9126), so the authorization URL carries
     * only {@code client_id} and {@code request_uri}; default false (but a server whose metadata
     * says {@code require_pushed_authorization_requests} gets them anyway).
     */
    public Builder pushedAuthorizationRequests(boolean enabled) {
      this.pushedAuthorizationRequests = enabled;
      return this;
    }

    /**
     * Whether an authorization response without {@code iss} is refused (RFC 9207); default false
     * (but a server whose metadata announces {@code authorization_response_iss_parameter_supported}
     * gets it anyway). Needs the {@link #issuer}.
     */
    public Builder authorizationResponseIssRequired(boolean required) {
      this.authorizationResponseIssRequired = required;
      return this;
    }

    /** The {@code aud} of signed client assertions; default {@link AssertionAudience#ISSUER}. */
    public Builder assertionAudience(AssertionAudience audience) {
      this.assertionAudience = requireNonNull(audience, "audience == null");
      return this;
    }

    /** The browser consent endpoint; required for the authorization-code flow. */
    public Builder authorizationEndpoint(URI uri) {
      this.authorizationEndpoint = Urls.requireSecure(uri, "authorizationEndpoint");
      return this;
    }

    /** The token endpoint; required. */
    public Builder tokenEndpoint(URI uri) {
      this.tokenEndpoint = Urls.requireSecure(uri, "tokenEndpoint");
      return this;
    }

    /** A separate endpoint for refresh requests; defaults to the token endpoint. */
    public Builder refreshEndpoint(URI uri) {
      this.refreshEndpoint = Urls.requireSecure(uri, "refreshEndpoint");
      return this;
    }

    /** The RFC 7009 revocation endpoint, if the provider has one. */
    public Builder revocationEndpoint(URI uri) {
      this.revocationEndpoint = Urls.requireSecure(uri, "revocationEndpoint");
      return this;
    }

    /** Client authentication on every endpoint; default {@code CLIENT_SECRET_BASIC}. */
    public Builder clientAuthentication(ClientAuthentication method) {
      this.clientAuthentication = requireNonNull(method, "method == null");
      return this;
    }

    /**
     * Client authentication on refresh requests only; defaults to {@link #clientAuthentication}.
     */
    public Builder refreshClientAuthentication(ClientAuthentication method) {
      this.refreshClientAuthentication = requireNonNull(method, "method == null");
      return this;
    }

    /** Where token-request parameters travel; default the form body. */
    public Builder tokenParameters(ParameterPlacement placement) {
      this.tokenParameters = requireNonNull(placement, "placement == null");
      return this;
    }

    /** Where refresh-request parameters travel; defaults to {@link #tokenParameters}. */
    public Builder refreshParameters(ParameterPlacement placement) {
      this.refreshParameters = requireNonNull(placement, "placement == null");
      return this;
    }

    /** Whether refresh requests carry {@code grant_type=refresh_token}; default true. */
    public Builder refreshSendsGrantType(boolean sends) {
      this.refreshSendsGrantType = sends;
      return this;
    }

    /** Whether to use PKCE S256 in the authorization-code flow; default true. */
    public Builder pkce(boolean enabled) {
      this.pkce = enabled;
      return this;
    }

    /**
     * Whether the consent URL carries {@code client_id}; default true (COR identifies apps by
     * name).
     */
    public Builder authorizationSendsClientId(boolean sends) {
      this.authorizationSendsClientId = sends;
      return this;
    }

    /**
     * Whether the consent callback must echo {@code state}; default true. When false, a callback
     * without {@code state} is accepted but a wrong {@code state} is still rejected.
     */
    public Builder stateRequired(boolean required) {
      this.stateRequired = required;
      return this;
    }

    /** Adds a parameter to every consent URL (COR's {@code name}, say). */
    public Builder extraAuthorizationParameter(String name, String value) {
      requireNonNull(name, "name == null");
      requireNonNull(value, "value == null");
      extraAuthorizationParameters.put(name, value);
      return this;
    }

    /** A hook that rewrites a token response's JSON object before it is read. */
    public Builder normalizer(UnaryOperator<Map<String, Object>> normalizer) {
      this.normalizer = requireNonNull(normalizer, "normalizer == null");
      return this;
    }

    /** The lifetime assumed when a token response has no {@code expires_in}; default 1 hour. */
    public Builder defaultTokenLifetime(Duration lifetime) {
      requireNonNull(lifetime, "lifetime == null");
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("defaultTokenLifetime must be positive: " + lifetime);
      }
      this.defaultTokenLifetime = lifetime;
      return this;
    }

    /**
     * HTTP statuses that mean the grant is dead ({@link InvalidGrantException}) when they answer a
     * refresh or an authorization-code exchange, whatever the body says. For providers that answer
     * a bad refresh token with, say, a bare 401 instead of {@code error=invalid_grant}. Client
     * credentials requests are not affected. Replaces earlier values; none by default.
     *
     * @throws IllegalArgumentException for a status outside 400..499, or 408 or 429 (those are
     *     transient)
     */
    public Builder invalidGrantStatuses(int... statuses) {
      requireNonNull(statuses, "statuses == null");
      Set<Integer> checked = new TreeSet<>();
      for (int status : statuses) {
        if (status < 400 || status > 499 || status == 408 || status == 429) {
          throw new IllegalArgumentException(
              "invalidGrantStatuses takes 4xx statuses other than 408 and 429: " + status);
        }
        checked.add(status);
      }
      invalidGrantStatuses.clear();
      invalidGrantStatuses.addAll(checked);
      return this;
    }

    /**
     * Whether {@link ClientAuthentication#CLIENT_SECRET_BASIC} form-encodes the client id and
     * secret before Base64, as RFC 6749 §2.3.1 requires; default true. Set false for servers that
     * expect {@code base64(id:secret)} of the raw values (they differ only when a value holds
     * characters such as {@code + / = : %} or non-ASCII ones).
     */
    public Builder formEncodeBasicCredentials(boolean encode) {
      this.formEncodeBasicCredentials = encode;
      return this;
    }

    /**
     * Which token a revocation sends; default {@link RevocationToken#REFRESH_TOKEN} (the refresh
     * token when the grant has one).
     */
    public Builder revocationToken(RevocationToken token) {
      this.revocationToken = requireNonNull(token, "token == null");
      return this;
    }

    /**
     * Returns the provider.
     *
     * @throws IllegalStateException if no token endpoint was set and there is no discovery, or
     *     discovery or the {@code iss} check was asked for without an issuer
     */
    public Provider build() {
      if (discovery && issuer == null) {
        throw new IllegalStateException("provider '" + name + "': discovery needs an issuer");
      }
      if (tokenEndpoint == null && !discovery) {
        throw new IllegalStateException("provider '" + name + "': tokenEndpoint was not set");
      }
      if (authorizationResponseIssRequired && issuer == null) {
        throw new IllegalStateException(
            "provider '" + name + "': authorizationResponseIssRequired needs an issuer");
      }
      return new Provider(this);
    }
  }
}
