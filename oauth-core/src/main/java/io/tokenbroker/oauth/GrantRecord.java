package io.tokenbroker.oauth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one sealed store entry holds: the tokens, the previous refresh token, and the grant's
 * non-secret facts. Encoded as JSON before sealing; never written anywhere unsealed.
 */
record GrantRecord(
    GrantType grantType,
    String provider,
    String clientId,
    TokenSet tokens,
    @Nullable RefreshToken previousRefreshToken,
    boolean reauthorizationRequired,
    @Nullable String reauthorizationReason,
    Instant updatedAt) {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final int FORMAT = 1;

  GrantRecord withTokens(TokenSet next, Instant now) {
    RefreshToken old = tokens.refreshToken();
    RefreshToken previous =
        old != null && !old.equals(next.refreshToken()) ? old : previousRefreshToken;
    return new GrantRecord(grantType, provider, clientId, next, previous, false, null, now);
  }

  GrantRecord markReauthorizationRequired(String reason, Instant now) {
    return new GrantRecord(
        grantType, provider, clientId, tokens, previousRefreshToken, true, reason, now);
  }

  byte[] encode() {
    Wire wire =
        new Wire(
            FORMAT,
            grantType.name(),
            provider,
            clientId,
            tokens.accessToken().revealValue(),
            tokens.tokenType(),
            tokens.issuedAt().toEpochMilli(),
            tokens.expiresAt().toEpochMilli(),
            tokens.refreshToken() == null ? null : tokens.refreshToken().revealValue(),
            tokens.refreshTokenExpiresAt() == null
                ? null
                : tokens.refreshTokenExpiresAt().toEpochMilli(),
            List.copyOf(tokens.scopes()),
            previousRefreshToken == null ? null : previousRefreshToken.revealValue(),
            reauthorizationRequired,
            reauthorizationReason,
            updatedAt.toEpochMilli());
    try {
      return JSON.writeValueAsBytes(wire);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a grant record", e);
    }
  }

  /** Decodes an opened entry; failures never quote the plaintext. */
  static GrantRecord decode(GrantKey key, byte[] plaintext) {
    try {
      Wire w = JSON.readValue(plaintext, Wire.class);
      if (w.format() != FORMAT) {
        throw new TokenStoreException(
            "grant '"
                + key
                + "' has record format "
                + w.format()
                + ", this version reads "
                + FORMAT,
            TokenStoreException.Reason.CORRUPT,
            key,
            null);
      }
      TokenSet tokens =
          new TokenSet(
              AccessToken.of(w.accessToken()),
              w.tokenType(),
              Instant.ofEpochMilli(w.issuedAt()),
              Instant.ofEpochMilli(w.expiresAt()),
              w.refreshToken() == null ? null : RefreshToken.of(w.refreshToken()),
              w.refreshTokenExpiresAt() == null
                  ? null
                  : Instant.ofEpochMilli(w.refreshTokenExpiresAt()),
              w.scopes() == null ? Set.of() : Set.copyOf(w.scopes()));
      return new GrantRecord(
          GrantType.valueOf(w.grantType()),
          w.provider(),
          w.clientId(),
          tokens,
          w.previousRefreshToken() == null ? null : RefreshToken.of(w.previousRefreshToken()),
          w.reauthorizationRequired(),
          w.reauthorizationReason(),
          Instant.ofEpochMilli(w.updatedAt()));
    } catch (IOException | RuntimeException e) {
      if (e instanceof TokenStoreException tse) {
        throw tse;
      }
      throw new TokenStoreException(
          "grant '"
              + key
              + "' opened but its content is not a valid grant record ("
              + e.getClass().getSimpleName()
              + ")",
          TokenStoreException.Reason.CORRUPT,
          key,
          null);
    }
  }

  @Override
  public String toString() {
    return "GrantRecord["
        + grantType
        + ", provider="
        + provider
        + ", expiresAt="
        + tokens.expiresAt()
        + ", reauthorizationRequired="
        + reauthorizationRequired
        + "]";
  }

  /** The JSON shape; field names are part of the stored format. */
  private record Wire(
      int format,
      String grantType,
      String provider,
      String clientId,
      String accessToken,
      String tokenType,
      long issuedAt,
      long expiresAt,
      @Nullable String refreshToken,
      @Nullable Long refreshTokenExpiresAt,
      @Nullable List<String> scopes,
      @Nullable String previousRefreshToken,
      boolean reauthorizationRequired,
      @Nullable String reauthorizationReason,
      long updatedAt) {
    @Override
    public String toString() {
      return "Wire[redacted]";
    }
  }
}
