package io.tokenbroker.spring;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code tokenbroker.*} properties: where grants are stored, the keyset that seals them, and
 * the grants to register.
 *
 * <pre>{@code
 * tokenbroker:
 *   store: file:/var/lib/app/tokens      # file:DIR | jdbc (the application's DataSource) | memory
 *   keyset: /var/lib/app/keyset.json     # created owner-only if missing; or keyset-env: VAR
 *   grants:
 *     reporting:
 *       grant-type: client-credentials
 *       token-uri: https://login.example/oauth/token
 *       client-id: my-client
 *       client-secret: ${REPORTING_SECRET}
 * }</pre>
 *
 * <p>Unknown properties under {@code tokenbroker} fail start-up, so a typo is named rather than
 * ignored. Values are checked when the broker is built; a missing or wrong one fails start-up with
 * one line naming it ({@link TokenBrokerConfigurationException}), never quoting a secret. {@link
 * #toString()} never shows the client secrets.
 */
@ConfigurationProperties(prefix = "tokenbroker", ignoreUnknownFields = false)
public class TokenBrokerProperties {
  /**
   * Where grants persist: 'memory' (lost on restart), 'file:DIR' (one encrypted file per grant;
   * shared safely by the processes of one machine) or 'jdbc' (table tokenbroker_grants in the
   * application's DataSource; for many instances).
   */
  private String store = "memory";

  /**
   * Cleartext Tink keyset file that seals every stored grant; created owner-only (0600) if missing.
   * Required with a file or jdbc store unless keyset-env is set.
   */
  private @Nullable String keyset;

  /** Environment variable holding the Tink JSON keyset (plain or base64), instead of keyset. */
  private @Nullable String keysetEnv;

  /**
   * How long before expiry a background refresh starts (at most half a token's lifetime). Default
   * 5m.
   */
  private @Nullable Duration refreshAhead;

  /** The grants to register, by name; the name is the grant's key in the store. */
  private Map<String, Grant> grants = new LinkedHashMap<>();

  public String getStore() {
    return store;
  }

  public void setStore(String store) {
    this.store = store;
  }

  public @Nullable String getKeyset() {
    return keyset;
  }

  public void setKeyset(@Nullable String keyset) {
    this.keyset = keyset;
  }

  public @Nullable String getKeysetEnv() {
    return keysetEnv;
  }

  public void setKeysetEnv(@Nullable String keysetEnv) {
    this.keysetEnv = keysetEnv;
  }

  public @Nullable Duration getRefreshAhead() {
    return refreshAhead;
  }

  public void setRefreshAhead(@Nullable Duration refreshAhead) {
    this.refreshAhead = refreshAhead;
  }

  public Map<String, Grant> getGrants() {
    return grants;
  }

  public void setGrants(Map<String, Grant> grants) {
    this.grants = grants;
  }

  @Override
  public String toString() {
    return "TokenBrokerProperties[store=" + store + ", grants=" + grants.keySet() + "]";
  }

  /** One grant: its provider, how it renews, the client and what to request. */
  public static class Grant {
    /** The authorization server: 'generic' (any OAuth 2.0 server), 'cor' or 'procore'. */
    private String provider = "generic";

    /**
     * How the grant renews: 'client-credentials' (fetched on demand) or 'authorization-code'
     * (consented once with the tokenbroker CLI on the same store, renewed with its refresh token).
     */
    private @Nullable String grantType;

    /**
     * The issuer, for endpoint discovery. Discovery is not available yet: set token-uri (and
     * authorization-uri, revocation-uri) beside it.
     */
    private @Nullable URI issuerUri;

    /** The token endpoint (generic provider); https, or http on a loopback host. */
    private @Nullable URI tokenUri;

    /** The authorization (consent) endpoint, for authorization-code grants (generic provider). */
    private @Nullable URI authorizationUri;

    /** The RFC 7009 revocation endpoint, if the server has one (generic provider). */
    private @Nullable URI revocationUri;

    /** The client id (COR: the API key; an authorization-code COR grant: the app name). */
    private @Nullable String clientId;

    /** The client secret; never logged or shown. Take it from the environment. */
    private @Nullable String clientSecret;

    /**
     * How the client authenticates at the token endpoint: 'basic' (client_secret_basic, the
     * default), 'post' (client_secret_post) or 'none' (a public client: client_id only).
     */
    private @Nullable String clientAuthentication;

    /** Scopes to request. */
    private List<String> scopes = new ArrayList<>();

    /**
     * Extra token-request parameters (such as audience). Not supported by oauth-core yet: setting
     * any fails start-up rather than being silently ignored.
     */
    private Map<String, String> parameters = new LinkedHashMap<>();

    /** Procore options (provider: procore). */
    private ProcoreOptions procore = new ProcoreOptions();

    /** COR options (provider: cor). */
    private CorOptions cor = new CorOptions();

    public String getProvider() {
      return provider;
    }

    public void setProvider(String provider) {
      this.provider = provider;
    }

    public @Nullable String getGrantType() {
      return grantType;
    }

    public void setGrantType(@Nullable String grantType) {
      this.grantType = grantType;
    }

    public @Nullable URI getIssuerUri() {
      return issuerUri;
    }

    public void setIssuerUri(@Nullable URI issuerUri) {
      this.issuerUri = issuerUri;
    }

    public @Nullable URI getTokenUri() {
      return tokenUri;
    }

    public void setTokenUri(@Nullable URI tokenUri) {
      this.tokenUri = tokenUri;
    }

    public @Nullable URI getAuthorizationUri() {
      return authorizationUri;
    }

    public void setAuthorizationUri(@Nullable URI authorizationUri) {
      this.authorizationUri = authorizationUri;
    }

    public @Nullable URI getRevocationUri() {
      return revocationUri;
    }

    public void setRevocationUri(@Nullable URI revocationUri) {
      this.revocationUri = revocationUri;
    }

    public @Nullable String getClientId() {
      return clientId;
    }

    public void setClientId(@Nullable String clientId) {
      this.clientId = clientId;
    }

    public @Nullable String getClientSecret() {
      return clientSecret;
    }

    public void setClientSecret(@Nullable String clientSecret) {
      this.clientSecret = clientSecret;
    }

    public @Nullable String getClientAuthentication() {
      return clientAuthentication;
    }

    public void setClientAuthentication(@Nullable String clientAuthentication) {
      this.clientAuthentication = clientAuthentication;
    }

    public List<String> getScopes() {
      return scopes;
    }

    public void setScopes(List<String> scopes) {
      this.scopes = scopes;
    }

    public Map<String, String> getParameters() {
      return parameters;
    }

    public void setParameters(Map<String, String> parameters) {
      this.parameters = parameters;
    }

    public ProcoreOptions getProcore() {
      return procore;
    }

    public void setProcore(ProcoreOptions procore) {
      this.procore = procore;
    }

    public CorOptions getCor() {
      return cor;
    }

    public void setCor(CorOptions cor) {
      this.cor = cor;
    }

    /** Never shows the client secret. */
    @Override
    public String toString() {
      return "Grant[provider="
          + provider
          + ", grantType="
          + grantType
          + ", clientId="
          + clientId
          + ", clientSecret="
          + (clientSecret == null ? "none" : "[redacted]")
          + "]";
    }
  }

  /** Procore options of a grant. */
  public static class ProcoreOptions {
    /**
     * 'production' (default), 'sandbox' or 'monthly-sandbox'; any other name needs login-url and
     * api-url.
     */
    private @Nullable String environment;

    /** The company whose API calls ProcoreClients.company(grant) makes (Procore-Company-Id). */
    private @Nullable Long companyId;

    /** The login (OAuth) host of a custom environment, e.g. a proxy or an offline sandbox. */
    private @Nullable URI loginUrl;

    /** The API host of a custom environment. */
    private @Nullable URI apiUrl;

    public @Nullable String getEnvironment() {
      return environment;
    }

    public void setEnvironment(@Nullable String environment) {
      this.environment = environment;
    }

    public @Nullable Long getCompanyId() {
      return companyId;
    }

    public void setCompanyId(@Nullable Long companyId) {
      this.companyId = companyId;
    }

    public @Nullable URI getLoginUrl() {
      return loginUrl;
    }

    public void setLoginUrl(@Nullable URI loginUrl) {
      this.loginUrl = loginUrl;
    }

    public @Nullable URI getApiUrl() {
      return apiUrl;
    }

    public void setApiUrl(@Nullable URI apiUrl) {
      this.apiUrl = apiUrl;
    }
  }

  /** COR options of a grant. */
  public static class CorOptions {
    /** The COR account (SUBDOMAIN.cor.works) of an authorization-code grant. */
    private @Nullable String subdomain;

    /** The app's name, which COR identifies authorization-code apps by. */
    private @Nullable String appName;

    /** COR's API base; default https://api.projectcor.com/v1. */
    private @Nullable URI apiUrl;

    public @Nullable String getSubdomain() {
      return subdomain;
    }

    public void setSubdomain(@Nullable String subdomain) {
      this.subdomain = subdomain;
    }

    public @Nullable String getAppName() {
      return appName;
    }

    public void setAppName(@Nullable String appName) {
      this.appName = appName;
    }

    public @Nullable URI getApiUrl() {
      return apiUrl;
    }

    public void setApiUrl(@Nullable URI apiUrl) {
      this.apiUrl = apiUrl;
    }
  }
}
