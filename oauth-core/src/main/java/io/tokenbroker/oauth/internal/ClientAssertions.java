package io.tokenbroker.oauth.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.auth.ClientSecretJWT;
import com.nimbusds.oauth2.sdk.auth.JWTAuthenticationClaimsSet;
import com.nimbusds.oauth2.sdk.auth.PrivateKeyJWT;
import com.nimbusds.oauth2.sdk.id.Audience;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.JWTID;
import io.tokenbroker.oauth.ClientConfigurationException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Signs the JWTs of RFC 7523: client assertions ({@code private_key_jwt}, {@code
 * client_secret_jwt}, §2.2) and the JWT-bearer grant's assertion (§2.1). Each carries a fresh
 * {@code jti} and expires {@link #LIFETIME} after {@code iat}, both taken from the caller's clock.
 * Nimbus builds and signs them; this class only picks the claims.
 */
public final class ClientAssertions {
  /** How long an assertion is valid: short, since a fresh one is made for every request. */
  public static final Duration LIFETIME = Duration.ofSeconds(60);

  private ClientAssertions() {}

  /**
   * The {@code client_assertion} and {@code client_assertion_type} parameters of {@code
   * private_key_jwt}.
   */
  public static Map<String, List<String>> privateKeyJwt(
      String clientId,
      URI audience,
      PrivateKey key,
      String algorithm,
      @Nullable String keyId,
      Instant now) {
    SignedJWT jwt = sign(authenticationClaims(clientId, audience, now), key, algorithm, keyId);
    return new PrivateKeyJWT(jwt).toParameters();
  }

  /**
   * The {@code client_assertion} and {@code client_assertion_type} parameters of {@code
   * client_secret_jwt} (HS256).
   *
   * @throws ClientConfigurationException if the secret is shorter than 256 bits
   */
  public static Map<String, List<String>> clientSecretJwt(
      String clientId, URI audience, String secret, Instant now) {
    byte[] keyBytes = secret.getBytes(StandardCharsets.UTF_8);
    if (keyBytes.length < 32) {
      throw new ClientConfigurationException(
          "client_secret_jwt signs with HS256, which needs a client secret of at least 32 bytes;"
              + " this one is shorter");
    }
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256), authenticationClaims(clientId, audience, now));
    try {
      jwt.sign(new MACSigner(keyBytes));
    } catch (JOSEException e) {
      throw new ClientConfigurationException(
          "cannot sign the client_secret_jwt assertion: " + e.getClass().getSimpleName());
    }
    return new ClientSecretJWT(jwt).toParameters();
  }

  /**
   * The {@code assertion} of the JWT-bearer grant: {@code iss} {@code issuer} (the client id),
   * {@code sub} {@code subject}, {@code aud} {@code audience}.
   */
  public static String jwtBearer(
      String issuer,
      String subject,
      URI audience,
      PrivateKey key,
      String algorithm,
      @Nullable String keyId,
      Instant now) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject)
            .audience(audience.toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(LIFETIME)))
            .jwtID(new JWTID(32).getValue())
            .build();
    return sign(claims, key, algorithm, keyId).serialize();
  }

  private static JWTClaimsSet authenticationClaims(String clientId, URI audience, Instant now) {
    return new JWTAuthenticationClaimsSet(
            new ClientID(clientId),
            List.of(new Audience(audience.toString())),
            Date.from(now.plus(LIFETIME)),
            null,
            Date.from(now),
            new JWTID(32))
        .toJWTClaimsSet();
  }

  private static SignedJWT sign(
      JWTClaimsSet claims, PrivateKey key, String algorithm, @Nullable String keyId) {
    JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(keyId).build(), claims);
    try {
      JWSSigner signer =
          key instanceof ECPrivateKey ec ? new ECDSASigner(ec) : new RSASSASigner(key);
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new ClientConfigurationException(
          "cannot sign with the client key (" + algorithm + "): " + e.getClass().getSimpleName());
    }
    return jwt;
  }
}
