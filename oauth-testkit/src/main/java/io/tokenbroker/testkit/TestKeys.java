package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Key pairs for tests of {@code private_key_jwt} and the JWT-bearer grant: RSA 2048 and EC P-256,
 * and their private keys written as PEM PKCS#8 or as a private JWK (written here, independently of
 * any JOSE library). Every private key written is recorded as a secret with {@link IssuedSecrets},
 * so a {@link SecretLeakCheck} fails a test that logs or prints it. Thread-safe.
 */
public final class TestKeys {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private TestKeys() {}

  /** A fresh RSA 2048 key pair. */
  public static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is missing from this JVM", e);
    }
  }

  /** A fresh EC key pair on P-256. */
  public static KeyPair ec() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is missing from this JVM", e);
    }
  }

  /** The private key as PEM PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}); recorded as a secret. */
  public static String pkcs8Pem(PrivateKey key) {
    requireNonNull(key, "key == null");
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    IssuedSecrets.record("private key", base64.replace("\n", ""));
    for (String line : base64.split("\n")) {
      IssuedSecrets.record("private key", line);
    }
    return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * The key pair as a private JWK (RFC 7517/7518: {@code kty}, the public members, {@code d}, and
   * for RSA the CRT members), with {@code kid} when given; recorded as a secret.
   */
  public static String privateJwk(KeyPair pair, @Nullable String keyId) {
    requireNonNull(pair, "pair == null");
    StringBuilder json = new StringBuilder("{");
    if (pair.getPrivate() instanceof RSAPrivateCrtKey rsa
        && pair.getPublic() instanceof RSAPublicKey pub) {
      json.append("\"kty\":\"RSA\"");
      member(json, "n", pub.getModulus(), 0);
      member(json, "e", pub.getPublicExponent(), 0);
      secretMember(json, "d", rsa.getPrivateExponent(), 0);
      secretMember(json, "p", rsa.getPrimeP(), 0);
      secretMember(json, "q", rsa.getPrimeQ(), 0);
      secretMember(json, "dp", rsa.getPrimeExponentP(), 0);
      secretMember(json, "dq", rsa.getPrimeExponentQ(), 0);
      secretMember(json, "qi", rsa.getCrtCoefficient(), 0);
    } else if (pair.getPrivate() instanceof ECPrivateKey ec
        && pair.getPublic() instanceof ECPublicKey pub) {
      json.append("\"kty\":\"EC\",\"crv\":\"P-256\"");
      member(json, "x", pub.getW().getAffineX(), 32);
      member(json, "y", pub.getW().getAffineY(), 32);
      secretMember(json, "d", ec.getS(), 32);
    } else {
      throw new IllegalArgumentException("not an RSA CRT or EC key pair");
    }
    if (keyId != null) {
      json.append(",\"kid\":\"").append(keyId).append('"');
    }
    return json.append('}').toString();
  }

  private static void member(StringBuilder json, String name, BigInteger value, int length) {
    json.append(",\"").append(name).append("\":\"").append(encode(value, length)).append('"');
  }

  private static void secretMember(StringBuilder json, String name, BigInteger value, int length) {
    String encoded = encode(value, length);
    IssuedSecrets.record("private key", encoded);
    json.append(",\"").append(name).append("\":\"").append(encoded).append('"');
  }

  /** Unsigned big-endian, left-padded to {@code length} bytes when given (EC coordinates). */
  private static String encode(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      bytes = trimmed;
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      bytes = padded;
    }
    return B64URL.encodeToString(bytes);
  }
}
