package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.FakeAuthorizationServer.ClientAuthMethod;
import io.tokenbroker.testkit.FakeAuthorizationServer.Decision;
import io.tokenbroker.testkit.FakeAuthorizationServer.ParameterLocation;
import io.tokenbroker.testkit.FakeAuthorizationServer.TokenInfo;
import io.tokenbroker.testkit.FakeAuthorizationServer.TokenKind;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The protocol logic of {@link FakeAuthorizationServer}, as the dispatcher of its {@link
 * LoopbackServer}: clients, codes, grants and tokens. All grant state is guarded by {@code lock};
 * settings are volatile.
 */
final class OAuthEngine implements LoopbackServer.Dispatcher {
  static final String OOB = "urn:ietf:wg:oauth:2.0:oob";

  /** RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2 the same for the challenge. */
  private static final Pattern PKCE_VALUE = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");

  /** A registered client; a null {@code method} accepts either way of sending the secret. */
  record Client(
      String id,
      byte @Nullable [] secret,
      @Nullable ClientAuthMethod method,
      Set<String> redirectUris) {
    boolean isPublic() {
      return secret == null;
    }
  }

  private static final class Grant {
    final String clientId;
    final @Nullable String scope;
    boolean revoked;

    Grant(String clientId, @Nullable String scope) {
      this.clientId = clientId;
      this.scope = scope;
    }
  }

  private static final class AccessEntry {
    final Grant grant;
    final @Nullable String scope;
    final Instant issuedAt;
    final Instant expiresAt;
    boolean revoked;

    AccessEntry(Grant grant, @Nullable String scope, Instant issuedAt, Instant expiresAt) {
      this.grant = grant;
      this.scope = scope;
      this.issuedAt = issuedAt;
      this.expiresAt = expiresAt;
    }
  }

  private static final class RefreshEntry {
    final Grant grant;
    final Instant issuedAt;
    final @Nullable Instant expiresAt;
    boolean used;

    RefreshEntry(Grant grant, Instant issuedAt, @Nullable Instant expiresAt) {
      this.grant = grant;
      this.issuedAt = issuedAt;
      this.expiresAt = expiresAt;
    }
  }

  private static final class CodeEntry {
    final @Nullable String clientId;
    final @Nullable String redirectUri;
    final @Nullable String challenge;
    final String challengeMethod;
    final @Nullable String scope;
    final Instant expiresAt;
    boolean used;
    @Nullable Grant grant;

    CodeEntry(
        @Nullable String clientId,
        @Nullable String redirectUri,
        @Nullable String challenge,
        String challengeMethod,
        @Nullable String scope,
        Instant expiresAt) {
      this.clientId = clientId;
      this.redirectUri = redirectUri;
      this.challenge = challenge;
      this.challengeMethod = challengeMethod;
      this.scope = scope;
      this.expiresAt = expiresAt;
    }
  }

  /** An OAuth error answer, thrown to unwind; carries no stack trace. */
  private static final class OAuthError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String error;

    OAuthError(int status, String error, String description) {
      super(description, null, false, false);
      this.status = status;
      this.error = error;
    }

    Reply reply() {
      Reply reply = Reply.oauthError(status, error, getMessage());
      return status == 401
          ? reply.withHeader("WWW-Authenticate", "Basic realm=\"fake-authorization-server\"")
          : reply;
    }
  }

  private final Clock clock;
  private final Random random;
  private final Duration accessTokenLifetime;
  private final @Nullable Duration refreshTokenLifetime;
  private final Duration codeLifetime;
  private final boolean requireClientIdOnAuthorize;
  private final boolean anonymousRefresh;
  volatile RefreshRotation rotation;
  volatile Decision decision;
  volatile boolean clientCredentialsRefreshToken;
  volatile ParameterLocation parameterLocation;

  private final Map<String, Client> clients = new ConcurrentHashMap<>();
  private final AtomicInteger invalidGrants = new AtomicInteger();

  private final Object lock = new Object();
  private final Map<String, AccessEntry> accessTokens = new HashMap<>();
  private final Map<String, RefreshEntry> refreshTokens = new HashMap<>();
  private final Map<String, CodeEntry> codes = new HashMap<>();
  private final List<String> issuedAccessTokens = new ArrayList<>();
  private final List<String> issuedRefreshTokens = new ArrayList<>();
  private final List<String> issuedCodes = new ArrayList<>();

  OAuthEngine(
      Clock clock,
      Random random,
      Duration accessTokenLifetime,
      @Nullable Duration refreshTokenLifetime,
      Duration codeLifetime,
      boolean requireClientIdOnAuthorize,
      boolean anonymousRefresh,
      RefreshRotation rotation,
      Decision decision,
      boolean clientCredentialsRefreshToken,
      ParameterLocation parameterLocation) {
    this.clock = clock;
    this.random = random;
    this.accessTokenLifetime = accessTokenLifetime;
    this.refreshTokenLifetime = refreshTokenLifetime;
    this.codeLifetime = codeLifetime;
    this.requireClientIdOnAuthorize = requireClientIdOnAuthorize;
    this.anonymousRefresh = anonymousRefresh;
    this.rotation = rotation;
    this.decision = decision;
    this.clientCredentialsRefreshToken = clientCredentialsRefreshToken;
    this.parameterLocation = parameterLocation;
  }

  void register(Client client) {
    byte[] secret = client.secret();
    if (secret != null) {
      IssuedSecrets.record("client secret", new String(secret, UTF_8));
    }
    clients.put(client.id(), client);
  }

  int invalidGrantCount() {
    return invalidGrants.get();
  }

  @Override
  public Reply dispatch(RecordedRequest request) {
    return switch (request.path()) {
      case "/token" -> token(request, false);
      case "/refresh" -> token(request, true);
      case "/authorize" -> authorize(request);
      case "/revoke" -> revoke(request);
      case "/introspect" -> introspect(request);
      default -> Reply.oauthError(404, "not_found", "no such endpoint");
    };
  }

  @Override
  public Reply failed(RecordedRequest request, RuntimeException failure) {
    return Reply.oauthError(
        500, "server_error", "the fake failed: " + failure.getClass().getName());
  }

  // ---------------------------------------------------------------- token endpoint

  Reply token(RecordedRequest request, boolean refreshEndpoint) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    try {
      Map<String, String> params = parameters(request);
      String grantType = params.get("grant_type");
      if (grantType == null) {
        if (!refreshEndpoint) {
          throw new OAuthError(400, "invalid_request", "grant_type is missing");
        }
        grantType = "refresh_token";
      }
      boolean isRefresh = grantType.equals("refresh_token");
      Client client = authenticate(request, params, isRefresh && anonymousRefresh);
      switch (grantType) {
        case "client_credentials":
          return clientCredentials(client, params);
        case "authorization_code":
          return authorizationCode(client, params);
        case "refresh_token":
          return refresh(client, params);
        default:
          throw new OAuthError(400, "unsupported_grant_type", "this grant_type is not supported");
      }
    } catch (OAuthError e) {
      if (e.error.equals("invalid_grant")) {
        invalidGrants.incrementAndGet();
      }
      return e.reply();
    }
  }

  private Reply clientCredentials(@Nullable Client client, Map<String, String> params) {
    if (client == null || client.isPublic()) {
      throw new OAuthError(
          400, "unauthorized_client", "a public client cannot use client_credentials");
    }
    String scope = blankToNull(params.get("scope"));
    synchronized (lock) {
      Grant grant = new Grant(client.id(), scope);
      return token(issue(grant, scope, clientCredentialsRefreshToken));
    }
  }

  private Reply authorizationCode(@Nullable Client client, Map<String, String> params) {
    if (client == null) {
      throw new OAuthError(401, "invalid_client", "client authentication is required");
    }
    String code = required(params, "code");
    synchronized (lock) {
      CodeEntry entry = codes.get(code);
      if (entry == null) {
        throw invalidGrant("unknown authorization code");
      }
      if (entry.clientId != null && !entry.clientId.equals(client.id())) {
        throw invalidGrant("the authorization code was issued to another client");
      }
      if (entry.used) {
        // RFC 6749 §4.1.2: a code used twice revokes what it granted.
        if (entry.grant != null) {
          entry.grant.revoked = true;
        }
        throw invalidGrant("the authorization code was already used");
      }
      if (!clock.instant().isBefore(entry.expiresAt)) {
        throw invalidGrant("the authorization code has expired");
      }
      if (entry.redirectUri != null && !entry.redirectUri.equals(params.get("redirect_uri"))) {
        throw invalidGrant("redirect_uri does not match the authorization request");
      }
      String verifier = params.get("code_verifier");
      if (entry.challenge != null) {
        if (verifier == null) {
          throw invalidGrant("code_verifier is missing");
        }
        if (!PKCE_VALUE.matcher(verifier).matches()
            || !pkceMatches(entry.challenge, entry.challengeMethod, verifier)) {
          throw invalidGrant("code_verifier does not match the code_challenge");
        }
      } else if (verifier != null) {
        // RFC 9700 §2.1.1: reject a verifier when no challenge was sent (PKCE downgrade).
        throw invalidGrant(
            "code_verifier sent but the authorization request had no code_challenge");
      }
      entry.used = true;
      Grant grant = new Grant(client.id(), entry.scope);
      entry.grant = grant;
      return token(issue(grant, entry.scope, true));
    }
  }

  private Reply refresh(@Nullable Client client, Map<String, String> params) {
    String token = required(params, "refresh_token");
    String requestedScope = blankToNull(params.get("scope"));
    synchronized (lock) {
      RefreshEntry entry = refreshTokens.get(token);
      if (entry == null) {
        throw invalidGrant("unknown refresh token");
      }
      Grant grant = entry.grant;
      if (client != null && !client.id().equals(grant.clientId)) {
        throw invalidGrant("the refresh token was issued to another client");
      }
      if (grant.revoked) {
        throw invalidGrant("the grant has been revoked");
      }
      if (entry.used) {
        if (rotation == RefreshRotation.STRICT) {
          grant.revoked = true;
          throw invalidGrant("refresh token reuse detected; the grant has been revoked");
        }
        throw invalidGrant("the refresh token was already used");
      }
      if (entry.expiresAt != null && !clock.instant().isBefore(entry.expiresAt)) {
        throw invalidGrant("the refresh token has expired");
      }
      if (requestedScope != null && !scopes(grant.scope).containsAll(scopes(requestedScope))) {
        throw new OAuthError(400, "invalid_scope", "the requested scope exceeds the grant");
      }
      boolean rotate = rotation != RefreshRotation.OFF;
      if (rotate) {
        entry.used = true;
      }
      return token(issue(grant, requestedScope != null ? requestedScope : grant.scope, rotate));
    }
  }

  /** Issues an access token (and a refresh token if asked) on {@code grant}. Holds lock. */
  private ObjectNode issue(Grant grant, @Nullable String scope, boolean withRefreshToken) {
    Instant now = clock.instant();
    String accessToken = newValue();
    accessTokens.put(
        accessToken, new AccessEntry(grant, scope, now, now.plus(accessTokenLifetime)));
    issuedAccessTokens.add(accessToken);
    IssuedSecrets.record("access token", accessToken);
    ObjectNode json =
        Reply.JSON
            .createObjectNode()
            .put("access_token", accessToken)
            .put("token_type", "Bearer")
            .put("expires_in", accessTokenLifetime.toSeconds());
    if (withRefreshToken) {
      String refreshToken = newValue();
      Instant expiresAt = refreshTokenLifetime == null ? null : now.plus(refreshTokenLifetime);
      refreshTokens.put(refreshToken, new RefreshEntry(grant, now, expiresAt));
      issuedRefreshTokens.add(refreshToken);
      IssuedSecrets.record("refresh token", refreshToken);
      json.put("refresh_token", refreshToken);
    }
    if (scope != null) {
      json.put("scope", scope);
    }
    return json;
  }

  // ---------------------------------------------------------------- parameters

  /**
   * The parameters of a token, refresh, revocation or introspection request, read only where the
   * {@link ParameterLocation} in force puts them. RFC 6749 §3.2 and §2.3.1 put them in the form
   * body and forbid the client secret in the URL; the fake's endpoints have no query of their own,
   * so any query parameter was misplaced by the client (e.g. a refresh token or code copied into
   * the URL, where logs and proxies keep it).
   *
   * @throws OAuthError 400 {@code invalid_request} for a malformed request or a parameter in the
   *     wrong place
   */
  private Map<String, String> parameters(RecordedRequest request) {
    String parameterError = request.parameterError();
    if (parameterError != null) {
      throw new OAuthError(400, "invalid_request", parameterError);
    }
    ParameterLocation location = parameterLocation;
    if (location == ParameterLocation.QUERY_STRING) {
      if (!request.bodyParameters().isEmpty()) {
        throw misplaced(request.bodyParameters(), "the query string, not the request body");
      }
      return request.queryParameters();
    }
    if (!request.queryParameters().isEmpty()) {
      throw misplaced(request.queryParameters(), "the request body, not the URL (RFC 6749 §3.2)");
    }
    RecordedRequest.BodyEncoding expected =
        location == ParameterLocation.JSON_BODY
            ? RecordedRequest.BodyEncoding.JSON
            : RecordedRequest.BodyEncoding.FORM;
    RecordedRequest.BodyEncoding actual = request.bodyEncoding();
    if (actual != RecordedRequest.BodyEncoding.NONE && actual != expected) {
      throw new OAuthError(
          400,
          "invalid_request",
          "parameters must be sent as "
              + (expected == RecordedRequest.BodyEncoding.JSON
                  ? "a JSON object"
                  : "application/x-www-form-urlencoded"));
    }
    return request.bodyParameters();
  }

  private static OAuthError misplaced(Map<String, String> parameters, String where) {
    return new OAuthError(
        400,
        "invalid_request",
        "parameters must travel in "
            + where
            + "; misplaced: "
            + String.join(", ", parameters.keySet()));
  }

  // ---------------------------------------------------------------- client authentication

  /**
   * Authenticates the client per RFC 6749 §2.3: HTTP Basic (id and secret each form-encoded), or
   * {@code client_id}/{@code client_secret} parameters, or a public client's {@code client_id}.
   * Returns null only when {@code anonymousOk} and nothing identifies the client.
   */
  private @Nullable Client authenticate(
      RecordedRequest request, Map<String, String> params, boolean anonymousOk) {
    String authorization = request.header("Authorization");
    String paramId = params.get("client_id");
    String paramSecret = params.get("client_secret");
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
        throw invalidClient("unsupported Authorization scheme");
      }
      if (paramSecret != null) {
        throw new OAuthError(
            400, "invalid_request", "more than one client authentication method was used");
      }
      String id;
      String secret;
      try {
        String decoded =
            new String(Base64.getDecoder().decode(authorization.substring(6).trim()), UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw invalidClient("malformed Basic credentials");
        }
        id = URLDecoder.decode(decoded.substring(0, colon), UTF_8);
        secret = URLDecoder.decode(decoded.substring(colon + 1), UTF_8);
      } catch (IllegalArgumentException e) {
        throw invalidClient("malformed Basic credentials");
      }
      if (paramId != null && !paramId.equals(id)) {
        throw invalidClient("client_id does not match the Basic credentials");
      }
      return check(id, secret, ClientAuthMethod.CLIENT_SECRET_BASIC);
    }
    if (paramId != null) {
      return check(paramId, paramSecret, ClientAuthMethod.CLIENT_SECRET_POST);
    }
    if (anonymousOk) {
      return null;
    }
    throw invalidClient("client authentication is required");
  }

  private Client check(String id, @Nullable String secret, ClientAuthMethod used) {
    Client client = clients.get(id);
    if (client == null) {
      throw invalidClient("client authentication failed");
    }
    byte[] expected = client.secret();
    if (expected != null && client.method() != null && client.method() != used) {
      // RFC 7591 token_endpoint_auth_method: the secret travels only the registered way.
      throw invalidClient("the client is registered for " + client.method().wireName());
    }
    if (expected == null) {
      if (secret != null && !secret.isEmpty()) {
        throw invalidClient("client authentication failed");
      }
      return client;
    }
    if (secret == null || !MessageDigest.isEqual(expected, secret.getBytes(UTF_8))) {
      throw invalidClient("client authentication failed");
    }
    return client;
  }

  // ---------------------------------------------------------------- authorization endpoint

  Reply authorize(RecordedRequest request) {
    if (!request.method().equals("GET") && !request.method().equals("POST")) {
      return methodNotAllowed("GET, POST");
    }
    String parameterError = request.parameterError();
    if (parameterError != null) {
      return errorPage(400, "invalid_request", parameterError);
    }
    Map<String, String> params = request.parameters();
    // Client or redirect URI problems are shown, never redirected (RFC 6749 §4.1.2.1).
    String clientId = params.get("client_id");
    Client client = null;
    if (clientId == null) {
      if (requireClientIdOnAuthorize) {
        return errorPage(400, "invalid_request", "client_id is missing");
      }
    } else {
      client = clients.get(clientId);
      if (client == null) {
        return errorPage(400, "invalid_client", "unknown client_id");
      }
    }
    String redirectUri = params.get("redirect_uri");
    boolean redirectUriSent = redirectUri != null;
    if (redirectUri == null) {
      if (client == null || client.redirectUris().size() != 1) {
        return errorPage(400, "invalid_request", "redirect_uri is missing");
      }
      redirectUri = client.redirectUris().iterator().next();
    } else if (!redirectAllowed(client, redirectUri)) {
      return errorPage(400, "invalid_request", "redirect_uri is not registered for this client");
    }

    String state = params.get("state");
    String responseType = params.get("response_type");
    if (responseType == null) {
      return errorRedirect(redirectUri, "invalid_request", "response_type is missing", state);
    }
    if (!responseType.equals("code")) {
      return errorRedirect(
          redirectUri, "unsupported_response_type", "only response_type=code is supported", state);
    }
    String challenge = params.get("code_challenge");
    String method = params.get("code_challenge_method");
    if (challenge == null && method != null) {
      return errorRedirect(
          redirectUri, "invalid_request", "code_challenge_method without code_challenge", state);
    }
    if (method == null) {
      method = "plain";
    }
    if (challenge != null) {
      if (!method.equals("S256") && !method.equals("plain")) {
        return errorRedirect(
            redirectUri, "invalid_request", "transform algorithm not supported", state);
      }
      if (!PKCE_VALUE.matcher(challenge).matches()) {
        return errorRedirect(redirectUri, "invalid_request", "malformed code_challenge", state);
      }
    }
    if (decision == Decision.DENY) {
      return errorRedirect(
          redirectUri, "access_denied", "the resource owner denied the request", state);
    }

    String code;
    synchronized (lock) {
      code = newValue();
      codes.put(
          code,
          new CodeEntry(
              clientId,
              redirectUriSent ? redirectUri : null,
              challenge,
              method,
              blankToNull(params.get("scope")),
              clock.instant().plus(codeLifetime)));
      issuedCodes.add(code);
      IssuedSecrets.record("authorization code", code);
    }
    if (redirectUri.equals(OOB)) {
      return Reply.html(200, codePage(code, state));
    }
    Map<String, String> result = new LinkedHashMap<>();
    result.put("code", code);
    if (state != null) {
      result.put("state", state);
    }
    return Reply.redirect(Forms.appendQuery(redirectUri, result));
  }

  private static boolean redirectAllowed(@Nullable Client client, String redirectUri) {
    if (!redirectUri.equals(OOB)) {
      try {
        URI uri = new URI(redirectUri);
        if (!uri.isAbsolute() || uri.getRawFragment() != null) {
          return false;
        }
      } catch (URISyntaxException e) {
        return false;
      }
    }
    return client == null
        || client.redirectUris().isEmpty()
        || client.redirectUris().contains(redirectUri);
  }

  private static Reply errorRedirect(
      String redirectUri, String error, String description, @Nullable String state) {
    if (redirectUri.equals(OOB)) {
      return errorPage(400, error, description);
    }
    Map<String, String> result = new LinkedHashMap<>();
    result.put("error", error);
    result.put("error_description", description);
    if (state != null) {
      result.put("state", state);
    }
    return Reply.redirect(Forms.appendQuery(redirectUri, result));
  }

  private static Reply errorPage(int status, String error, String description) {
    return Reply.html(
        status,
        "<!DOCTYPE html>\n<html><head><title>Authorization failed</title></head>\n<body>"
            + "<h1>Authorization failed</h1>\n<p id=\"error\">"
            + Forms.html(error)
            + "</p>\n<p id=\"error_description\">"
            + Forms.html(description)
            + "</p>\n</body></html>\n");
  }

  private static String codePage(String code, @Nullable String state) {
    return "<!DOCTYPE html>\n<html><head><title>Authorization code</title></head>\n<body>"
        + "<h1>Authorization code</h1>\n<p>Copy this code into your application:</p>\n"
        + "<code id=\"code\">"
        + Forms.html(code)
        + "</code>\n"
        + (state == null
            ? ""
            : "<p>state: <span id=\"state\">" + Forms.html(state) + "</span></p>\n")
        + "</body></html>\n";
  }

  // ---------------------------------------------------------------- revocation, introspection

  /** RFC 7009: 200 whatever the token; only the client's own tokens are revoked. */
  Reply revoke(RecordedRequest request) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    try {
      Map<String, String> params = parameters(request);
      Client client = authenticate(request, params, false);
      String token = required(params, "token");
      synchronized (lock) {
        AccessEntry access = accessTokens.get(token);
        if (access != null && client != null && access.grant.clientId.equals(client.id())) {
          access.revoked = true;
        }
        RefreshEntry refresh = refreshTokens.get(token);
        if (refresh != null && client != null && refresh.grant.clientId.equals(client.id())) {
          refresh.grant.revoked = true;
        }
      }
      return Reply.status(200);
    } catch (OAuthError e) {
      return e.reply();
    }
  }

  /** RFC 7662: {@code {"active":false}} for anything unknown, inactive or foreign. */
  Reply introspect(RecordedRequest request) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    try {
      Map<String, String> params = parameters(request);
      Client client = authenticate(request, params, false);
      String token = required(params, "token");
      TokenInfo info = introspect(token);
      ObjectNode json = Reply.JSON.createObjectNode();
      if (!info.active() || client == null || !client.id().equals(info.clientId())) {
        return Reply.json(200, json.put("active", false)).noStore();
      }
      json.put("active", true).put("client_id", info.clientId());
      if (info.scope() != null) {
        json.put("scope", info.scope());
      }
      if (info.kind() == TokenKind.ACCESS_TOKEN) {
        json.put("token_type", "Bearer");
      }
      if (info.issuedAt() != null) {
        json.put("iat", info.issuedAt().getEpochSecond());
      }
      if (info.expiresAt() != null) {
        json.put("exp", info.expiresAt().getEpochSecond());
      }
      return Reply.json(200, json).noStore();
    } catch (OAuthError e) {
      return e.reply();
    }
  }

  TokenInfo introspect(String token) {
    synchronized (lock) {
      Instant now = clock.instant();
      AccessEntry access = accessTokens.get(token);
      if (access != null) {
        boolean active = !access.revoked && !access.grant.revoked && now.isBefore(access.expiresAt);
        return new TokenInfo(
            active,
            TokenKind.ACCESS_TOKEN,
            access.grant.clientId,
            access.scope,
            access.issuedAt,
            access.expiresAt);
      }
      RefreshEntry refresh = refreshTokens.get(token);
      if (refresh != null) {
        boolean active =
            !refresh.used
                && !refresh.grant.revoked
                && (refresh.expiresAt == null || now.isBefore(refresh.expiresAt));
        return new TokenInfo(
            active,
            TokenKind.REFRESH_TOKEN,
            refresh.grant.clientId,
            refresh.grant.scope,
            refresh.issuedAt,
            refresh.expiresAt);
      }
      return new TokenInfo(false, null, null, null, null, null);
    }
  }

  boolean isGrantAlive(String token) {
    synchronized (lock) {
      AccessEntry access = accessTokens.get(token);
      if (access != null) {
        return !access.grant.revoked;
      }
      RefreshEntry refresh = refreshTokens.get(token);
      return refresh != null && !refresh.grant.revoked;
    }
  }

  /** Revokes without client checks: an access token alone, or a refresh token's whole grant. */
  boolean revoke(String token) {
    synchronized (lock) {
      AccessEntry access = accessTokens.get(token);
      if (access != null) {
        access.revoked = true;
        return true;
      }
      RefreshEntry refresh = refreshTokens.get(token);
      if (refresh != null) {
        refresh.grant.revoked = true;
        return true;
      }
      return false;
    }
  }

  List<String> issuedAccessTokens() {
    synchronized (lock) {
      return List.copyOf(issuedAccessTokens);
    }
  }

  List<String> issuedRefreshTokens() {
    synchronized (lock) {
      return List.copyOf(issuedRefreshTokens);
    }
  }

  List<String> issuedCodes() {
    synchronized (lock) {
      return List.copyOf(issuedCodes);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A successful token response (RFC 6749 §5.1: no-store, no-cache). */
  private static Reply token(ObjectNode json) {
    return Reply.json(200, json).noStore();
  }

  private static Reply methodNotAllowed(String allow) {
    return Reply.oauthError(405, "invalid_request", "method not allowed")
        .withHeader("Allow", allow);
  }

  private static boolean pkceMatches(String challenge, String method, String verifier) {
    byte[] expected;
    if (method.equals("S256")) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(US_ASCII));
        expected = Base64.getUrlEncoder().withoutPadding().encode(digest);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is missing from this JVM", e);
      }
    } else {
      expected = verifier.getBytes(US_ASCII);
    }
    return MessageDigest.isEqual(expected, challenge.getBytes(US_ASCII));
  }

  /** A fresh random value, unique among all codes and tokens. Holds lock. */
  private String newValue() {
    byte[] bytes = new byte[32];
    String value;
    do {
      random.nextBytes(bytes);
      value = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    } while (accessTokens.containsKey(value)
        || refreshTokens.containsKey(value)
        || codes.containsKey(value));
    Arrays.fill(bytes, (byte) 0);
    return value;
  }

  private static Set<String> scopes(@Nullable String scope) {
    Set<String> out = new HashSet<>();
    if (scope != null) {
      for (String s : scope.trim().split("\\s+")) {
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String required(Map<String, String> params, String name) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      throw new OAuthError(400, "invalid_request", name + " is missing");
    }
    return value;
  }

  private static OAuthError invalidGrant(String description) {
    return new OAuthError(400, "invalid_grant", description);
  }

  private static OAuthError invalidClient(String description) {
    return new OAuthError(401, "invalid_client", description);
  }
}
