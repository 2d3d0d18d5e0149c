package io.tokenbroker.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.RateLimitedException;
import io.tokenbroker.oauth.TokenSet;
import io.tokenbroker.oauth.TransientTokenException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * <b>Development only</b> (COR: "for testing and development purposes only… not recommended for
 * production"): logs in as a COR user with {@code POST {api}/auth/login} (form {@code email},
 * {@code password}) and returns the tokens, which the broker then keeps and renews at {@code
 * /oauth/refreshtoken} like any other COR grant.
 *
 * <pre>{@code
 * CorDevLogin login = cor.devLogin();
 * broker.register(key, login.registration(), GrantType.AUTHORIZATION_CODE);
 * broker.saveTokens(key, login.login("me@example.com", password));
 * }</pre>
 *
 * <p>The answer is read by core's token-response reader ({@link Provider#readTokenResponse}) with
 * COR's normalizer, so COR's documented {@code AuthResponse} and the shapes seen in the wild
 * ({@code {"token":{…}}} with {@code refreshToken}, {@code {"data":{"token":…}}}) all work; an
 * answer without a refresh token cannot be renewed and the login must be repeated when the token
 * expires. The password is sent once and never kept.
 *
 * <h2>Failures</h2>
 *
 * <ul>
 *   <li>{@link ClientConfigurationException}: COR refused the credentials (4xx; COR's message,
 *       including 417 validation items, is quoted without the e-mail or password);
 *   <li>{@link RateLimitedException}: COR answered 429;
 *   <li>{@link TransientTokenException}: 5xx, no answer, or an answer that is not a token.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class CorDevLogin {
  static final String CLIENT_ID = "cor-dev-login";

  private final URI endpoint;
  private final Provider provider;
  private final Clock clock;
  private final HttpClient http;
  private final Duration requestTimeout;

  private CorDevLogin(Builder b) {
    this.endpoint = b.cor.api("/auth/login");
    this.provider = b.cor.devLoginProvider();
    this.clock = b.cor.clock();
    this.http =
        b.httpClient != null
            ? b.httpClient
            : HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    this.requestTimeout = b.requestTimeout;
  }

  /** A login for {@code cor}'s API base with default settings; also {@link Cor#devLogin()}. */
  public static CorDevLogin create(Cor cor) {
    return builder(cor).build();
  }

  public static Builder builder(Cor cor) {
    return new Builder(cor);
  }

  /**
   * The registration under which to keep the login's tokens: register it as {@code
   * GrantType.AUTHORIZATION_CODE} and save the tokens with {@code broker.saveTokens(key, tokens)}.
   */
  public ClientRegistration registration() {
    return ClientRegistration.publicClient(provider, CLIENT_ID);
  }

  /**
   * Logs in and returns the tokens (not saved anywhere; pass them to {@code broker.saveTokens}).
   *
   * @throws ClientConfigurationException if COR refuses the credentials
   * @throws RateLimitedException if COR answers 429
   * @throws TransientTokenException if COR or the network fails, or the answer is unreadable
   */
  public TokenSet login(String email, String password) {
    requireNonNull(email, "email == null");
    requireNonNull(password, "password == null");
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
      response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
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
    if (status == 429) {
      // COR publishes no Retry-After; none is assumed.
      throw new RateLimitedException(
          "COR dev login at " + endpoint + " was rate limited (HTTP 429)", status, null);
    }
    if (status >= 500) {
      throw new TransientTokenException(
          "COR dev login at " + endpoint + " failed on the server side (HTTP " + status + ")",
          TransientTokenException.Kind.SERVER_ERROR,
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
    return provider.readTokenResponse(response.body(), clock.instant());
  }

  @Override
  public String toString() {
    return "CorDevLogin[" + endpoint + "]";
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

  /** Configures a {@link CorDevLogin}. Not thread-safe. */
  public static final class Builder {
    private final Cor cor;
    private @Nullable HttpClient httpClient;
    private Duration requestTimeout = Duration.ofSeconds(30);

    private Builder(Cor cor) {
      this.cor = requireNonNull(cor, "cor == null");
    }

    /** The HttpClient for the login request; default one that never follows redirects. */
    public Builder httpClient(HttpClient client) {
      this.httpClient = requireNonNull(client, "client == null");
      return this;
    }

    /** Time limit of the login request; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout == null");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
      }
      this.requestTimeout = timeout;
      return this;
    }

    public CorDevLogin build() {
      return new CorDevLogin(this);
    }
  }
}
