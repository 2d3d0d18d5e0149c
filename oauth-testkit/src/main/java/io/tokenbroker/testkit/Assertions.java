package io.tokenbroker.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Checks the signed JWTs of RFC 7523 the way a strict server does: client assertions ({@code
 * private_key_jwt}, {@code client_secret_jwt}, §3) and the JWT-bearer grant's assertion (§2.1).
 * Signature by the registered key (or HS256 by the client secret), {@code iss}, {@code sub}, an
 * {@code aud} naming this server, an {@code exp} in the future and at most {@link #MAX_LIFETIME}
 * away, and a {@code jti} never seen before. Thread-safe.
 */
final class Assertions {
  /** The longest lifetime accepted for an assertion. */
  static final Duration MAX_LIFETIME = Duration.ofMinutes(5);

  private static final Duration SKEW = Duration.ofSeconds(30);

  private final Clock clock;
  private final Map<String, Instant> seen = new HashMap<>(); // jti -> expiry; guarded by this

  Assertions(Clock clock) {
    this.clock = clock;
  }

  /** What an assertion was signed with. */
  record Signer(@Nullable PublicKey publicKey, @Nullable String keyId, byte @Nullable [] secret) {}

  /**
   * Checks {@code jwt} as a client assertion of the client it names.
   *
   * @param signerOf the registered signing material of a client id, or null for an unknown client
   * @param audiences the values {@code aud} may hold
   * @return the client id
   * @throws OAuthError 401 {@code invalid_client}
   */
  String clientAssertion(
      String jwt,
      java.util.function.Function<String, @Nullable Signer> signerOf,
      Set<String> audiences) {
    Jws.Parsed jws;
    try {
      jws = Jws.parse(jwt);
    } catch (Jws.MalformedException e) {
      throw OAuthError.invalidClient("client_assertion is not a JWS: " + e.getMessage());
    }
    String iss = jws.text("iss");
    String sub = jws.text("sub");
    if (iss == null || sub == null || !iss.equals(sub)) {
      throw OAuthError.invalidClient("client_assertion's iss and sub must both be the client id");
    }
    Signer signer = signerOf.apply(iss);
    if (signer == null) {
      throw OAuthError.invalidClient("client authentication failed");
    }
    checkSignature(jws, signer, true);
    checkClaims(jws, audiences, true);
    return iss;
  }

  /**
   * Checks the assertion of a JWT-bearer grant signed by {@code signer}.
   *
   * @return the subject
   * @throws OAuthError 400 {@code invalid_grant}
   */
  String grantAssertion(Jws.Parsed jws, Signer signer, Set<String> audiences) {
    checkSignature(jws, signer, false);
    checkClaims(jws, audiences, false);
    String sub = jws.text("sub");
    if (sub == null || sub.isEmpty()) {
      throw OAuthError.invalidGrant("the assertion has no sub");
    }
    return sub;
  }

  private void checkSignature(Jws.Parsed jws, Signer signer, boolean client) {
    boolean valid;
    if (signer.publicKey() != null) {
      if (signer.keyId() != null && !signer.keyId().equals(jws.header().path("kid").asText(null))) {
        throw error(client, "the assertion's kid does not name the registered key");
      }
      valid = Jws.verify(jws, signer.publicKey());
    } else if (signer.secret() != null) {
      valid = Jws.verifyHmac(jws, signer.secret());
    } else {
      valid = false;
    }
    if (!valid) {
      throw error(client, "the assertion's signature does not verify with the registered key");
    }
  }

  private void checkClaims(Jws.Parsed jws, Set<String> audiences, boolean client) {
    if (!audienceMatches(jws.claims().get("aud"), audiences)) {
      throw error(client, "the assertion's aud does not name this authorization server");
    }
    Long exp = jws.seconds("exp");
    Instant now = clock.instant();
    if (exp == null) {
      throw error(client, "the assertion has no exp");
    }
    Instant expiry = Instant.ofEpochSecond(exp);
    if (!now.isBefore(expiry.plus(SKEW))) {
      throw error(client, "the assertion has expired");
    }
    if (expiry.isAfter(now.plus(MAX_LIFETIME).plus(SKEW))) {
      throw error(client, "the assertion's exp is too far ahead (at most 5 minutes)");
    }
    Long iat = jws.seconds("iat");
    if (iat != null && Instant.ofEpochSecond(iat).isAfter(now.plus(SKEW))) {
      throw error(client, "the assertion's iat is in the future");
    }
    String jti = jws.text("jti");
    if (jti == null || jti.isEmpty()) {
      throw error(client, "the assertion has no jti");
    }
    synchronized (this) {
      for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
        if (it.next().plus(SKEW).isBefore(now)) {
          it.remove();
        }
      }
      if (seen.putIfAbsent(jti, expiry) != null) {
        throw error(client, "the assertion's jti was already used (replay)");
      }
    }
  }

  private static boolean audienceMatches(@Nullable JsonNode aud, Set<String> audiences) {
    if (aud == null) {
      return false;
    }
    if (aud.isTextual()) {
      return audiences.contains(aud.asText());
    }
    if (aud.isArray()) {
      for (JsonNode value : aud) {
        if (value.isTextual() && audiences.contains(value.asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static OAuthError error(boolean client, String description) {
    return client ? OAuthError.invalidClient(description) : OAuthError.invalidGrant(description);
  }
}
