package io.tokenbroker.oauth;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The simulation's authorization server: grant families, access and refresh tokens, and the four
 * rotation modes. It also keeps what the invariants need: which request spent each refresh token,
 * and whether that request's answer reached the broker.
 *
 * <p>Every secret it issues starts with {@link #SECRET_PREFIX}, so a log line or message that
 * carries one is found by a substring search. Not thread-safe: the simulation is single-threaded.
 */
final class SimProvider {
  static final String SECRET_PREFIX = "SIMSECRET-";
  static final String CLIENT_SECRET = SECRET_PREFIX + "client";

  enum Mode {
    /** The refresh token stays valid; refreshes answer without a new one. */
    OFF,
    /** Each refresh answers with a new refresh token; the used one is refused. */
    ROTATE,
    /** As ROTATE, and presenting a used refresh token revokes the whole family. */
    STRICT,
    /** As ROTATE, but a used refresh token still works for a grace period. */
    GRACE
  }

  /** One consent's grant: all tokens descending from it. */
  static final class Family {
    final int id;
    boolean revoked;

    /** Why the family ended legitimately (revocation, strict reuse after a lost answer). */
    @Nullable String endedBecause;

    /** A refresh token of it was spent by a request whose answer was lost. */
    boolean ambiguouslySpent;

    String latestRefreshToken;

    Family(int id, String refreshToken) {
      this.id = id;
      this.latestRefreshToken = refreshToken;
    }
  }

  static final class Refresh {
    final String value;
    final Family family;
    boolean used;
    long usedAtMillis;

    /** The request that spent it, or -1. */
    int spentBy = -1;

    /** The request whose answer carried it, or -1 for a consent's. */
    int issuedBy = -1;

    /** The refresh token it was issued for, or null for a consent's. */
    @Nullable Refresh parent;

    Refresh(String value, Family family) {
      this.value = value;
      this.family = family;
    }
  }

  /** What a token-endpoint call came to. */
  record Answer(int status, String body, @Nullable Integer spendingRequest) {}

  final Mode mode;
  final Duration grace;
  final long lifetimeSeconds;
  private final Clock clock;
  private final Simulation sim;
  private final Map<String, Refresh> refreshTokens = new HashMap<>();
  final Map<String, Family> accessTokens = new HashMap<>();
  private final Map<Integer, Family> families = new HashMap<>();
  private int counter;

  SimProvider(Simulation sim, Clock clock, Mode mode, Duration grace, long lifetimeSeconds) {
    this.sim = sim;
    this.clock = clock;
    this.mode = mode;
    this.grace = grace;
    this.lifetimeSeconds = lifetimeSeconds;
  }

  /** A new consent: a new family with its first tokens. */
  TokenSet consent() {
    Family family = new Family(families.size() + 1, "");
    families.put(family.id, family);
    String refresh = newRefreshToken(family);
    String access = newAccessToken(family);
    return new TokenSet(
        AccessToken.of(access),
        "Bearer",
        clock.instant(),
        clock.instant().plusSeconds(lifetimeSeconds),
        RefreshToken.of(refresh),
        null,
        java.util.Set.of());
  }

  @Nullable Family familyOfRefreshToken(String value) {
    Refresh refresh = refreshTokens.get(value);
    return refresh == null ? null : refresh.family;
  }

  @Nullable Refresh refresh(String value) {
    return refreshTokens.get(value);
  }

  /** The token endpoint, for request number {@code request}. */
  Answer token(Map<String, String> form, int request) {
    if (!"refresh_token".equals(form.get("grant_type"))) {
      return error(400, "unsupported_grant_type");
    }
    String value = form.get("refresh_token");
    Refresh refresh = value == null ? null : refreshTokens.get(value);
    if (refresh == null) {
      return error(400, "invalid_grant");
    }
    Family family = refresh.family;
    if (refresh.used) {
      sim.spentRefreshTokenPresented(refresh); // the invariant decides whether that was allowed
    }
    if (family.revoked) {
      return error(400, "invalid_grant");
    }
    long now = clock.millis();
    if (refresh.used) {
      switch (mode) {
        case STRICT -> {
          family.revoked = true;
          if (family.endedBecause == null) {
            family.endedBecause = "strict reuse of a spent refresh token";
          }
          return error(400, "invalid_grant");
        }
        case GRACE -> {
          if (now - refresh.usedAtMillis > grace.toMillis()) {
            return error(400, "invalid_grant");
          }
        }
        default -> {
          return error(400, "invalid_grant");
        }
      }
    }
    String access = newAccessToken(family);
    StringBuilder body =
        new StringBuilder("{\"access_token\":\"")
            .append(access)
            .append("\",\"token_type\":\"Bearer\",\"expires_in\":")
            .append(lifetimeSeconds);
    Integer spending = null;
    if (mode != Mode.OFF) {
      if (!refresh.used) {
        refresh.used = true;
        refresh.usedAtMillis = now;
        refresh.spentBy = request;
        spending = request;
      }
      String next = newRefreshToken(family);
      refreshTokens.get(next).issuedBy = request;
      refreshTokens.get(next).parent = refresh;
      body.append(",\"refresh_token\":\"").append(next).append('"');
    }
    return new Answer(200, body.append('}').toString(), spending);
  }

  /** RFC 7009 revocation: a refresh token revokes its family, an access token only itself. */
  void revoke(String token) {
    Refresh refresh = refreshTokens.get(token);
    Family family = refresh != null ? refresh.family : accessTokens.get(token);
    if (family != null && refresh != null) {
      family.revoked = true;
      family.endedBecause = "revoked by the application";
    }
  }

  private String newAccessToken(Family family) {
    String value = SECRET_PREFIX + "at-" + (++counter);
    accessTokens.put(value, family);
    return value;
  }

  private String newRefreshToken(Family family) {
    String value = SECRET_PREFIX + "rt-" + (++counter);
    refreshTokens.put(value, new Refresh(value, family));
    family.latestRefreshToken = value;
    return value;
  }

  private static Answer error(int status, String error) {
    return new Answer(status, "{\"error\":\"" + error + "\"}", null);
  }

  Iterable<Family> families() {
    return families.values();
  }
}
