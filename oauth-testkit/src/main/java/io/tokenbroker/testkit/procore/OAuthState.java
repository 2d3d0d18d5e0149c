package io.tokenbroker.testkit.procore;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.IssuedTokens;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import java.net.URLEncoder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The login host's state and logic: clients, authorization codes, access and refresh tokens. Every
 * method is synchronized: the sandbox is a test double, and one lock makes "a refresh token is
 * usable exactly once" trivially true under any concurrency.
 */
final class OAuthState {
  static final String OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob";

  static final String INVALID_GRANT_DESCRIPTION =
      "The provided authorization grant is invalid, expired, revoked, does not match the"
          + " redirection URI used in the authorization request, or was issued to another client.";
  static final String INVALID_CLIENT_DESCRIPTION =
      "Client authentication failed due to unknown client, no client authentication included, or"
          + " unsupported authentication method.";
  static final String INVALID_TOKEN_DESCRIPTION = "The access token is invalid";
  private static final ObjectMapper JSON = new ObjectMapper();

  record Client(
      String clientId,
      byte[] secret,
      Set<String> redirectUris,
      boolean serviceAccount,
      long serviceAccountUserId,
      Set<Long> serviceAccountCompanies) {}

  private static final class Code {
    final String clientId;
    final String redirectUri;
    final long userId;
    final Instant expiresAt;
    final @Nullable String challenge;
    final @Nullable String challengeMethod;
    boolean used;

    Code(
        String clientId,
        String redirectUri,
        long userId,
        Instant expiresAt,
        @Nullable String challenge,
        @Nullable String challengeMethod) {
      this.clientId = clientId;
      this.redirectUri = redirectUri;
      this.userId = userId;
      this.expiresAt = expiresAt;
      this.challenge = challenge;
      this.challengeMethod = challengeMethod;
    }
  }

  /** An issued access token; {@code principal} is what the API host sees. */
  static final class Access {
    final Principal principal;
    final long createdAt;
    final Instant expiresAt;
    final @Nullable String refreshToken;
    boolean revoked;

    Access(Principal principal, long createdAt, Instant expiresAt, @Nullable String refreshToken) {
      this.principal = principal;
      this.createdAt = createdAt;
      this.expiresAt = expiresAt;
      this.refreshToken = refreshToken;
    }
  }

  private static final class Refresh {
    final String clientId;
    final long userId;
    final String accessToken;
    boolean usable = true;

    Refresh(String clientId, long userId, String accessToken) {
      this.clientId = clientId;
      this.userId = userId;
      this.accessToken = accessToken;
    }
  }

  /** Who an access token speaks for. */
  record Principal(
      String accessToken,
      String clientId,
      long userId,
      boolean serviceAccount,
      Set<Long> serviceAccountCompanies) {}

  private final Clock clock;
  private final Random random;
  private final Duration accessTokenLifetime;
  private final Duration codeLifetime;
  private final boolean refreshRevokesAccessToken;
  private final boolean acceptBasicAuth;
  private final long userId;

  private final Map<String, Client> clients = new LinkedHashMap<>();
  private final Map<String, Code> codes = new HashMap<>();
  private final Map<String, Access> accessTokens = new HashMap<>();
  private final Map<String, Refresh> refreshTokens = new HashMap<>();
  final IssuedTokens issued = new IssuedTokens();
  private final Map<String, Integer> tokenRequestsByGrant = new HashMap<>();
  private int tokenRequests;
  private int invalidGrants;
  private boolean denyConsent;
  private long nextServiceAccountUserId = 3_900_000_001L;

  OAuthState(
      Clock clock,
      Random random,
      Duration accessTokenLifetime,
      Duration codeLifetime,
      boolean refreshRevokesAccessToken,
      boolean acceptBasicAuth,
      long userId) {
    this.clock = clock;
    this.random = random;
    this.accessTokenLifetime = accessTokenLifetime;
    this.codeLifetime = codeLifetime;
    this.refreshRevokesAccessToken = refreshRevokesAccessToken;
    this.acceptBasicAuth = acceptBasicAuth;
    this.userId = userId;
  }

  // ------------------------------------------------------------------ configuration

  synchronized void registerClient(String clientId, String secret, Set<String> redirectUris) {
    IssuedSecrets.record("client secret", secret);
    clients.put(
        clientId, new Client(clientId, secret.getBytes(UTF_8), redirectUris, false, 0, Set.of()));
  }

  synchronized long registerServiceAccount(String clientId, String secret, Set<Long> companies) {
    IssuedSecrets.record("client secret", secret);
    long serviceUser = nextServiceAccountUserId++;
    clients.put(
        clientId,
        new Client(
            clientId, secret.getBytes(UTF_8), Set.of(), true, serviceUser, Set.copyOf(companies)));
    return serviceUser;
  }

  synchronized void denyConsent(boolean deny) {
    this.denyConsent = deny;
  }

  // ------------------------------------------------------------------ /oauth/authorize

  synchronized Reply authorize(RecordedRequest request) {
    Map<String, String> p = request.queryParameters();
    String clientId = p.get("client_id");
    Client client = clientId == null ? null : clients.get(clientId);
    if (clientId == null || client == null || client.serviceAccount()) {
      return errorPage(401, "invalid_client", INVALID_CLIENT_DESCRIPTION);
    }
    String redirect = p.get("redirect_uri");
    if (redirect == null || !client.redirectUris().contains(redirect)) {
      return errorPage(
          400,
          "invalid_redirect_uri",
          "The requested redirect uri is malformed or doesn't match client redirect URI.");
    }
    boolean oob = redirect.equals(OUT_OF_BAND);
    String state = p.get("state");
    String responseType = p.get("response_type");
    if (!"code".equals(responseType)) {
      return oob
          ? errorPage(
              400,
              "unsupported_response_type",
              "The authorization server does not support this response type.")
          : redirectWith(redirect, "error", "unsupported_response_type", state);
    }
    if (denyConsent) {
      return oob
          ? errorPage(
              400,
              "access_denied",
              "The resource owner or authorization server denied the request.")
          : redirectWith(redirect, "error", "access_denied", state);
    }
    String code = newValue();
    codes.put(
        code,
        new Code(
            clientId,
            redirect,
            userId,
            clock.instant().plus(codeLifetime),
            p.get("code_challenge"),
            p.get("code_challenge_method")));
    issued.recordCode(code);
    IssuedSecrets.record("authorization code", code);
    if (oob) {
      return Reply.html(
              200,
              "<!DOCTYPE html>\n<html><head><title>Authorization code</title></head><body>"
                  + "<h1>Authorization code</h1>"
                  + "<p>Copy this code, switch to your application and paste it there:</p>"
                  + "<code id=\"authorization_code\">"
                  + code
                  + "</code></body></html>\n")
          .withHeader("Cache-Control", "no-store");
    }
    return redirectWith(redirect, "code", code, state);
  }

  private static Reply redirectWith(
      String redirect, String name, String value, @Nullable String state) {
    StringBuilder location = new StringBuilder(redirect);
    location.append(redirect.indexOf('?') < 0 ? '?' : '&');
    location.append(name).append('=').append(URLEncoder.encode(value, UTF_8));
    if (state != null) {
      location.append("&state=").append(URLEncoder.encode(state, UTF_8));
    }
    return Reply.redirect(location.toString());
  }

  private static Reply errorPage(int status, String error, String description) {
    return Reply.html(
        status,
        "<!DOCTYPE html>\n<html><head><title>An error has occurred</title></head><body>"
            + "<h1>An error has occurred</h1><p id=\"error\">"
            + error
            + "</p><p id=\"error_description\">"
            + description
            + "</p></body></html>\n");
  }

  // ------------------------------------------------------------------ /oauth/token

  synchronized Reply token(RecordedRequest request) {
    tokenRequests++;
    Map<String, String> p = request.bodyParameters();
    String grantType = p.get("grant_type");
    if (grantType != null) {
      tokenRequestsByGrant.merge(grantType, 1, Integer::sum);
    }
    Reply misplaced = misplaced(request);
    if (misplaced != null) {
      return misplaced;
    }
    if (grantType == null) {
      return Reply.oauthError(
          400,
          "invalid_request",
          "The request is missing a required parameter, includes an unsupported parameter value, or"
              + " is otherwise malformed.");
    }
    switch (grantType) {
      case "refresh_token":
        return refresh(request);
      case "authorization_code":
        return exchangeCode(request);
      case "client_credentials":
        return clientCredentials(request);
      default:
        return Reply.oauthError(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.");
    }
  }

  private Reply refresh(RecordedRequest request) {
    String presented = request.bodyParameters().get("refresh_token");
    if (presented == null || presented.isEmpty()) {
      return Reply.oauthError(400, "invalid_request", "Missing required parameter: refresh_token.");
    }
    Refresh refresh = refreshTokens.get(presented);
    // Strict: any presentation burns the token, before anything else is checked.
    boolean wasUsable = refresh != null && refresh.usable;
    if (refresh != null) {
      refresh.usable = false;
    }
    Client client = authenticate(request);
    if (client == null) {
      return invalidClient();
    }
    if (!wasUsable || refresh == null || !refresh.clientId.equals(client.clientId())) {
      return invalidGrant();
    }
    if (refreshRevokesAccessToken) {
      Access old = accessTokens.get(refresh.accessToken);
      if (old != null) {
        old.revoked = true;
      }
    }
    return issue(client, refresh.userId, true);
  }

  private Reply exchangeCode(RecordedRequest request) {
    Client client = authenticate(request);
    if (client == null) {
      return invalidClient();
    }
    Map<String, String> p = request.bodyParameters();
    String value = p.get("code");
    if (value == null || value.isEmpty()) {
      return Reply.oauthError(400, "invalid_request", "Missing required parameter: code.");
    }
    Code code = codes.get(value);
    if (code == null || code.used) {
      return invalidGrant();
    }
    code.used = true; // single use, whatever happens next
    if (!clock.instant().isBefore(code.expiresAt)
        || !code.clientId.equals(client.clientId())
        || !code.redirectUri.equals(p.get("redirect_uri"))
        || !pkceMatches(code, p.get("code_verifier"))) {
      return invalidGrant();
    }
    return issue(client, code.userId, true);
  }

  private Reply clientCredentials(RecordedRequest request) {
    Client client = authenticate(request);
    if (client == null) {
      return invalidClient();
    }
    if (!client.serviceAccount()) {
      return Reply.oauthError(
          400,
          "unauthorized_client",
          "The client is not authorized to request an access token using this method.");
    }
    return issue(client, client.serviceAccountUserId(), false);
  }

  private static boolean pkceMatches(Code code, @Nullable String verifier) {
    if (code.challenge == null) {
      return true; // PKCE was not used for this code
    }
    if (verifier == null) {
      return false;
    }
    String method = code.challengeMethod == null ? "plain" : code.challengeMethod;
    String expected =
        method.equals("S256")
            ? Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier))
            : verifier;
    return MessageDigest.isEqual(expected.getBytes(UTF_8), code.challenge.getBytes(UTF_8));
  }

  private Reply issue(Client client, long owner, boolean withRefreshToken) {
    Instant now = clock.instant();
    String access = newValue();
    String refresh = withRefreshToken ? newValue() : null;
    Principal principal =
        new Principal(
            access,
            client.clientId(),
            owner,
            client.serviceAccount(),
            client.serviceAccountCompanies());
    accessTokens.put(
        access,
        new Access(principal, now.getEpochSecond(), now.plus(accessTokenLifetime), refresh));
    issued.recordAccessToken(access);
    IssuedSecrets.record("access token", access);
    ObjectNode body =
        JSON.createObjectNode()
            .put("access_token", access)
            .put("token_type", "bearer")
            .put("expires_in", accessTokenLifetime.toSeconds());
    if (refresh != null) {
      refreshTokens.put(refresh, new Refresh(client.clientId(), owner, access));
      issued.recordRefreshToken(refresh);
      IssuedSecrets.record("refresh token", refresh);
      body.put("refresh_token", refresh);
    }
    body.put("created_at", now.getEpochSecond());
    return Reply.json(200, body)
        .withHeader("Cache-Control", "no-store")
        .withHeader("Pragma", "no-cache");
  }

  /**
   * Procore documents the token and revocation parameters in the request body (form, multipart or
   * JSON); one in the URL (a refresh token, code or secret copied there, where logs keep it) was
   * misplaced by the client and is refused before anything is read or burned.
   */
  private static @Nullable Reply misplaced(RecordedRequest request) {
    if (request.queryParameters().isEmpty()) {
      return null;
    }
    String name = request.queryParameters().keySet().iterator().next();
    return Reply.oauthError(
        400,
        "invalid_request",
        "parameter " + name + " must travel in the request body, not the URL");
  }

  private Reply invalidGrant() {
    invalidGrants++;
    return Reply.oauthError(400, "invalid_grant", INVALID_GRANT_DESCRIPTION);
  }

  private static Reply invalidClient() {
    return Reply.oauthError(401, "invalid_client", INVALID_CLIENT_DESCRIPTION);
  }

  /**
   * The client named by {@code client_id}/{@code client_secret} (or Basic, if enabled), or null.
   */
  private @Nullable Client authenticate(RecordedRequest request) {
    String id = request.bodyParameters().get("client_id");
    String secret = request.bodyParameters().get("client_secret");
    String authorization = request.header("Authorization");
    if (acceptBasicAuth
        && id == null
        && authorization != null
        && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(authorization.substring(6).trim()), UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          id = java.net.URLDecoder.decode(decoded.substring(0, colon), UTF_8);
          secret = java.net.URLDecoder.decode(decoded.substring(colon + 1), UTF_8);
        }
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    if (id == null || secret == null) {
      return null;
    }
    Client client = clients.get(id);
    if (client == null || !MessageDigest.isEqual(client.secret(), secret.getBytes(UTF_8))) {
      return null;
    }
    return client;
  }

  // ------------------------------------------------------------------ /oauth/token/info,
  // /oauth/revoke

  synchronized Reply tokenInfo(RecordedRequest request) {
    Access access = validAccess(bearer(request));
    if (access == null) {
      return invalidToken();
    }
    ObjectNode body = JSON.createObjectNode();
    if (access.principal.serviceAccount()) {
      body.putNull("resource_owner_id"); // client-credentials tokens have no resource owner
    } else {
      body.put("resource_owner_id", access.principal.userId());
    }
    body.putArray("scopes");
    long remaining = Duration.between(clock.instant(), access.expiresAt).toSeconds();
    body.put("expires_in_seconds", Math.max(0, remaining));
    body.putObject("application").put("uid", access.principal.clientId());
    body.put("created_at", access.createdAt);
    return Reply.json(200, body);
  }

  synchronized Reply revoke(RecordedRequest request) {
    Reply misplaced = misplaced(request);
    if (misplaced != null) {
      return misplaced;
    }
    String token = request.bodyParameters().get("token");
    Client client = authenticate(request);
    if (token != null && client != null) {
      Access access = accessTokens.get(token);
      Refresh refresh = refreshTokens.get(token);
      if (access != null && access.principal.clientId().equals(client.clientId())) {
        access.revoked = true;
        Refresh pair = access.refreshToken == null ? null : refreshTokens.get(access.refreshToken);
        if (pair != null) {
          pair.usable = false;
        }
      } else if (refresh != null && refresh.clientId.equals(client.clientId())) {
        // Doorkeeper also accepts the refresh token here; both die either way.
        refresh.usable = false;
        Access pair = accessTokens.get(refresh.accessToken);
        if (pair != null) {
          pair.revoked = true;
        }
      }
    }
    // 200 whatever happened, as documented.
    return Reply.json(200, JSON.createObjectNode());
  }

  static Reply invalidToken() {
    return Reply.json(
            401,
            JSON.createObjectNode()
                .put("error", "invalid_token")
                .put("error_description", INVALID_TOKEN_DESCRIPTION)
                .put("errors", INVALID_TOKEN_DESCRIPTION))
        .withHeader(
            "WWW-Authenticate",
            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\""
                + INVALID_TOKEN_DESCRIPTION
                + "\"");
  }

  static @Nullable String bearer(RecordedRequest request) {
    String authorization = request.header("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }

  /** The principal of a live access token, or null (unknown, expired or revoked). */
  synchronized @Nullable Principal principal(@Nullable String accessToken) {
    Access access = validAccess(accessToken);
    return access == null ? null : access.principal;
  }

  private @Nullable Access validAccess(@Nullable String token) {
    if (token == null) {
      return null;
    }
    Access access = accessTokens.get(token);
    if (access == null || access.revoked || !clock.instant().isBefore(access.expiresAt)) {
      return null;
    }
    return access;
  }

  // ------------------------------------------------------------------ queries for tests

  synchronized boolean isAccessTokenValid(String token) {
    return validAccess(token) != null;
  }

  synchronized boolean isRefreshTokenUsable(String token) {
    Refresh refresh = refreshTokens.get(token);
    return refresh != null && refresh.usable;
  }

  synchronized int tokenRequests() {
    return tokenRequests;
  }

  synchronized int tokenRequests(String grantType) {
    return tokenRequestsByGrant.getOrDefault(grantType, 0);
  }

  synchronized int invalidGrants() {
    return invalidGrants;
  }

  private String newValue() {
    byte[] bytes = new byte[32];
    synchronized (random) {
      random.nextBytes(bytes);
    }
    return HexFormat.of().formatHex(bytes).toLowerCase(Locale.ROOT);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
