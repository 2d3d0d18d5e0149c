package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;
import java.util.UUID;

/** Hand-made ES256 JWTs for probing the fake server's checks, with any claims a test wants. */
final class SignedJwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private SignedJwts() {}

  static ObjectNode claims() {
    return Http.JSON.createObjectNode();
  }

  static ObjectNode header(String typ) {
    ObjectNode header = Http.JSON.createObjectNode().put("alg", "ES256");
    if (typ != null) {
      header.put("typ", typ);
    }
    return header;
  }

  /** The public JWK of an EC P-256 pair. */
  static ObjectNode publicJwk(KeyPair pair) {
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    return Http.JSON
        .createObjectNode()
        .put("kty", "EC")
        .put("crv", "P-256")
        .put("x", coordinate(pub.getW().getAffineX()))
        .put("y", coordinate(pub.getW().getAffineY()));
  }

  static String jti() {
    return UUID.randomUUID().toString();
  }

  static String sign(ObjectNode header, ObjectNode claims, KeyPair pair) {
    String input =
        B64.encodeToString(header.toString().getBytes(UTF_8))
            + "."
            + B64.encodeToString(claims.toString().getBytes(UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
      signature.initSign(pair.getPrivate());
      signature.update(input.getBytes(UTF_8));
      return input + "." + B64.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String coordinate(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[32];
    int length = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - length, out, 32 - length, length);
    return B64.encodeToString(out);
  }
}
