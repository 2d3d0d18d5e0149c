package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Iterator;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * A small, independent JWS reader for the fake server: compact serialization, RS256, PS256, ES256
 * and HS256 verified with {@code java.security} only (no JOSE library, so the client's Nimbus code
 * is checked by something that does not share it), public JWKs, and RFC 7638 thumbprints.
 */
final class Jws {
  private static final Base64.Decoder B64 = Base64.getUrlDecoder();
  private static final Base64.Encoder B64_OUT = Base64.getUrlEncoder().withoutPadding();

  /** A parsed compact JWS; {@link #verify} says whether its signature holds. */
  record Parsed(JsonNode header, JsonNode claims, byte[] signingInput, byte[] signature) {
    String alg() {
      return header.path("alg").asText("");
    }

    @Nullable String text(String claim) {
      JsonNode node = claims.get(claim);
      return node != null && node.isTextual() ? node.asText() : null;
    }

    /** A numeric claim (seconds), or null. */
    @Nullable Long seconds(String claim) {
      JsonNode node = claims.get(claim);
      return node != null && node.isNumber() ? node.asLong() : null;
    }

    @Override
    public String toString() {
      return "Jws[" + alg() + "]";
    }
  }

  /** Thrown for a token that is not a compact JWS with JSON header and claims. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message, null, false, false);
    }
  }

  private Jws() {}

  static Parsed parse(String compact) throws MalformedException {
    String[] parts = compact.split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      throw new MalformedException("not a compact JWS");
    }
    try {
      JsonNode header = Reply.JSON.readTree(B64.decode(parts[0]));
      JsonNode claims = Reply.JSON.readTree(B64.decode(parts[1]));
      if (header == null || !header.isObject() || claims == null || !claims.isObject()) {
        throw new MalformedException("the JWS header or claims are not JSON objects");
      }
      return new Parsed(
          header, claims, (parts[0] + "." + parts[1]).getBytes(US_ASCII), B64.decode(parts[2]));
    } catch (IOException | IllegalArgumentException e) {
      throw new MalformedException("the JWS is not valid base64url JSON");
    }
  }

  /** Whether {@code jws} is signed with {@code key} under its {@code alg} (RS256, PS256, ES256). */
  static boolean verify(Parsed jws, PublicKey key) {
    try {
      Signature signature;
      byte[] expected = jws.signature();
      switch (jws.alg()) {
        case "RS256" -> {
          if (!(key instanceof RSAPublicKey)) {
            return false;
          }
          signature = Signature.getInstance("SHA256withRSA");
        }
        case "PS256" -> {
          if (!(key instanceof RSAPublicKey)) {
            return false;
          }
          signature = Signature.getInstance("RSASSA-PSS");
          signature.setParameter(
              new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
        case "ES256" -> {
          if (!(key instanceof ECPublicKey) || expected.length != 64) {
            return false;
          }
          signature = Signature.getInstance("SHA256withECDSAinP1363Format");
        }
        default -> {
          return false;
        }
      }
      signature.initVerify(key);
      signature.update(jws.signingInput());
      return signature.verify(expected);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Whether {@code jws} is HS256-signed with {@code secret}. */
  static boolean verifyHmac(Parsed jws, byte[] secret) {
    if (!jws.alg().equals("HS256")) {
      return false;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return MessageDigest.isEqual(mac.doFinal(jws.signingInput()), jws.signature());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The public key of a public JWK (RSA, or EC on P-256).
   *
   * @throws MalformedException if it is not one, or carries private members
   */
  static PublicKey publicKey(JsonNode jwk) throws MalformedException {
    if (jwk == null || !jwk.isObject()) {
      throw new MalformedException("jwk is not an object");
    }
    for (String member : new String[] {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      if (jwk.has(member)) {
        throw new MalformedException("jwk carries a private key member");
      }
    }
    try {
      switch (jwk.path("kty").asText("")) {
        case "RSA" -> {
          return KeyFactory.getInstance("RSA")
              .generatePublic(
                  new RSAPublicKeySpec(
                      unsigned(jwk.path("n").asText("")), unsigned(jwk.path("e").asText(""))));
        }
        case "EC" -> {
          if (!jwk.path("crv").asText("").equals("P-256")) {
            throw new MalformedException("only P-256 EC keys are supported");
          }
          return KeyFactory.getInstance("EC")
              .generatePublic(
                  new ECPublicKeySpec(
                      new ECPoint(
                          unsigned(jwk.path("x").asText("")), unsigned(jwk.path("y").asText(""))),
                      p256()));
        }
        default -> throw new MalformedException("jwk kty is not RSA or EC");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new MalformedException("jwk is not a valid public key");
    }
  }

  /** The RFC 7638 SHA-256 thumbprint of a public RSA or EC JWK, base64url. */
  static String thumbprint(JsonNode jwk) {
    TreeMap<String, String> required = new TreeMap<>();
    String kty = jwk.path("kty").asText("");
    String[] members =
        kty.equals("EC") ? new String[] {"crv", "kty", "x", "y"} : new String[] {"e", "kty", "n"};
    for (String member : members) {
      required.put(member, jwk.path(member).asText(""));
    }
    StringBuilder json = new StringBuilder("{");
    for (Iterator<String> it = required.keySet().iterator(); it.hasNext(); ) {
      String member = it.next();
      json.append('"').append(member).append("\":\"").append(required.get(member)).append('"');
      if (it.hasNext()) {
        json.append(',');
      }
    }
    json.append('}');
    return B64_OUT.encodeToString(sha256(json.toString().getBytes(UTF_8)));
  }

  /** base64url(SHA-256(ASCII(value))), as DPoP's {@code ath} and PKCE's S256. */
  static String sha256Base64Url(String value) {
    return B64_OUT.encodeToString(sha256(value.getBytes(US_ASCII)));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static BigInteger unsigned(String base64url) {
    byte[] bytes = B64.decode(base64url);
    if (bytes.length == 0) {
      throw new IllegalArgumentException("empty key member");
    }
    return new BigInteger(1, bytes);
  }

  static ECParameterSpec p256() throws GeneralSecurityException {
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    return parameters.getParameterSpec(ECParameterSpec.class);
  }
}
