package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.net.URI;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import org.jspecify.annotations.Nullable;

/**
 * A grant's DPoP key pair (RFC 9449): EC P-256, signing proofs with ES256 through Nimbus's {@link
 * DefaultDPoPProofFactory}. Stored as a private JWK inside the sealed grant record, so it survives
 * refreshes and restarts (a DPoP-bound refresh token needs the same key). {@code toString()} shows
 * only the public key's thumbprint. Immutable and thread-safe.
 */
public final class DpopKey {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ECKey key;
  private final DefaultDPoPProofFactory proofs;

  private DpopKey(ECKey key) {
    this.key = key;
    try {
      this.proofs = new DefaultDPoPProofFactory(key, JWSAlgorithm.ES256);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign DPoP proofs with this key", e);
    }
  }

  /** A fresh key pair. */
  public static DpopKey generate() {
    try {
      return new DpopKey(new ECKeyGenerator(Curve.P_256).secureRandom(RANDOM).generate());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key pair", e);
    }
  }

  /**
   * Reads a key pair written by {@link #toPrivateJwk()}.
   *
   * @throws IllegalArgumentException if it is not a private EC P-256 JWK (the message quotes
   *     nothing)
   */
  public static DpopKey fromPrivateJwk(String json) {
    requireNonNull(json, "json == null");
    try {
      ECKey key = ECKey.parse(json);
      if (!key.isPrivate() || !Curve.P_256.equals(key.getCurve())) {
        throw new IllegalArgumentException("not a private EC P-256 JWK");
      }
      return new DpopKey(key);
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("the stored DPoP key is not a private EC P-256 JWK");
    }
  }

  /** The key pair as a private JWK, for the sealed store entry only. */
  public String toPrivateJwk() {
    return key.toJSONString();
  }

  /** The RFC 7638 SHA-256 thumbprint of the public key ({@code dpop_jkt}, {@code cnf.jkt}). */
  public String thumbprint() {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot compute the key's thumbprint", e);
    }
  }

  /**
   * A proof for a request: {@code htm} {@code method}, {@code htu} {@code uri} without query and
   * fragment, {@code iat} {@code now}, a fresh {@code jti}, {@code ath} when {@code accessToken} is
   * given (resource requests), and {@code nonce} when the server gave one.
   */
  public String proof(
      String method, URI uri, Instant now, @Nullable String accessToken, @Nullable String nonce) {
    try {
      return proofs
          .createDPoPJWT(
              new JWTID(32),
              method,
              htu(uri),
              Date.from(now),
              accessToken == null ? null : new DPoPAccessToken(accessToken),
              nonce == null ? null : new Nonce(nonce))
          .serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a DPoP proof", e);
    }
  }

  /** RFC 9449 §4.2: the URI without query and fragment. */
  public static URI htu(URI uri) {
    String s = uri.toString();
    int cut = s.length();
    int q = s.indexOf('?');
    int f = s.indexOf('#');
    if (q >= 0) {
      cut = q;
    }
    if (f >= 0 && f < cut) {
      cut = f;
    }
    return URI.create(s.substring(0, cut));
  }

  @Override
  public String toString() {
    return "DpopKey[jkt=" + thumbprint() + "]";
  }
}
