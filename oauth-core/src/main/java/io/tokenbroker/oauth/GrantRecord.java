package io.tokenbroker.oauth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.oauth.internal.DpopKey;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one sealed store entry holds: the tokens, the previous refresh token, the grant's DPoP key
 * pair, and the grant's non-secret facts (how the client authenticated, the requested resources and
 * audience). Encoded as JSON before sealing; never written anywhere unsealed.
 *
 * <p>The format is additive: members added later ({@code dpopKey}, {@code clientAuthentication},
 * {@code resources}, {@code audience}, {@code tokenAudience}) are absent from older entries, which
 * still open (as grants without DPoP, of unknown authentication, without resources), and readers
 * ignore members they do not know, so the format number stays 1.
 *
 * @param dpopKey the grant's DPoP key pair (RFC 9449), or null when its tokens are not DPoP-bound
 * @param clientAuthentication how the client authenticated when the tokens were obtained, or null
 *     for entries written before this was recorded
 * @param resources the RFC 8707 {@code resource} values the grant was requested with
 * @param audience the {@code audience} values the grant was requested with
 * @param template the name of the client template the grant was created against ({@link
 *     TokenBroker#registerTemplate}), or null for a grant registered on its own (and for entries
 *     written before templates existed)
 */
record GrantRecord(
    GrantType grantType,
    String provider,
    String clientId,
    TokenSet tokens,
    @Nullable RefreshToken previousRefreshToken,
    boolean reauthorizationRequired,
    @Nullable String reauthorizationReason,
    Instant updatedAt,
    @Nullable DpopKey dpopKey,
    @Nullable ClientAuthentication clientAuthentication,
    List<String> resources,
    List<String> audience,
    @Nullable String template) {

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final int FORMAT = 1;

  GrantRecord {
    resources = List.copyOf(resources);
    audience = List.copyOf(audience);
  }

  /** A record without template. */
  GrantRecord(
      GrantType grantType,
      String provider,
      String clientId,
      TokenSet tokens,
      @Nullable RefreshToken previousRefreshToken,
      boolean reauthorizationRequired,
      @Nullable String reauthorizationReason,
      Instant updatedAt,
      @Nullable DpopKey dpopKey,
      @Nullable ClientAuthentication clientAuthentication,
      List<String> resources,
      List<String> audience) {
    this(
        grantType,
        provider,
        clientId,
        tokens,
        previousRefreshToken,
        reauthorizationRequired,
        reauthorizationReason,
        updatedAt,
        dpopKey,
        clientAuthentication,
        resources,
        audience,
        null);
  }

  /** A record without DPoP key, recorded authentication, resources or audience. */
  GrantRecord(
      GrantType grantType,
      String provider,
      String clientId,
      TokenSet tokens,
      @Nullable RefreshToken previousRefreshToken,
      boolean reauthorizationRequired,
      @Nullable String reauthorizationReason,
      Instant updatedAt) {
    this(
        grantType,
        provider,
        clientId,
        tokens,
        previousRefreshToken,
        reauthorizationRequired,
        reauthorizationReason,
        updatedAt,
        null,
        null,
        List.of(),
        List.of());
  }

  /**
   * A grant's first record, or the next one after {@code current}: the new tokens, with the DPoP
   * key they are bound to and what the registration requested.
   */
  static GrantRecord next(
      @Nullable GrantRecord current,
      GrantType type,
      ClientRegistration registration,
      TokenSet tokens,
      @Nullable DpopKey dpopKey,
      Instant now) {
    GrantRecord base =
        current != null
            ? current.withTokens(tokens, now)
            : new GrantRecord(
                type,
                registration.provider().name(),
                registration.clientId(),
                tokens,
                null,
                false,
                null,
                now);
    return base.withBinding(registration, dpopKey);
  }

  /** This record with the DPoP key and the registration's authentication and parameters. */
  GrantRecord withBinding(ClientRegistration registration, @Nullable DpopKey key) {
    return new GrantRecord(
        grantType,
        provider,
        clientId,
        tokens,
        previousRefreshToken,
        reauthorizationRequired,
        reauthorizationReason,
        updatedAt,
        key,
        registration.provider().clientAuthentication(),
        registration.resources(),
        registration.audience(),
        template);
  }

  /** This record created against {@code name} (kept as it is when {@code name} is null). */
  GrantRecord withTemplate(@Nullable String name) {
    if (name == null || name.equals(template)) {
      return this;
    }
    return new GrantRecord(
        grantType,
        provider,
        clientId,
        tokens,
        previousRefreshToken,
        reauthorizationRequired,
        reauthorizationReason,
        updatedAt,
        dpopKey,
        clientAuthentication,
        resources,
        audience,
        name);
  }

  GrantRecord withTokens(TokenSet next, Instant now) {
    RefreshToken old = tokens.refreshToken();
    RefreshToken previous =
        old != null && !old.equals(next.refreshToken()) ? old : previousRefreshToken;
    return new GrantRecord(
        grantType,
        provider,
        clientId,
        next,
        previous,
        false,
        null,
        now,
        dpopKey,
        clientAuthentication,
        resources,
        audience,
        template);
  }

  GrantRecord markReauthorizationRequired(String reason, Instant now) {
    return new GrantRecord(
        grantType,
        provider,
        clientId,
        tokens,
        previousRefreshToken,
        true,
        reason,
        now,
        dpopKey,
        clientAuthentication,
        resources,
        audience,
        template);
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
            updatedAt.toEpochMilli(),
            dpopKey == null ? null : dpopKey.toPrivateJwk(),
            clientAuthentication == null ? null : clientAuthentication.name(),
            resources.isEmpty() ? null : resources,
            audience.isEmpty() ? null : audience,
            tokens.audience().isEmpty() ? null : List.copyOf(tokens.audience()),
            template);
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
            TokenStoreException.Kind.CORRUPT,
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
              w.scopes() == null ? Set.of() : Set.copyOf(w.scopes()),
              w.tokenAudience() == null ? Set.of() : Set.copyOf(w.tokenAudience()));
      return new GrantRecord(
          GrantType.valueOf(w.grantType()),
          w.provider(),
          w.clientId(),
          tokens,
          w.previousRefreshToken() == null ? null : RefreshToken.of(w.previousRefreshToken()),
          w.reauthorizationRequired(),
          w.reauthorizationReason(),
          Instant.ofEpochMilli(w.updatedAt()),
          w.dpopKey() == null ? null : DpopKey.fromPrivateJwk(w.dpopKey()),
          w.clientAuthentication() == null
              ? null
              : ClientAuthentication.valueOf(w.clientAuthentication()),
          w.resources() == null ? List.of() : w.resources(),
          w.audience() == null ? List.of() : w.audience(),
          w.template());
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
          TokenStoreException.Kind.CORRUPT,
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
        + (dpopKey == null ? "" : ", dpop")
        + (template == null ? "" : ", template=" + template)
        + "]";
  }

  /**
   * The JSON shape; field names are part of the stored format. Members after {@code updatedAt} were
   * added later and are null in older entries.
   */
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
      long updatedAt,
      @Nullable String dpopKey,
      @Nullable String clientAuthentication,
      @Nullable List<String> resources,
      @Nullable List<String> audience,
      @Nullable List<String> tokenAudience,
      @Nullable String template) {
    @Override
    public String toString() {
      return "Wire[redacted]";
    }
  }
}
