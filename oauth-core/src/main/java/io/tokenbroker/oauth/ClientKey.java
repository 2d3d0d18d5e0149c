package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.internal.PrivateKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A client's private key for signing JWTs: {@code private_key_jwt} client authentication (RFC 7523
 * §2.2, OpenID Connect Core §9) and the JWT-bearer grant's assertion (RFC 7523 §2.1). An RSA key
 * signs with {@code RS256} (default) or {@code PS256}, an EC P-256 key with {@code ES256}.
 *
 * <p>Load it from a PEM PKCS#8 file ({@code -----BEGIN PRIVATE KEY-----}; convert others with
 * {@code openssl pkcs8 -topk8 -nocrypt}), from a JWK or a JWK set holding private keys, or from a
 * {@link KeyStore}. A JWK's {@code kid} is kept; {@link #withKeyId} sets one (the server picks the
 * public key by it).
 *
 * <p>The key is a secret: {@code toString()} names only its type, algorithm and key id, failures
 * never quote the input, and the key material leaves only through the deliberately loud {@link
 * #revealPkcs8Pem()} (for a sealed store entry). Immutable and thread-safe.
 */
public final class ClientKey {
  /** The JWS algorithms a client key signs with. */
  public enum Algorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256; the default for RSA keys. */
    RS256,
    /** RSASSA-PSS with SHA-256 and MGF1 with SHA-256. */
    PS256,
    /** ECDSA on P-256 with SHA-256; the only choice for EC keys. */
    ES256
  }

  private final PrivateKey privateKey;
  private final Algorithm algorithm;
  private final @Nullable String keyId;

  private ClientKey(PrivateKey privateKey, Algorithm algorithm, @Nullable String keyId) {
    this.privateKey = privateKey;
    this.algorithm = algorithm;
    this.keyId = keyId;
    check(privateKey, algorithm);
  }

  private static ClientKey of(PrivateKey key, @Nullable String keyId) {
    return new ClientKey(
        key, key instanceof ECPrivateKey ? Algorithm.ES256 : Algorithm.RS256, keyId);
  }

  /**
   * Reads a PEM PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC P-256.
   *
   * @throws IllegalArgumentException if it is not one (the message never quotes the input)
   */
  public static ClientKey fromPem(String pem) {
    requireNonNull(pem, "pem == null");
    return of(PrivateKeys.fromPem(pem), null);
  }

  /**
   * Reads a JWK ({@code {"kty":"RSA",...,"d":...}}) or a JWK set holding exactly one private RSA or
   * EC P-256 key; its {@code kid} and {@code alg} are kept.
   *
   * @throws IllegalArgumentException if it is neither, or a set holds several private keys (then
   *     use {@link #fromJwk(String, String)})
   */
  public static ClientKey fromJwk(String json) {
    requireNonNull(json, "json == null");
    PrivateKeys.Jwk jwk = PrivateKeys.fromJwk(json, null);
    return withJwkAlgorithm(of(jwk.key(), jwk.keyId()), jwk.algorithm());
  }

  /**
   * Reads the private key with key id {@code keyId} from a JWK set (or a single JWK with that
   * {@code kid}).
   *
   * @throws IllegalArgumentException if there is no such private key
   */
  public static ClientKey fromJwk(String json, String keyId) {
    requireNonNull(json, "json == null");
    requireNonNull(keyId, "keyId == null");
    PrivateKeys.Jwk jwk = PrivateKeys.fromJwk(json, keyId);
    return withJwkAlgorithm(of(jwk.key(), jwk.keyId()), jwk.algorithm());
  }

  private static ClientKey withJwkAlgorithm(ClientKey key, @Nullable String alg) {
    if (alg == null) {
      return key;
    }
    try {
      return key.withAlgorithm(Algorithm.valueOf(alg.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the JWK's alg is not one of RS256, PS256, ES256: " + alg.replaceAll("[^A-Za-z0-9]", ""));
    }
  }

  /**
   * Reads a key file: PEM PKCS#8, or a JWK or JWK set (JSON), told apart by the content.
   *
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it holds no usable private key
   */
  public static ClientKey fromFile(Path file) {
    requireNonNull(file, "file == null");
    String text;
    try {
      text = Files.readString(file, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the private key file " + file + ": " + e.getClass().getSimpleName(), e);
    }
    return parse(text);
  }

  /** Reads PEM PKCS#8 or JWK (set) text, told apart by the content; see {@link #fromFile}. */
  public static ClientKey parse(String text) {
    requireNonNull(text, "text == null");
    return text.stripLeading().startsWith("{") ? fromJwk(text) : fromPem(text);
  }

  /**
   * Takes the private key stored under {@code alias} in {@code store} (PKCS#12, JKS, or a
   * hardware-backed store).
   *
   * @throws IllegalArgumentException if there is no RSA or EC private key under {@code alias}, or
   *     {@code password} does not open it
   */
  public static ClientKey fromKeyStore(KeyStore store, String alias, char[] password) {
    requireNonNull(store, "store == null");
    requireNonNull(alias, "alias == null");
    requireNonNull(password, "password == null");
    Key key;
    try {
      key = store.getKey(alias, password);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot take the key '"
              + alias
              + "' from the key store: "
              + e.getClass().getSimpleName());
    }
    if (!(key instanceof RSAPrivateKey) && !(key instanceof ECPrivateKey)) {
      throw new IllegalArgumentException(
          "the key store holds no RSA or EC private key under '" + alias + "'");
    }
    return of((PrivateKey) key, null);
  }

  /** Returns a copy that names its public key {@code keyId} (the JWS header's {@code kid}). */
  public ClientKey withKeyId(String keyId) {
    requireNonNull(keyId, "keyId == null");
    if (keyId.isBlank()) {
      throw new IllegalArgumentException("keyId is blank");
    }
    return new ClientKey(privateKey, algorithm, keyId);
  }

  /**
   * Returns a copy that signs with {@code algorithm}.
   *
   * @throws IllegalArgumentException if the key cannot sign with it (an EC key needs {@code ES256},
   *     an RSA key {@code RS256} or {@code PS256})
   */
  public ClientKey withAlgorithm(Algorithm algorithm) {
    requireNonNull(algorithm, "algorithm == null");
    return new ClientKey(privateKey, algorithm, keyId);
  }

  /** The signing algorithm. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** The key id sent as {@code kid}, if any. */
  public Optional<String> keyId() {
    return Optional.ofNullable(keyId);
  }

  /** {@code RSA} or {@code EC}. */
  public String keyType() {
    return privateKey instanceof ECPrivateKey ? "EC" : "RSA";
  }

  /** The key itself, for the signing code in this library. */
  PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * The private key as PEM PKCS#8. Call it only to store the key sealed (as the CLI does); grep for
   * it in reviews.
   *
   * @throws IllegalStateException if the key cannot be exported (a hardware-backed key)
   */
  public String revealPkcs8Pem() {
    byte[] der = privateKey.getEncoded();
    if (der == null || !"PKCS#8".equalsIgnoreCase(privateKey.getFormat())) {
      throw new IllegalStateException("this private key cannot be exported");
    }
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static void check(PrivateKey key, Algorithm algorithm) {
    boolean ec = key instanceof ECPrivateKey;
    if (ec && algorithm != Algorithm.ES256) {
      throw new IllegalArgumentException("an EC key signs with ES256, not " + algorithm);
    }
    if (!ec && algorithm == Algorithm.ES256) {
      throw new IllegalArgumentException("an RSA key signs with RS256 or PS256, not ES256");
    }
    if (ec && !PrivateKeys.isP256((ECPrivateKey) key)) {
      throw new IllegalArgumentException("only EC keys on the P-256 curve are supported (ES256)");
    }
    if (key instanceof RSAPrivateKey rsa && rsa.getModulus().bitLength() < 2048) {
      throw new IllegalArgumentException(
          "RSA keys shorter than 2048 bits are refused (RFC 7518 §3.3)");
    }
  }

  /** Names the key type, algorithm and key id; never key material. */
  @Override
  public String toString() {
    return "ClientKey["
        + keyType()
        + ", "
        + algorithm
        + (keyId == null ? "" : ", kid=" + keyId)
        + ", redacted]";
  }
}
