package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Checks DPoP proofs (RFC 9449 §4.3) for the fake server's token and resource endpoints: exactly
 * one {@code DPoP} header; {@code typ dpop+jwt}; an asymmetric {@code alg}; a public {@code jwk}
 * that verifies the signature; {@code htm} and {@code htu} of this very request; {@code iat} within
 * a minute of the server's clock; a {@code jti} never seen before; {@code ath} the hash of the
 * presented token (resource requests); and, when nonces are required, the server's current {@code
 * nonce}. Thread-safe.
 */
final class DpopProofs {
  private static final Duration WINDOW = Duration.ofSeconds(60);

  /** Why a proof was refused; {@code nonce} marks {@code use_dpop_nonce}. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean nonce;

    Refused(String message, boolean nonce) {
      super(message, null, false, false);
      this.nonce = nonce;
    }

    /** Why the proof was refused; never null (the constructor sets it). */
    @Override
    public String getMessage() {
      return requireNonNull(super.getMessage());
    }
  }

  private final Clock clock;
  private final Random random;
  private final Map<String, Instant> seen = new HashMap<>(); // jti -> iat; guarded by this
  private volatile boolean nonceRequired;
  private volatile String nonce;

  DpopProofs(Clock clock, Random random) {
    this.clock = clock;
    this.random = random;
    this.nonce = newNonce();
  }

  void nonceRequired(boolean required) {
    this.nonceRequired = required;
  }

  boolean nonceRequired() {
    return nonceRequired;
  }

  /** The nonce proofs must carry while nonces are required. */
  String nonce() {
    return nonce;
  }

  /** Replaces the nonce (a server rotating it); proofs with the old one are then refused. */
  void rotateNonce() {
    this.nonce = newNonce();
  }

  private String newNonce() {
    byte[] bytes = new byte[16];
    synchronized (random) {
      random.nextBytes(bytes);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Checks the request's proof for {@code method} and {@code htu}, bound to {@code accessToken}
   * when one is presented.
   *
   * @return the RFC 7638 thumbprint of the proof's key
   */
  String check(RecordedRequest request, String method, String htu, @Nullable String accessToken)
      throws Refused {
    List<String> headers = request.headers("DPoP");
    if (headers.size() != 1) {
      throw new Refused(
          headers.isEmpty() ? "the DPoP proof is missing" : "more than one DPoP proof", false);
    }
    IssuedSecrets.record("DPoP proof", headers.get(0));
    Jws.Parsed jws;
    try {
      jws = Jws.parse(headers.get(0));
    } catch (Jws.MalformedException e) {
      throw new Refused("the DPoP proof is not a JWS", false);
    }
    if (!"dpop+jwt".equals(jws.header().path("typ").asText(null))) {
      throw new Refused("the DPoP proof's typ is not dpop+jwt", false);
    }
    JsonNode jwk = jws.header().get("jwk");
    PublicKey key;
    try {
      key = Jws.publicKey(jwk);
    } catch (Jws.MalformedException e) {
      throw new Refused("the DPoP proof's jwk: " + e.getMessage(), false);
    }
    if (!Jws.verify(jws, key)) {
      throw new Refused("the DPoP proof's signature does not verify with its jwk", false);
    }
    if (!method.equals(jws.text("htm"))) {
      throw new Refused("the DPoP proof's htm is not this request's method", false);
    }
    if (!htu.equals(withoutQuery(jws.text("htu")))) {
      throw new Refused("the DPoP proof's htu is not this request's URL", false);
    }
    Long iat = jws.seconds("iat");
    Instant now = clock.instant();
    if (iat == null
        || Instant.ofEpochSecond(iat).isBefore(now.minus(WINDOW))
        || Instant.ofEpochSecond(iat).isAfter(now.plus(WINDOW))) {
      throw new Refused("the DPoP proof's iat is missing or not within a minute of now", false);
    }
    if (accessToken != null && !Jws.sha256Base64Url(accessToken).equals(jws.text("ath"))) {
      throw new Refused("the DPoP proof's ath is not the hash of the access token", false);
    }
    if (nonceRequired && !nonce.equals(jws.text("nonce"))) {
      throw new Refused("a DPoP nonce is required", true);
    }
    String jti = jws.text("jti");
    if (jti == null || jti.isEmpty()) {
      throw new Refused("the DPoP proof has no jti", false);
    }
    synchronized (this) {
      for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
        if (it.next().isBefore(now.minus(WINDOW.multipliedBy(2)))) {
          it.remove();
        }
      }
      if (seen.putIfAbsent(jti, Instant.ofEpochSecond(iat)) != null) {
        throw new Refused("the DPoP proof's jti was already used (replay)", false);
      }
    }
    return Jws.thumbprint(jwk);
  }

  private static @Nullable String withoutQuery(@Nullable String uri) {
    if (uri == null) {
      return null;
    }
    int cut = uri.length();
    int q = uri.indexOf('?');
    int f = uri.indexOf('#');
    if (q >= 0) {
      cut = q;
    }
    if (f >= 0 && f < cut) {
      cut = f;
    }
    return uri.substring(0, cut);
  }
}
