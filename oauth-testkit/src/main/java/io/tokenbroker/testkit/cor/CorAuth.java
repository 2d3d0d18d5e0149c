package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.IssuedSecrets;
import io.tokenbroker.testkit.IssuedTokens;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.cor.CorSandbox.ConsentDecision;
import io.tokenbroker.testkit.cor.CorSandbox.LoginShape;
import io.tokenbroker.testkit.cor.CorSandbox.Rotation;
import java.net.URLEncoder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The sandbox's credentials, codes and tokens, and the auth endpoints of COR's quickstart. All
 * methods synchronize on this object.
 */
final class CorAuth {
  static final String OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Set<String> CLIENT_CREDENTIALS_QUERY = Set.of("grant_type", "scope");
  private static final Set<String> CODE_EXCHANGE_QUERY =
      Set.of("grant_type", "code", "redirect_uri", "code_verifier", "scope");

  /** One authorization: every token pair descending from one login, consent or key exchange. */
  private static final class Family {
    final long userId;
    boolean revoked;

    Family(long userId) {
      this.userId = userId;
    }
  }

  private record AccessInfo(Family family, Instant expiresAt) {}

  private static final class RefreshInfo {
    final Family family;
    final @Nullable Instant expiresAt;
    @Nullable Instant usedAt;

    RefreshInfo(Family family, @Nullable Instant expiresAt) {
      this.family = family;
      this.expiresAt = expiresAt;
    }
  }

  private static final class CodeInfo {
    final long userId;
    final String redirectUri;
    final Instant expiresAt;
    boolean used;

    CodeInfo(long userId, String redirectUri, Instant expiresAt) {
      this.userId = userId;
      this.redirectUri = redirectUri;
      this.expiresAt = expiresAt;
    }
  }

  private record Login(String password, long userId) {}

  private final Clock clock;
  private final Random random;
  private final byte[] signingKey = new byte[32];
  private final Duration accessTokenLifetime;
  private final @Nullable Duration refreshTokenLifetime;
  private final Duration codeLifetime;
  private final Duration grace;
  private final boolean codeExchangeRequiresBasic;

  private Rotation rotation;
  private LoginShape loginShape;
  private ConsentDecision decision;
  private boolean echoState;

  private final Map<String, String> apiKeys = new HashMap<>();
  private final Map<String, Login> logins = new HashMap<>();
  private final Set<String> apps = new HashSet<>();
  private final Map<String, AccessInfo> accessTokens = new HashMap<>();
  private final Set<String> invalidated = new HashSet<>();
  private final Map<String, RefreshInfo> refreshTokens = new HashMap<>();
  private final Map<String, CodeInfo> codes = new HashMap<>();
  final IssuedTokens issued = new IssuedTokens();

  CorAuth(CorSandbox.Builder b) {
    this.clock = b.clock();
    this.random = b.random();
    random.nextBytes(signingKey);
    this.accessTokenLifetime = b.accessTokenLifetime();
    this.refreshTokenLifetime = b.refreshTokenLifetime;
    this.codeLifetime = b.codeLifetime;
    this.grace = b.grace;
    this.codeExchangeRequiresBasic = b.codeExchangeRequiresBasic;
    this.rotation = b.rotation;
    this.loginShape = b.loginShape;
    this.decision = b.decision;
    this.echoState = b.echoState;
  }

  // ---------------------------------------------------------------- configuration

  synchronized void registerApiKey(String key, String secret) {
    IssuedSecrets.record("client secret", secret);
    apiKeys.put(key, secret);
  }

  synchronized void registerUser(String email, String password, long userId) {
    IssuedSecrets.record("password", password);
    logins.put(email.toLowerCase(Locale.ROOT), new Login(password, userId));
  }

  synchronized void registerApp(String name) {
    apps.add(name);
  }

  synchronized void rotation(Rotation rotation) {
    this.rotation = rotation;
  }

  synchronized Rotation rotation() {
    return rotation;
  }

  synchronized void loginShape(LoginShape shape) {
    this.loginShape = shape;
  }

  synchronized void decision(ConsentDecision decision) {
    this.decision = decision;
  }

  synchronized void echoState(boolean echo) {
    this.echoState = echo;
  }

  // ---------------------------------------------------------------- endpoints

  /** {@code POST /v1/oauth/token?grant_type=client_credentials} with Basic; no body is read. */
  synchronized Reply clientCredentials(RecordedRequest request) {
    Reply misplaced = queryOnly(request, CLIENT_CREDENTIALS_QUERY);
    if (misplaced != null) {
      return misplaced;
    }
    String grantType = request.queryParameters().get("grant_type");
    if (grantType == null) {
      return CorErrors.customError(400, "F010", "grant_type is required in the query string");
    }
    if (!grantType.equals("client_credentials")) {
      return CorErrors.customError(400, "F010", "grant_type must be client_credentials");
    }
    if (!basicAuthenticates(request)) {
      return CorErrors.unauthorized();
    }
    return Reply.json(200, issue(new Family(CorSeed.ME_USER_ID), null)).noStore();
  }

  /** {@code GET /oauth2/authorize?name=&response_type=code&redirect_uri=}. */
  synchronized Reply authorize(RecordedRequest request) {
    Map<String, String> q = request.queryParameters();
    String name = q.get("name");
    String redirectUri = q.get("redirect_uri");
    if (name == null || !apps.contains(name)) {
      return Reply.html(
          400, page("Unknown application", "No application is registered under this name."));
    }
    if (!"code".equals(q.get("response_type"))) {
      return Reply.html(400, page("Unsupported response type", "response_type must be code."));
    }
    if (redirectUri == null || redirectUri.isEmpty()) {
      return Reply.html(400, page("Missing redirect_uri", "redirect_uri is required."));
    }
    String state = q.get("state");
    Map<String, String> params = new java.util.LinkedHashMap<>();
    if (decision == ConsentDecision.DENY) {
      params.put("error", "access_denied");
    } else {
      String code = randomToken(24);
      codes.put(
          code, new CodeInfo(CorSeed.ME_USER_ID, redirectUri, clock.instant().plus(codeLifetime)));
      issued.recordCode(code);
      IssuedSecrets.record("authorization code", code);
      if (redirectUri.equals(OUT_OF_BAND)) {
        return Reply.html(
            200,
            page(
                "Authorization code",
                "Copy this code into your application: <code id=\"code\">" + code + "</code>"));
      }
      params.put("code", code);
    }
    if (echoState && state != null) {
      params.put("state", state);
    }
    StringBuilder location = new StringBuilder(redirectUri);
    char sep = redirectUri.indexOf('?') < 0 ? '?' : '&';
    for (Map.Entry<String, String> e : params.entrySet()) {
      location
          .append(sep)
          .append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), UTF_8));
      sep = '&';
    }
    return Reply.redirect(location.toString());
  }

  /** {@code POST /v1/oauth2/token?grant_type=authorization_code&code=}: query string only. */
  synchronized Reply exchangeCode(RecordedRequest request) {
    Reply misplaced = queryOnly(request, CODE_EXCHANGE_QUERY);
    if (misplaced != null) {
      return misplaced;
    }
    Map<String, String> q = request.queryParameters();
    String grantType = q.get("grant_type");
    String code = q.get("code");
    if (!"authorization_code".equals(grantType)) {
      return CorErrors.customError(400, "F010", "grant_type must be authorization_code");
    }
    if (code == null || code.isEmpty()) {
      return CorErrors.customError(400, "F010", "code is required in the query string");
    }
    if (codeExchangeRequiresBasic && !basicAuthenticates(request)) {
      return CorErrors.unauthorized();
    }
    CodeInfo info = codes.get(code);
    if (info == null || info.used || !clock.instant().isBefore(info.expiresAt)) {
      return CorErrors.unauthorized();
    }
    String redirectUri = q.get("redirect_uri");
    if (redirectUri != null && !redirectUri.equals(info.redirectUri)) {
      return CorErrors.unauthorized();
    }
    info.used = true;
    return Reply.json(200, issue(new Family(info.userId), null)).noStore();
  }

  /** {@code POST /v1/auth/login}, form {@code email} and {@code password}. */
  synchronized Reply login(RecordedRequest request) {
    Reply misplaced = formOnly(request);
    if (misplaced != null) {
      return misplaced;
    }
    Map<String, String> form = form(request);
    ArrayNode missing = CorSeed.JSON.createArrayNode();
    for (String field : new String[] {"email", "password"}) {
      String value = form.get(field);
      if (value == null || value.isEmpty()) {
        missing.add(CorErrors.validationItem(field, "required"));
      }
    }
    if (!missing.isEmpty()) {
      return CorErrors.validation(missing);
    }
    // Both are present: checked above.
    Login login = logins.get(requireNonNull(form.get("email")).toLowerCase(Locale.ROOT));
    if (login == null
        || !constantTimeEquals(login.password(), requireNonNull(form.get("password")))) {
      return CorErrors.unauthorized();
    }
    return Reply.json(200, issue(new Family(login.userId()), loginShape)).noStore();
  }

  /** {@code POST /v1/oauth/refreshtoken}, form {@code refresh_token}; no client authentication. */
  synchronized Reply refresh(RecordedRequest request) {
    Reply misplaced = formOnly(request);
    if (misplaced != null) {
      return misplaced;
    }
    String token = form(request).get("refresh_token");
    if (token == null || token.isEmpty()) {
      ArrayNode items = CorSeed.JSON.createArrayNode();
      items.add(CorErrors.validationItem("refresh_token", "required"));
      return CorErrors.validation(items);
    }
    RefreshInfo info = refreshTokens.get(token);
    Instant now = clock.instant();
    if (info == null
        || info.family.revoked
        || (info.expiresAt != null && !now.isBefore(info.expiresAt))) {
      return CorErrors.unauthorized();
    }
    if (info.usedAt != null) {
      switch (rotation) {
        case OFF -> {}
        case ROTATE -> {
          return CorErrors.unauthorized();
        }
        case GRACE -> {
          if (!now.isBefore(info.usedAt.plus(grace))) {
            return CorErrors.unauthorized();
          }
        }
        case STRICT -> {
          info.family.revoked = true; // reuse of a rotated token: treat as theft
          return CorErrors.unauthorized();
        }
      }
    } else if (rotation != Rotation.OFF) {
      info.usedAt = now;
    }
    return Reply.json(200, issue(info.family, null)).noStore();
  }

  /** The user id a request's bearer token acts as, or null when it must get a 401. */
  synchronized @Nullable Long authenticate(RecordedRequest request) {
    String header = request.header("Authorization");
    if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).trim();
    AccessInfo info = accessTokens.get(token);
    if (info == null
        || info.family.revoked
        || invalidated.contains(token)
        || !clock.instant().isBefore(info.expiresAt)) {
      return null;
    }
    return info.family.userId;
  }

  // ---------------------------------------------------------------- observers

  synchronized int invalidateAccessTokens() {
    int count = 0;
    for (String token : accessTokens.keySet()) {
      if (invalidated.add(token)) {
        count++;
      }
    }
    return count;
  }

  synchronized boolean isAccessTokenValid(String token) {
    AccessInfo info = accessTokens.get(token);
    return info != null
        && !info.family.revoked
        && !invalidated.contains(token)
        && clock.instant().isBefore(info.expiresAt);
  }

  synchronized boolean isRefreshTokenValid(String token) {
    RefreshInfo info = refreshTokens.get(token);
    if (info == null || info.family.revoked) {
      return false;
    }
    Instant now = clock.instant();
    if (info.expiresAt != null && !now.isBefore(info.expiresAt)) {
      return false;
    }
    if (info.usedAt == null || rotation == Rotation.OFF) {
      return true;
    }
    return rotation == Rotation.GRACE && now.isBefore(info.usedAt.plus(grace));
  }

  // ---------------------------------------------------------------- helpers

  /**
   * COR's token and code endpoints take their parameters in the query string and have no body (its
   * quickstart); client credentials travel in Basic. A body carrying parameters, or anything in the
   * query beyond {@code allowed} (a client secret, say), was misplaced by the client: refused.
   */
  private static @Nullable Reply queryOnly(RecordedRequest request, Set<String> allowed) {
    if (!request.bodyParameters().isEmpty()) {
      return CorErrors.customError(
          400, "F010", "parameters go in the query string; the body must be empty");
    }
    for (String name : request.queryParameters().keySet()) {
      if (!allowed.contains(name)) {
        return CorErrors.customError(400, "F010", name + " does not belong in the query string");
      }
    }
    return null;
  }

  /** Login and refresh take a form body; a parameter in the URL was misplaced: refused. */
  private static @Nullable Reply formOnly(RecordedRequest request) {
    if (request.queryParameters().isEmpty()) {
      return null;
    }
    return CorErrors.customError(
        400,
        "F010",
        "parameters go in the form body, not in the URL; misplaced: "
            + String.join(", ", request.queryParameters().keySet()));
  }

  /** The parameters of a form body; COR reads no other body encoding. */
  private static Map<String, String> form(RecordedRequest request) {
    return request.bodyEncoding() == RecordedRequest.BodyEncoding.FORM
        ? request.bodyParameters()
        : Map.of();
  }

  private ObjectNode issue(Family family, @Nullable LoginShape shape) {
    Instant now = clock.instant();
    Instant expiresAt = now.plus(accessTokenLifetime);
    String access = jwt(family.userId, now, expiresAt);
    String refresh = randomToken(32);
    accessTokens.put(access, new AccessInfo(family, expiresAt));
    refreshTokens.put(
        refresh,
        new RefreshInfo(
            family, refreshTokenLifetime == null ? null : now.plus(refreshTokenLifetime)));
    issued.recordAccessToken(access);
    issued.recordRefreshToken(refresh);
    IssuedSecrets.record("access token", access);
    IssuedSecrets.record("refresh token", refresh);
    long expiresIn = accessTokenLifetime.toSeconds();
    ObjectNode body = CorSeed.JSON.createObjectNode();
    if (shape == null || shape == LoginShape.AUTH_RESPONSE) {
      return body.put("access_token", access)
          .put("token_type", "Bearer")
          .put("expires_in", expiresIn)
          .put("refresh_token", refresh);
    }
    switch (shape) {
      case NESTED_TOKEN ->
          body.putObject("token")
              .put("access_token", access)
              .put("type", "bearer")
              .put("refreshToken", refresh)
              .put("expirationTime", Long.toString(expiresAt.toEpochMilli()));
      case NESTED_TOKEN_REFRESH_BESIDE -> {
        body.putObject("token")
            .put("access_token", access)
            .put("type", "bearer")
            .put("expires_in", expiresIn);
        body.put("refreshToken", refresh);
      }
      case DATA_WRAPPER -> body.putObject("data").put("token", access);
      default -> throw new IllegalStateException("unhandled shape " + shape);
    }
    return body;
  }

  private String jwt(long userId, Instant issuedAt, Instant expiresAt) {
    String header = B64URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(UTF_8));
    ObjectNode claims =
        CorSeed.JSON
            .createObjectNode()
            .put("sub", Long.toString(userId))
            .put("iat", issuedAt.getEpochSecond())
            .put("exp", expiresAt.getEpochSecond())
            .put("jti", randomToken(9));
    String payload = B64URL.encodeToString(claims.toString().getBytes(UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
      byte[] signature = mac.doFinal((header + "." + payload).getBytes(UTF_8));
      return header + "." + payload + "." + B64URL.encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private String randomToken(int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return B64URL.encodeToString(b);
  }

  /**
   * {@code Authorization: Basic base64(API_KEY:CLIENT_SECRET)} of the raw values, as documented.
   */
  private boolean basicAuthenticates(RecordedRequest request) {
    String header = request.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String secret = apiKeys.get(decoded.substring(0, colon));
    return secret != null && constantTimeEquals(secret, decoded.substring(colon + 1));
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(UTF_8), b.getBytes(UTF_8));
  }

  private static String page(String title, String body) {
    return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
        + title
        + " - COR sandbox</title></head><body><h1>"
        + title
        + "</h1><p>"
        + body
        + "</p></body></html>";
  }
}
