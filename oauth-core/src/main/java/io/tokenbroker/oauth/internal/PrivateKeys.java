package io.tokenbroker.oauth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads private keys from PEM PKCS#8 and from JWKs. Messages never quote the input, which is key
 * material.
 */
public final class PrivateKeys {
  private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String END = "-----END PRIVATE KEY-----";

  private PrivateKeys() {}

  /** A private key read from a JWK, with the JWK's {@code kid} and {@code alg} if it had them. */
  public record Jwk(PrivateKey key, @Nullable String keyId, @Nullable String algorithm) {
    @Override
    public String toString() {
      return "Jwk[kid=" + keyId + ", redacted]";
    }
  }

  /**
   * Reads a PEM PKCS#8 RSA or EC private key.
   *
   * @throws IllegalArgumentException if the text holds none
   */
  public static PrivateKey fromPem(String pem) {
    String text = pem.strip();
    if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "the private key is encrypted; decrypt it first (openssl pkcs8 -topk8 -nocrypt)");
    }
    if (text.contains("-----BEGIN RSA PRIVATE KEY-----")
        || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "the private key is in PKCS#1/SEC1 form; convert it to PKCS#8 with"
              + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem'");
    }
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "not a PEM PKCS#8 private key (expected " + BEGIN + " ... " + END + ")");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the PEM private key is not valid Base64");
    }
    for (String algorithm : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        // try the next key type
      }
    }
    throw new IllegalArgumentException("the PEM private key is neither an RSA nor an EC key");
  }

  /**
   * Reads the private key of a JWK, or of a JWK set's only private key ({@code keyId} null), or of
   * the key whose {@code kid} is {@code keyId}.
   *
   * @throws IllegalArgumentException if there is no such usable private key
   */
  public static Jwk fromJwk(String json, @Nullable String keyId) {
    List<JWK> candidates = new ArrayList<>();
    try {
      if (json.contains("\"keys\"")) {
        candidates.addAll(JWKSet.parse(json).getKeys());
      } else {
        candidates.add(JWK.parse(json));
      }
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("not a JWK or JWK set (JSON with kty, or keys)");
    }
    List<JWK> usable = new ArrayList<>();
    for (JWK jwk : candidates) {
      if (jwk.isPrivate()
          && (jwk instanceof RSAKey || jwk instanceof ECKey)
          && (keyId == null || Objects.equals(keyId, jwk.getKeyID()))) {
        usable.add(jwk);
      }
    }
    if (usable.isEmpty()) {
      throw new IllegalArgumentException(
          keyId == null
              ? "the JWK (set) holds no private RSA or EC key"
              : "the JWK (set) holds no private RSA or EC key with kid " + keyId);
    }
    if (usable.size() > 1) {
      throw new IllegalArgumentException(
          "the JWK set holds "
              + usable.size()
              + " private keys: choose one by its kid (--key-id, or ClientKey.fromJwk(json, kid))");
    }
    JWK jwk = usable.get(0);
    try {
      PrivateKey key =
          jwk instanceof RSAKey rsa ? rsa.toPrivateKey() : ((ECKey) jwk).toPrivateKey();
      if (key == null) {
        throw new IllegalArgumentException("the JWK's private key cannot be used");
      }
      return new Jwk(
          key, jwk.getKeyID(), jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName());
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the JWK's private key cannot be used");
    }
  }

  /** Whether {@code key} is on the P-256 curve. */
  public static boolean isP256(ECPrivateKey key) {
    ECParameterSpec params = key.getParams();
    return params != null && Curve.P_256.equals(Curve.forECParameterSpec(params));
  }
}
