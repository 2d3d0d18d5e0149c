package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.crypto.tink.Aead;
import io.tokenbroker.oauth.TokenStoreException.Reason;
import io.tokenbroker.oauth.internal.TokenSealer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A read-only look at what a store holds for one grant, taken without a {@link TokenBroker}: the
 * entry is loaded, opened with the caller's {@link Aead} and decoded, and nothing else happens (no
 * HTTP client, thread, cache, lease or write). Meant for short-lived processes such as a
 * command-line helper that only needs to know whether the stored access token is still good;
 * anything more (a refresh, a re-read under the lease, re-authorization) is the broker's job, so
 * such a caller falls back to a broker whenever the token read here does not do.
 *
 * <p>The stored refresh tokens and DPoP key are never decoded into objects; only whether they are
 * present. {@code toString()} redacts the access token. Immutable and thread-safe.
 *
 * @param key the grant
 * @param version the store's version of the entry that was read
 * @param grantType how the grant renews
 * @param provider the provider's name as stored
 * @param accessToken the stored access token
 * @param tokenType the token type ({@code Bearer} for bearer tokens)
 * @param issuedAt when the access token was issued
 * @param expiresAt when the access token expires
 * @param scopes the granted scopes (empty when the server did not say)
 * @param refreshTokenPresent whether a refresh token is stored
 * @param reauthorizationRequired whether the grant is dead and needs a new consent
 * @param dpopBound whether the grant holds a DPoP key (RFC 9449): its token must be presented with
 *     a proof ({@link TokenBroker#authorizationHeaders}), not as a bearer token
 */
public record StoredTokens(
    GrantKey key,
    long version,
    GrantType grantType,
    String provider,
    AccessToken accessToken,
    String tokenType,
    Instant issuedAt,
    Instant expiresAt,
    Set<String> scopes,
    boolean refreshTokenPresent,
    boolean reauthorizationRequired,
    boolean dpopBound) {

  /** The record format this reader understands (the broker's current one). */
  private static final int FORMAT = 1;

  private static final JsonFactory JSON = new JsonFactory();

  public StoredTokens {
    requireNonNull(key, "key == null");
    requireNonNull(grantType, "grantType == null");
    requireNonNull(provider, "provider == null");
    requireNonNull(accessToken, "accessToken == null");
    requireNonNull(tokenType, "tokenType == null");
    requireNonNull(issuedAt, "issuedAt == null");
    requireNonNull(expiresAt, "expiresAt == null");
    scopes = Set.copyOf(scopes);
  }

  /** A view of a grant without a DPoP key. */
  public StoredTokens(
      GrantKey key,
      long version,
      GrantType grantType,
      String provider,
      AccessToken accessToken,
      String tokenType,
      Instant issuedAt,
      Instant expiresAt,
      Set<String> scopes,
      boolean refreshTokenPresent,
      boolean reauthorizationRequired) {
    this(
        key,
        version,
        grantType,
        provider,
        accessToken,
        tokenType,
        issuedAt,
        expiresAt,
        scopes,
        refreshTokenPresent,
        reauthorizationRequired,
        false);
  }

  /**
   * Loads {@code key}'s entry from {@code store}, opens it with {@code aead} (the keyset's AEAD
   * primitive) and decodes it.
   *
   * @return empty if the store holds no entry for {@code key}
   * @throws TokenStoreException as the store reports it; {@link Reason#CANNOT_DECRYPT} if the entry
   *     does not open with {@code aead}; {@link Reason#CORRUPT} if it is not a sealed entry or not
   *     a grant record of the format this version writes. Messages never quote the entry.
   */
  public static Optional<StoredTokens> read(TokenStore store, Aead aead, GrantKey key) {
    requireNonNull(store, "store == null");
    requireNonNull(aead, "aead == null");
    requireNonNull(key, "key == null");
    return store.load(key).map(entry -> open(entry, aead));
  }

  /**
   * Opens {@code entry} (as a store returned it) with {@code aead} and decodes it.
   *
   * @throws TokenStoreException {@link Reason#CANNOT_DECRYPT} if the entry does not open with
   *     {@code aead}; {@link Reason#CORRUPT} if it is not a sealed entry or not a grant record of
   *     the format this version writes. Messages never quote the entry.
   */
  public static StoredTokens open(StoredGrant entry, Aead aead) {
    requireNonNull(entry, "entry == null");
    requireNonNull(aead, "aead == null");
    GrantKey key = entry.key();
    byte[] plaintext = TokenSealer.openWith(aead, key, entry.sealed());
    try {
      return decode(key, entry.version(), plaintext);
    } catch (IOException | RuntimeException e) {
      if (e instanceof TokenStoreException tse) {
        throw tse;
      }
      // Never attach the cause: the parser may quote the plaintext, which holds tokens.
      throw new TokenStoreException(
          "grant '"
              + key
              + "' opened but its content is not a valid grant record ("
              + e.getClass().getSimpleName()
              + ")",
          Reason.CORRUPT,
          key,
          null);
    }
  }

  /** The access token's lifetime as issued. */
  public Duration lifetime() {
    return Duration.between(issuedAt, expiresAt);
  }

  /**
   * Reads the fields of {@code GrantRecord}'s JSON that this view holds with the streaming parser
   * (no data binding, so no reflection), ignoring the others.
   */
  private static StoredTokens decode(GrantKey key, long version, byte[] plaintext)
      throws IOException {
    Integer format = null;
    String grantType = null;
    String provider = null;
    String accessToken = null;
    String tokenType = null;
    Long issuedAt = null;
    Long expiresAt = null;
    boolean refreshToken = false;
    boolean reauthorizationRequired = false;
    boolean dpopKey = false;
    Set<String> scopes = new LinkedHashSet<>();
    try (JsonParser p = JSON.createParser(plaintext)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "format" -> format = p.getIntValue();
          case "grantType" -> grantType = text(p, value);
          case "provider" -> provider = text(p, value);
          case "accessToken" -> accessToken = text(p, value);
          case "tokenType" -> tokenType = text(p, value);
          case "issuedAt" -> issuedAt = p.getLongValue();
          case "expiresAt" -> expiresAt = p.getLongValue();
          case "refreshToken" -> {
            refreshToken = value == JsonToken.VALUE_STRING;
            p.skipChildren();
          }
          case "reauthorizationRequired" -> reauthorizationRequired = p.getBooleanValue();
          case "dpopKey" -> {
            dpopKey = value == JsonToken.VALUE_STRING; // only whether there is one
            p.skipChildren();
          }
          case "scopes" -> {
            if (value == JsonToken.START_ARRAY) {
              while (p.nextToken() == JsonToken.VALUE_STRING) {
                scopes.add(p.getText());
              }
            } else if (value != JsonToken.VALUE_NULL) {
              throw new IOException("scopes is not an array");
            }
          }
          default -> p.skipChildren();
        }
      }
    }
    if (format == null || format != FORMAT) {
      throw new TokenStoreException(
          "grant '" + key + "' has record format " + format + ", this version reads " + FORMAT,
          Reason.CORRUPT,
          key,
          null);
    }
    if (grantType == null
        || provider == null
        || accessToken == null
        || tokenType == null
        || issuedAt == null
        || expiresAt == null) {
      throw new IOException("a required field is missing");
    }
    return new StoredTokens(
        key,
        version,
        GrantType.valueOf(grantType),
        provider,
        AccessToken.of(accessToken),
        tokenType,
        Instant.ofEpochMilli(issuedAt),
        Instant.ofEpochMilli(expiresAt),
        scopes,
        refreshToken,
        reauthorizationRequired,
        dpopKey);
  }

  private static @Nullable String text(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw new IOException("expected a string");
    }
    return p.getText();
  }

  @Override
  public String toString() {
    return "StoredTokens[key="
        + key
        + ", version="
        + version
        + ", grantType="
        + grantType
        + ", provider="
        + provider
        + ", expiresAt="
        + expiresAt
        + ", reauthorizationRequired="
        + reauthorizationRequired
        + ", dpopBound="
        + dpopBound
        + "]";
  }
}
