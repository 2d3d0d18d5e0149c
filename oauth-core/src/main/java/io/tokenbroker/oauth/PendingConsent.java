package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.oauth.internal.DpopKey;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * A started authorization-code consent as the store keeps it (sealed) until its callback arrives on
 * any broker sharing the store: what the token request needs (PKCE verifier, redirect URI, the DPoP
 * key the code is bound to), what the callback is checked against (state, issuer) and what the
 * tokens are stored as (grant key, template). Never written anywhere unsealed; {@code toString()}
 * shows no secret.
 */
record PendingConsent(
    GrantKey key,
    String template,
    String state,
    @Nullable String codeVerifier,
    URI redirectUri,
    Instant expiresAt,
    boolean stateRequired,
    @Nullable String issuer,
    boolean issuerRequired,
    @Nullable DpopKey dpopKey) {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final int FORMAT = 1;

  /** The store's id of the consent started with {@code state}: base64url(SHA-256(state)). */
  static String id(String state) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(state.getBytes(UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  String id() {
    return id(state);
  }

  byte[] encode() {
    Wire wire =
        new Wire(
            FORMAT,
            key.value(),
            template,
            state,
            codeVerifier,
            redirectUri.toString(),
            expiresAt.toEpochMilli(),
            stateRequired,
            issuer,
            issuerRequired,
            dpopKey == null ? null : dpopKey.toPrivateJwk());
    try {
      return JSON.writeValueAsBytes(wire);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a pending consent", e);
    }
  }

  /** Decodes an opened entry; failures never quote the plaintext. */
  static PendingConsent decode(byte[] plaintext) {
    try {
      Wire w = JSON.readValue(plaintext, Wire.class);
      if (w.format() != FORMAT) {
        throw new IOException("format " + w.format());
      }
      return new PendingConsent(
          GrantKey.of(w.key()),
          w.template(),
          w.state(),
          w.codeVerifier(),
          URI.create(w.redirectUri()),
          Instant.ofEpochMilli(w.expiresAt()),
          w.stateRequired(),
          w.issuer(),
          w.issuerRequired(),
          w.dpopKey() == null ? null : DpopKey.fromPrivateJwk(w.dpopKey()));
    } catch (IOException | RuntimeException e) {
      throw new TokenStoreException(
          "a pending consent opened but is not a valid consent record ("
              + e.getClass().getSimpleName()
              + ")",
          TokenStoreException.Kind.CORRUPT,
          null,
          null);
    }
  }

  @Override
  public String toString() {
    return "PendingConsent[key="
        + key
        + ", template="
        + template
        + ", expiresAt="
        + expiresAt
        + "]";
  }

  /** The JSON shape; field names are part of the stored format. */
  private record Wire(
      int format,
      String key,
      String template,
      String state,
      @Nullable String codeVerifier,
      String redirectUri,
      long expiresAt,
      boolean stateRequired,
      @Nullable String issuer,
      boolean issuerRequired,
      @Nullable String dpopKey) {
    @Override
    public String toString() {
      return "Wire[redacted]";
    }
  }
}
