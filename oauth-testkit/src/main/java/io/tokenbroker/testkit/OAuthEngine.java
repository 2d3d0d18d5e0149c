package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.FakeAuthorizationServer.ClientAuthMethod;
import io.tokenbroker.testkit.FakeAuthorizationServer.Decision;
import io.tokenbroker.testkit.FakeAuthorizationServer.MetadataDocuments;
import io.tokenbroker.testkit.FakeAuthorizationServer.ParameterLocation;
import io.tokenbroker.testkit.FakeAuthorizationServer.TokenInfo;
import io.tokenbroker.testkit.FakeAuthorizationServer.TokenKind;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
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

  /**
   * A registered client; a null {@code method} accepts either way of sending the secret. A client
   * with a {@code publicKey} authenticates with {@code private_key_jwt} only (signed by the key
   * named {@code keyId}, when given); its key also signs its JWT-bearer assertions.
   */
  record Client(
      String id,
      byte @Nullable [] secret,
      @Nullable ClientAuthMethod method,
      Set<String> redirectUris,
      @Nullable PublicKey publicKey,
      @Nullable String keyId) {
    Client(
        String id,
        byte @Nullable [] secret,
        @Nullable ClientAuthMethod method,
        Set<String> redirectUris) {
      this(id, secret, method, redirectUris, null, null);
    }

    boolean isPublic() {
      return secret == null && publicKey == null;
    }
  }

  private static final class Grant {
    final String clientId;
    final @Nullable String scope;
    boolean revoked;

    /** The DPoP key (RFC 7638 thumbprint) the grant's tokens are bound to, if any. */
    @Nullable String jkt;

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
    /** RFC 9449 §10: the key the code exchange's proof must use, if the request named one. */
    @Nullable String dpopJkt;

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
  final IssuedTokens issued = new IssuedTokens();
  private final Map<String, DeviceEntry> deviceCodes = new HashMap<>(); // guarded by lock
  private final Map<String, PushedEntry> pushedRequests = new HashMap<>(); // guarded by lock

  // Standards beyond RFC 6749 (issue 13): settings, and the checkers of signed JWTs.
  volatile URI baseUri = URI.create("http://127.0.0.1/");
  volatile String issuerPath = "";
  volatile MetadataDocuments metadataDocuments = MetadataDocuments.BOTH;
  volatile boolean requirePushedAuthorizationRequests;
  volatile boolean authorizationResponseIss;
  volatile Duration pushedRequestLifetime = Duration.ofSeconds(60);
  volatile Duration deviceCodeLifetime = Duration.ofMinutes(10);
  volatile Duration devicePollingInterval = Duration.ofSeconds(5);
  private final Assertions assertions;
  final DpopProofs dpop;

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
    this.assertions = new Assertions(clock);
    this.dpop = new DpopProofs(clock, random);
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
    String path = request.path();
    if (path.equals(oauthMetadataPath()) || path.equals(openIdMetadataPath())) {
      return metadata(request);
    }
    if (path.equals("/resource") || path.startsWith("/resource/")) {
      return resource(request);
    }
    return switch (path) {
      case "/token" -> token(request, false);
      case "/refresh" -> token(request, true);
      case "/authorize" -> authorize(request);
      case "/revoke" -> revoke(request);
      case "/introspect" -> introspect(request);
      case "/device_authorization" -> deviceAuthorization(request);
      case "/device" -> deviceVerification(request);
      case "/par" -> pushedAuthorization(request);
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
      checkResources(request);
      Client client =
          grantType.equals(JWT_BEARER_GRANT) && presentsNoCredential(request, params)
              ? identifiedOnly(params) // RFC 7523 §3.1: the assertion authenticates
              : authenticate(request, params, isRefresh && anonymousRefresh);
      String jkt = dpopBinding(request);
      switch (grantType) {
        case "client_credentials":
          return clientCredentials(client, params, jkt);
        case "authorization_code":
          return authorizationCode(client, params, jkt);
        case "refresh_token":
          return refresh(client, params, jkt);
        case DEVICE_CODE_GRANT:
          return deviceCode(client, params, jkt);
        case JWT_BEARER_GRANT:
          return jwtBearer(client, params, jkt);
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

  private Reply clientCredentials(
      @Nullable Client client, Map<String, String> params, @Nullable String jkt) {
    if (client == null || client.isPublic()) {
      throw new OAuthError(
          400, "unauthorized_client", "a public client cannot use client_credentials");
    }
    String scope = blankToNull(params.get("scope"));
    synchronized (lock) {
      Grant grant = new Grant(client.id(), scope);
      grant.jkt = jkt;
      return token(issue(grant, scope, clientCredentialsRefreshToken));
    }
  }

  private Reply authorizationCode(
      @Nullable Client client, Map<String, String> params, @Nullable String jkt) {
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
      if (entry.dpopJkt != null && !entry.dpopJkt.equals(jkt)) {
        // RFC 9449 §10: the code is bound to the key named by dpop_jkt.
        throw invalidGrant("the DPoP proof's key is not the one the authorization request named");
      }
      entry.used = true;
      Grant grant = new Grant(client.id(), entry.scope);
      grant.jkt = jkt;
      entry.grant = grant;
      return token(issue(grant, entry.scope, true));
    }
  }

  private Reply refresh(@Nullable Client client, Map<String, String> params, @Nullable String jkt) {
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
      if (grant.jkt != null && !grant.jkt.equals(jkt)) {
        // RFC 9449 §5: a bound refresh token is good only with a proof of the same key.
        throw invalidGrant("the refresh token is bound to another DPoP key");
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
    issued.recordAccessToken(accessToken);
    IssuedSecrets.record("access token", accessToken);
    ObjectNode json =
        Reply.JSON
            .createObjectNode()
            .put("access_token", accessToken)
            .put("token_type", grant.jkt != null ? "DPoP" : "Bearer")
            .put("expires_in", accessTokenLifetime.toSeconds());
    if (withRefreshToken) {
      String refreshToken = newValue();
      Instant expiresAt = refreshTokenLifetime == null ? null : now.plus(refreshTokenLifetime);
      refreshTokens.put(refreshToken, new RefreshEntry(grant, now, expiresAt));
      issued.recordRefreshToken(refreshToken);
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
    String assertionType = params.get("client_assertion_type");
    String assertion = params.get("client_assertion");
    if (assertionType != null || assertion != null) {
      if (authorization != null || paramSecret != null) {
        throw new OAuthError(
            400, "invalid_request", "more than one client authentication method was used");
      }
      if (!CLIENT_ASSERTION_TYPE.equals(assertionType) || assertion == null) {
        throw invalidClient("client_assertion_type must be " + CLIENT_ASSERTION_TYPE);
      }
      IssuedSecrets.record("client assertion", assertion);
      String id = assertions.clientAssertion(assertion, this::signer, audiences(request));
      if (paramId != null && !paramId.equals(id)) {
        throw invalidClient("client_id does not match the client assertion");
      }
      return clients.get(id);
    }
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

  /** Whether the request carries no client credential (no Basic, secret or assertion). */
  private static boolean presentsNoCredential(RecordedRequest request, Map<String, String> params) {
    return request.header("Authorization") == null
        && params.get("client_secret") == null
        && params.get("client_assertion") == null
        && params.get("client_assertion_type") == null;
  }

  /** The client a {@code client_id} names, unauthenticated; null if none is named. */
  private @Nullable Client identifiedOnly(Map<String, String> params) {
    String id = params.get("client_id");
    if (id == null) {
      return null;
    }
    Client client = clients.get(id);
    if (client == null) {
      throw invalidClient("unknown client_id");
    }
    return client;
  }

  /** What may sign a client assertion of client {@code id}, or null if nothing may. */
  private Assertions.@Nullable Signer signer(String id) {
    Client client = clients.get(id);
    if (client == null) {
      return null;
    }
    if (client.publicKey() != null) {
      return new Assertions.Signer(client.publicKey(), client.keyId(), null);
    }
    if (client.secret() != null
        && (client.method() == null || client.method() == ClientAuthMethod.CLIENT_SECRET_JWT)) {
      return new Assertions.Signer(null, null, client.secret());
    }
    return null;
  }

  private Client check(String id, @Nullable String secret, ClientAuthMethod used) {
    Client client = clients.get(id);
    if (client == null) {
      throw invalidClient("client authentication failed");
    }
    if (client.publicKey() != null) {
      throw invalidClient("the client is registered for private_key_jwt");
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
    String requestUri = params.get("request_uri");
    if (requestUri != null) {
      Map<String, String> pushed = takePushed(requestUri, params.get("client_id"));
      if (pushed == null) {
        return errorPage(
            400,
            "invalid_request_uri",
            "request_uri is unknown, expired, used or another client's");
      }
      params = pushed;
    } else if (requirePushedAuthorizationRequests) {
      return errorPage(
          400, "invalid_request", "pushed authorization requests are required (RFC 9126)");
    }
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
      CodeEntry entry =
          new CodeEntry(
              clientId,
              redirectUriSent ? redirectUri : null,
              challenge,
              method,
              blankToNull(params.get("scope")),
              clock.instant().plus(codeLifetime));
      entry.dpopJkt = blankToNull(params.get("dpop_jkt"));
      codes.put(code, entry);
      issued.recordCode(code);
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
    if (authorizationResponseIss) {
      result.put("iss", issuer()); // RFC 9207
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

  private Reply errorRedirect(
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
    if (authorizationResponseIss) {
      result.put("iss", issuer()); // RFC 9207: error responses too
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

  // ---------------------------------------------------------------- standards beyond RFC 6749

  static final String CLIENT_ASSERTION_TYPE =
      "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
  static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
  static final String JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
  private static final String USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ";

  /** A device authorization (RFC 8628) in progress. Guarded by lock. */
  private static final class DeviceEntry {
    final String clientId;
    final @Nullable String scope;
    final String userCode;
    final Instant expiresAt;
    Duration interval;
    @Nullable Instant lastPoll;
    boolean approved;
    boolean denied;
    boolean used;

    DeviceEntry(
        String clientId,
        @Nullable String scope,
        String userCode,
        Instant expiresAt,
        Duration interval) {
      this.clientId = clientId;
      this.scope = scope;
      this.userCode = userCode;
      this.expiresAt = expiresAt;
      this.interval = interval;
    }
  }

  /** A pushed authorization request (RFC 9126). Guarded by lock. */
  private static final class PushedEntry {
    final String clientId;
    final Map<String, String> params;
    final Instant expiresAt;
    boolean used;

    PushedEntry(String clientId, Map<String, String> params, Instant expiresAt) {
      this.clientId = clientId;
      this.params = params;
      this.expiresAt = expiresAt;
    }
  }

  /** The issuer identifier: the base URI without its trailing slash, plus the issuer path. */
  String issuer() {
    String base = baseUri.toString();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + issuerPath;
  }

  /** The absolute URL of {@code path} on this server, e.g. {@code http://127.0.0.1:1234/token}. */
  String endpoint(String path) {
    return baseUri.resolve(path.startsWith("/") ? path.substring(1) : path).toString();
  }

  String oauthMetadataPath() {
    return "/.well-known/oauth-authorization-server" + issuerPath;
  }

  String openIdMetadataPath() {
    return issuerPath + "/.well-known/openid-configuration";
  }

  /** What the {@code aud} of an assertion sent to {@code request}'s endpoint may name. */
  private Set<String> audiences(RecordedRequest request) {
    return Set.copyOf(List.of(issuer(), endpoint("/token"), endpoint(request.path())));
  }

  /** RFC 8414 / OpenID Connect Discovery: this server's metadata. */
  Reply metadata(RecordedRequest request) {
    if (!request.method().equals("GET")) {
      return methodNotAllowed("GET");
    }
    boolean oauth = request.path().equals(oauthMetadataPath());
    MetadataDocuments documents = metadataDocuments;
    if (oauth ? !documents.servesOAuth() : !documents.servesOpenId()) {
      return Reply.oauthError(404, "not_found", "no such endpoint");
    }
    ObjectNode json =
        Reply.JSON
            .createObjectNode()
            .put("issuer", issuer())
            .put("authorization_endpoint", endpoint("/authorize"))
            .put("token_endpoint", endpoint("/token"))
            .put("revocation_endpoint", endpoint("/revoke"))
            .put("introspection_endpoint", endpoint("/introspect"))
            .put("device_authorization_endpoint", endpoint("/device_authorization"))
            .put("pushed_authorization_request_endpoint", endpoint("/par"))
            .put("require_pushed_authorization_requests", requirePushedAuthorizationRequests)
            .put("authorization_response_iss_parameter_supported", authorizationResponseIss);
    json.putArray("response_types_supported").add("code");
    json.putArray("grant_types_supported")
        .add("authorization_code")
        .add("client_credentials")
        .add("refresh_token")
        .add(DEVICE_CODE_GRANT)
        .add(JWT_BEARER_GRANT);
    json.putArray("token_endpoint_auth_methods_supported")
        .add("client_secret_basic")
        .add("client_secret_post")
        .add("private_key_jwt")
        .add("client_secret_jwt")
        .add("none");
    json.putArray("token_endpoint_auth_signing_alg_values_supported")
        .add("RS256")
        .add("PS256")
        .add("ES256")
        .add("HS256");
    json.putArray("code_challenge_methods_supported").add("S256").add("plain");
    json.putArray("dpop_signing_alg_values_supported").add("ES256").add("RS256").add("PS256");
    return Reply.json(200, json);
  }

  /**
   * The DPoP key a token request proves possession of (its RFC 7638 thumbprint), or null when the
   * request carries no proof.
   *
   * @throws OAuthError 400 {@code invalid_dpop_proof}, or {@code use_dpop_nonce} with a {@code
   *     DPoP-Nonce} header
   */
  private @Nullable String dpopBinding(RecordedRequest request) {
    if (request.headers("DPoP").isEmpty()) {
      return null;
    }
    try {
      return dpop.check(request, "POST", endpoint(request.path()), null);
    } catch (DpopProofs.Refused e) {
      throw e.nonce
          ? new OAuthError(400, "use_dpop_nonce", e.getMessage())
              .withHeader("DPoP-Nonce", dpop.nonce())
          : new OAuthError(400, "invalid_dpop_proof", e.getMessage());
    }
  }

  /** RFC 8707 §2: every {@code resource} is an absolute URI without a fragment. */
  private void checkResources(RecordedRequest request) {
    List<String> resources =
        parameterLocation == ParameterLocation.QUERY_STRING
            ? request.queryParameterValues("resource")
            : request.bodyParameterValues("resource");
    for (String resource : resources) {
      try {
        URI uri = new URI(resource);
        if (!uri.isAbsolute() || uri.getRawFragment() != null) {
          throw new URISyntaxException(resource, "relative or with a fragment");
        }
      } catch (URISyntaxException e) {
        throw new OAuthError(
            400, "invalid_target", "resource must be an absolute URI without a fragment");
      }
    }
  }

  /** RFC 8628 §3.1-3.2: starts a device authorization. */
  Reply deviceAuthorization(RecordedRequest request) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    try {
      Map<String, String> params = parameters(request);
      checkResources(request);
      Client client = authenticate(request, params, false);
      if (client == null) {
        throw invalidClient("client authentication is required");
      }
      String scope = blankToNull(params.get("scope"));
      String deviceCode;
      String userCode;
      Duration interval = devicePollingInterval;
      Duration lifetime = deviceCodeLifetime;
      synchronized (lock) {
        deviceCode = newValue();
        userCode = newUserCode();
        deviceCodes.put(
            deviceCode,
            new DeviceEntry(
                client.id(), scope, userCode, clock.instant().plus(lifetime), interval));
        IssuedSecrets.record("device code", deviceCode);
      }
      ObjectNode json =
          Reply.JSON
              .createObjectNode()
              .put("device_code", deviceCode)
              .put("user_code", userCode)
              .put("verification_uri", endpoint("/device"))
              .put(
                  "verification_uri_complete",
                  endpoint("/device") + "?user_code=" + Forms.encode(userCode))
              .put("expires_in", lifetime.toSeconds())
              .put("interval", interval.toSeconds());
      return Reply.json(200, json).noStore();
    } catch (OAuthError e) {
      return e.reply();
    }
  }

  /**
   * The verification page: {@code GET /device?user_code=...} plays the user, who approves or denies
   * as the server's {@link Decision} says.
   */
  Reply deviceVerification(RecordedRequest request) {
    if (!request.method().equals("GET") && !request.method().equals("POST")) {
      return methodNotAllowed("GET, POST");
    }
    String userCode = request.parameters().get("user_code");
    if (userCode == null) {
      return errorPage(400, "invalid_request", "user_code is missing");
    }
    boolean approve = decision == Decision.APPROVE;
    if (!decideDevice(userCode, approve)) {
      return errorPage(400, "invalid_request", "the user code is unknown or expired");
    }
    return Reply.html(
        200,
        "<!DOCTYPE html>\n<html><head><title>Device authorization</title></head>\n<body>"
            + "<h1 id=\"result\">"
            + (approve ? "approved" : "denied")
            + "</h1>\n</body></html>\n");
  }

  /** Approves or denies the device authorization of {@code userCode}; false if there is none. */
  boolean decideDevice(String userCode, boolean approve) {
    synchronized (lock) {
      Instant now = clock.instant();
      for (DeviceEntry entry : deviceCodes.values()) {
        if (entry.userCode.equals(userCode) && !entry.used && now.isBefore(entry.expiresAt)) {
          if (approve) {
            entry.approved = true;
          } else {
            entry.denied = true;
          }
          return true;
        }
      }
      return false;
    }
  }

  /** The user codes of device authorizations not yet approved, denied or expired. */
  List<String> pendingUserCodes() {
    synchronized (lock) {
      Instant now = clock.instant();
      List<String> pending = new ArrayList<>();
      for (DeviceEntry entry : deviceCodes.values()) {
        if (!entry.approved && !entry.denied && !entry.used && now.isBefore(entry.expiresAt)) {
          pending.add(entry.userCode);
        }
      }
      return pending;
    }
  }

  /** RFC 8628 §3.4-3.5: the device code grant, polled. */
  private Reply deviceCode(
      @Nullable Client client, Map<String, String> params, @Nullable String jkt) {
    if (client == null) {
      throw invalidClient("client authentication is required");
    }
    String code = required(params, "device_code");
    synchronized (lock) {
      DeviceEntry entry = deviceCodes.get(code);
      if (entry == null) {
        throw invalidGrant("unknown device code");
      }
      if (!entry.clientId.equals(client.id())) {
        throw invalidGrant("the device code was issued to another client");
      }
      if (entry.used) {
        throw invalidGrant("the device code was already used");
      }
      Instant now = clock.instant();
      if (!now.isBefore(entry.expiresAt)) {
        throw new OAuthError(400, "expired_token", "the device code has expired");
      }
      if (entry.denied) {
        throw new OAuthError(400, "access_denied", "the user denied the authorization");
      }
      Instant last = entry.lastPoll;
      entry.lastPoll = now;
      if (!entry.approved) {
        if (last != null && now.isBefore(last.plus(entry.interval))) {
          entry.interval = entry.interval.plusSeconds(5);
          throw new OAuthError(400, "slow_down", "polling too often; the interval grew by 5 s");
        }
        throw new OAuthError(400, "authorization_pending", "the user has not approved yet");
      }
      entry.used = true;
      Grant grant = new Grant(client.id(), entry.scope);
      grant.jkt = jkt;
      return token(issue(grant, entry.scope, true));
    }
  }

  /** RFC 7523 §2.1: the JWT-bearer grant; the assertion's issuer is a client with a key. */
  private Reply jwtBearer(
      @Nullable Client client, Map<String, String> params, @Nullable String jkt) {
    String assertion = required(params, "assertion");
    Jws.Parsed jws;
    try {
      jws = Jws.parse(assertion);
    } catch (Jws.MalformedException e) {
      throw invalidGrant("the assertion is not a JWS");
    }
    IssuedSecrets.record("JWT-bearer assertion", assertion);
    String iss = jws.text("iss");
    Client issuer = iss == null ? null : clients.get(iss);
    if (issuer == null || issuer.publicKey() == null) {
      throw invalidGrant("the assertion's issuer is not a client with a registered key");
    }
    if (client != null && !client.id().equals(iss)) {
      throw invalidGrant("the assertion was issued by another client");
    }
    String subject =
        assertions.grantAssertion(
            jws,
            new Assertions.Signer(issuer.publicKey(), issuer.keyId(), null),
            Set.copyOf(List.of(issuer(), endpoint("/token"))));
    String scope = blankToNull(params.get("scope"));
    synchronized (lock) {
      Grant grant = new Grant(issuer.id(), scope);
      grant.jkt = jkt;
      lastAssertionSubject = subject;
      return token(issue(grant, scope, false));
    }
  }

  volatile @Nullable String lastAssertionSubject;

  /** RFC 9126 §2: stores the request's parameters under a fresh, single-use request_uri. */
  Reply pushedAuthorization(RecordedRequest request) {
    if (!request.method().equals("POST")) {
      return methodNotAllowed("POST");
    }
    try {
      Map<String, String> params = parameters(request);
      if (params.containsKey("request_uri")) {
        throw new OAuthError(400, "invalid_request", "request_uri must not be pushed");
      }
      checkResources(request);
      Client client = authenticate(request, params, false);
      if (client == null) {
        throw invalidClient("client authentication is required");
      }
      String redirectUri = params.get("redirect_uri");
      if (redirectUri == null || !redirectAllowed(client, redirectUri)) {
        throw new OAuthError(
            400, "invalid_request", "redirect_uri is missing or not registered for this client");
      }
      if (!"code".equals(params.get("response_type"))) {
        throw new OAuthError(400, "invalid_request", "response_type must be code");
      }
      Map<String, String> stored = new LinkedHashMap<>(params);
      stored.remove("client_secret");
      stored.remove("client_assertion");
      stored.remove("client_assertion_type");
      stored.put("client_id", client.id());
      String requestUri;
      Duration lifetime = pushedRequestLifetime;
      synchronized (lock) {
        requestUri = "urn:ietf:params:oauth:request_uri:" + newValue();
        pushedRequests.put(
            requestUri,
            new PushedEntry(client.id(), Map.copyOf(stored), clock.instant().plus(lifetime)));
      }
      ObjectNode json =
          Reply.JSON
              .createObjectNode()
              .put("request_uri", requestUri)
              .put("expires_in", lifetime.toSeconds());
      return Reply.json(201, json).noStore();
    } catch (OAuthError e) {
      return e.reply();
    }
  }

  /** The pushed parameters of {@code requestUri} for {@code clientId}, once; null otherwise. */
  private @Nullable Map<String, String> takePushed(String requestUri, @Nullable String clientId) {
    synchronized (lock) {
      PushedEntry entry = pushedRequests.get(requestUri);
      if (entry == null
          || clientId == null
          || !entry.clientId.equals(clientId)
          || entry.used
          || !clock.instant().isBefore(entry.expiresAt)) {
        return null;
      }
      entry.used = true;
      return entry.params;
    }
  }

  /**
   * A protected resource ({@code /resource} and below): accepts a bearer token that is not
   * DPoP-bound, or a DPoP-bound token with a valid proof for this request (RFC 9449 §7), and
   * answers with what it knows of the token.
   */
  Reply resource(RecordedRequest request) {
    String authorization = request.header("Authorization");
    String scheme;
    String token;
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      scheme = "Bearer";
      token = authorization.substring(7).trim();
    } else if (authorization != null && authorization.regionMatches(true, 0, "DPoP ", 0, 5)) {
      scheme = "DPoP";
      token = authorization.substring(5).trim();
    } else {
      return Reply.status(401)
          .withHeader("WWW-Authenticate", "Bearer realm=\"fake\", DPoP algs=\"ES256 RS256 PS256\"");
    }
    String clientId;
    String scope;
    String jkt;
    synchronized (lock) {
      AccessEntry entry = accessTokens.get(token);
      if (entry == null
          || entry.revoked
          || entry.grant.revoked
          || !clock.instant().isBefore(entry.expiresAt)) {
        return unauthorized(scheme, "invalid_token", "the access token is not active");
      }
      clientId = entry.grant.clientId;
      scope = entry.scope;
      jkt = entry.grant.jkt;
    }
    if (scheme.equals("Bearer") && jkt != null) {
      return unauthorized("DPoP", "invalid_token", "the access token is DPoP-bound");
    }
    if (scheme.equals("DPoP")) {
      if (jkt == null) {
        return unauthorized("DPoP", "invalid_token", "the access token is not DPoP-bound");
      }
      try {
        String proven = dpop.check(request, request.method(), endpoint(request.path()), token);
        if (!proven.equals(jkt)) {
          return unauthorized(
              "DPoP", "invalid_dpop_proof", "the proof's key is not the token's key");
        }
      } catch (DpopProofs.Refused e) {
        return e.nonce
            ? unauthorized("DPoP", "use_dpop_nonce", e.getMessage())
                .withHeader("DPoP-Nonce", dpop.nonce())
            : unauthorized("DPoP", "invalid_dpop_proof", e.getMessage());
      }
    }
    ObjectNode json =
        Reply.JSON
            .createObjectNode()
            .put("ok", true)
            .put("client_id", clientId)
            .put("token_type", scheme)
            .put("method", request.method())
            .put("path", request.path());
    if (scope != null) {
      json.put("scope", scope);
    }
    return Reply.json(200, json);
  }

  private static Reply unauthorized(String scheme, String error, String description) {
    return Reply.json(
            401,
            Reply.JSON.createObjectNode().put("error", error).put("error_description", description))
        .withHeader(
            "WWW-Authenticate",
            scheme
                + " error=\""
                + error
                + "\", error_description=\""
                + description.replace("\"", "'")
                + "\""
                + (scheme.equals("DPoP") ? ", algs=\"ES256 RS256 PS256\"" : ""));
  }

  /** An RFC 8628 §6.1 user code: eight consonants as XXXX-XXXX, unique among pending ones. */
  private String newUserCode() {
    while (true) {
      StringBuilder code = new StringBuilder(9);
      for (int i = 0; i < 8; i++) {
        if (i == 4) {
          code.append('-');
        }
        code.append(USER_CODE_LETTERS.charAt(random.nextInt(USER_CODE_LETTERS.length())));
      }
      String candidate = code.toString();
      boolean taken = false;
      for (DeviceEntry entry : deviceCodes.values()) {
        taken |= entry.userCode.equals(candidate);
      }
      if (!taken) {
        return candidate;
      }
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
        || codes.containsKey(value)
        || deviceCodes.containsKey(value));
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
