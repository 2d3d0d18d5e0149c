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
 * <p>Instances are immutable and thread-safe.
 */
public final class Provider {
  private final String name;
  private final @Nullable URI authorizationEndpoint;
  private final URI tokenEndpoint;
  private final URI refreshEndpoint;
  private final @Nullable URI revocationEndpoint;
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
    this.authorizationEndpoint = b.authorizationEndpoint;
    this.tokenEndpoint = requireNonNull(b.tokenEndpoint, "tokenEndpoint was not set");
    this.refreshEndpoint = b.refreshEndpoint != null ? b.refreshEndpoint : b.tokenEndpoint;
    this.revocationEndpoint = b.revocationEndpoint;
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

  /** Returns a builder holding this provider's settings, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.authorizationEndpoint = authorizationEndpoint;
    b.tokenEndpoint = tokenEndpoint;
    b.refreshEndpoint = refreshEndpoint.equals(tokenEndpoint) ? null : refreshEndpoint;
    b.revocationEndpoint = revocationEndpoint;
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

  public Optional<URI> authorizationEndpoint() {
    return Optional.ofNullable(authorizationEndpoint);
  }

  public URI tokenEndpoint() {
    return tokenEndpoint;
  }

  /** The refresh endpoint; the token endpoint unless set apart. */
  public URI refreshEndpoint() {
    return refreshEndpoint;
  }

  public Optional<URI> revocationEndpoint() {
    return Optional.ofNullable(revocationEndpoint);
  }

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
    return "Provider[" + name + ", token=" + tokenEndpoint + "]";
  }

  /** Builds a {@link Provider}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private @Nullable URI authorizationEndpoint;
    private @Nullable URI tokenEndpoint;
    private @Nullable URI refreshEndpoint;
    private @Nullable URI revocationEndpoint;
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
     * @throws IllegalStateException if no token endpoint was set
     */
    public Provider build() {
      if (tokenEndpoint == null) {
        throw new IllegalStateException("provider '" + name + "': tokenEndpoint was not set");
      }
      return new Provider(this);
    }
  }
}
