package io.tokenbroker.procore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.Secret;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.UnknownGrantException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Procore's token info ({@code GET /oauth/token/info}) and revocation ({@code POST /oauth/revoke})
 * for one app of one environment.
 *
 * <p>Revocation kills both the access token and its refresh token, and answers 200 even for an
 * unknown token. Token info needs no client credentials, only the token.
 *
 * <p>Failures are {@link ProcoreApiException}s (a 401 from token info means the token is invalid,
 * expired or revoked). Tokens and the client secret never appear in messages. Thread-safe.
 */
public final class ProcoreOAuth {
  private final Procore procore;
  private final ClientRegistration registration;
  private final HttpClient http;
  private final Duration timeout = Duration.ofSeconds(30);

  private ProcoreOAuth(Procore procore, ClientRegistration registration, HttpClient http) {
    this.procore = procore;
    this.registration = registration;
    this.http = http;
  }

  /** With a default {@link HttpClient} (no redirects, 10 s connect timeout). */
  public static ProcoreOAuth create(Procore procore, ClientRegistration registration) {
    return create(
        procore,
        registration,
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build());
  }

  public static ProcoreOAuth create(
      Procore procore, ClientRegistration registration, HttpClient http) {
    requireNonNull(procore, "procore == null");
    requireNonNull(registration, "registration == null");
    requireNonNull(http, "http == null");
    return new ProcoreOAuth(procore, registration, http);
  }

  /** What Procore knows about {@code token}. */
  public TokenInfo tokenInfo(AccessToken token) {
    requireNonNull(token, "token == null");
    URI uri = procore.tokenInfoEndpoint();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .GET()
            .timeout(timeout)
            .header("Accept", "application/json")
            .header("Authorization", "Bearer " + token.revealValue())
            .build();
    Transport.Response response = send("GET", request);
    if (response.status() != 200) {
      throw Transport.failure("GET", response, null);
    }
    try {
      TokenInfo info = Json.MAPPER.readValue(response.body(), TokenInfo.class);
      if (info == null) {
        throw new IOException("null body");
      }
      return info;
    } catch (IOException e) {
      throw new ProcoreApiException(
          ProcoreApiException.Kind.MALFORMED_RESPONSE,
          response.status(),
          "GET",
          uri,
          "the token info is not the JSON expected",
          response.text(),
          null,
          null,
          null);
    }
  }

  /** What Procore knows about the current access token of the grant {@code key}. */
  public TokenInfo tokenInfo(TokenBroker broker, GrantKey key) {
    requireNonNull(broker, "broker == null");
    return tokenInfo(broker.accessToken(key));
  }

  /**
   * Revokes {@code token} (an access token, as documented; Procore's Doorkeeper also takes a
   * refresh token): both it and its pair stop working.
   */
  public void revoke(Secret token) {
    requireNonNull(token, "token == null");
    StringBuilder form =
        new StringBuilder()
            .append("token=")
            .append(URLEncoder.encode(token.revealValue(), UTF_8))
            .append("&client_id=")
            .append(URLEncoder.encode(registration.clientId(), UTF_8));
    ClientSecret secret = registration.clientSecret();
    if (secret != null) {
      form.append("&client_secret=").append(URLEncoder.encode(secret.revealValue(), UTF_8));
    }
    HttpRequest request =
        HttpRequest.newBuilder(procore.revocationEndpoint())
            .timeout(timeout)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
            .build();
    Transport.Response response = send("POST", request);
    if (response.status() < 200 || response.status() > 299) {
      throw Transport.failure("POST", response, null);
    }
  }

  /**
   * Ends a grant: revokes its current access token at Procore (which kills its refresh token too)
   * and removes it from the broker. A grant already marked re-authorization required, or one that
   * was never consented, is only removed. Unlike {@code broker.revoke(key)}, it first obtains a
   * current access token (refreshing if needed), so that the revocation never names an expired one.
   */
  public void revokeGrant(TokenBroker broker, GrantKey key) {
    requireNonNull(broker, "broker == null");
    requireNonNull(key, "key == null");
    AccessToken current;
    try {
      current = broker.accessToken(key);
    } catch (InvalidGrantException | UnknownGrantException e) {
      broker.remove(key); // dead or never consented: nothing valid to revoke at Procore
      return;
    }
    revoke(current);
    broker.remove(key);
  }

  private Transport.Response send(String method, HttpRequest request) {
    URI uri = request.uri();
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Transport.Response(uri, r.statusCode(), r.headers(), r.body(), null);
    } catch (IOException e) {
      String what =
          e instanceof HttpTimeoutException
              ? "timed out"
              : "failed: " + e.getClass().getSimpleName();
      throw new ProcoreApiException(
          ProcoreApiException.Kind.NETWORK,
          0,
          method,
          uri,
          "the request " + what,
          "",
          null,
          null,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProcoreApiException(
          ProcoreApiException.Kind.NETWORK,
          0,
          method,
          uri,
          "the request was interrupted",
          "",
          null,
          null,
          e);
    }
  }

  @Override
  public String toString() {
    return "ProcoreOAuth[" + procore.environment() + ", client=" + registration.clientId() + "]";
  }
}
