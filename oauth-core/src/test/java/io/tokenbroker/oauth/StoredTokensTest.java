package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.internal.DpopKey;
import io.tokenbroker.oauth.internal.Tink;
import io.tokenbroker.oauth.internal.TokenSealer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StoredTokensTest {
  private static final GrantKey KEY = GrantKey.of("acme/ops");
  private static final Instant ISSUED = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant EXPIRES = Instant.parse("2026-03-01T11:00:00Z");

  private final KeysetHandle keyset = Keysets.generate();
  private final TokenSealer sealer = new TokenSealer(keyset);
  private final InMemoryTokenStore store = InMemoryTokenStore.create();

  @Test
  void readsWhatTheBrokerEncodes() {
    GrantRecord record =
        record(
            new TokenSet(
                AccessToken.of("at-secret-1"),
                "Bearer",
                ISSUED,
                EXPIRES,
                RefreshToken.of("rt-secret-1"),
                Instant.parse("2026-04-01T00:00:00Z"),
                Set.of("read", "write")),
            false);
    store(record, 1);

    StoredTokens read = StoredTokens.read(store, aead(keyset), KEY).orElseThrow();

    assertEquals(KEY, read.key());
    assertEquals(1, read.version());
    assertEquals(GrantType.AUTHORIZATION_CODE, read.grantType());
    assertEquals("acme", read.provider());
    assertEquals("at-secret-1", read.accessToken().revealValue());
    assertEquals("Bearer", read.tokenType());
    assertEquals(ISSUED, read.issuedAt());
    assertEquals(EXPIRES, read.expiresAt());
    assertEquals(Set.of("read", "write"), read.scopes());
    assertTrue(read.refreshTokenPresent());
    assertFalse(read.reauthorizationRequired());
    assertEquals(3600, read.lifetime().getSeconds());
    assertFalse(read.toString().contains("secret"), read.toString());
  }

  @Test
  void reportsReauthorizationAndMissingRefreshToken() {
    GrantRecord record =
        record(
            new TokenSet(AccessToken.of("at"), "Bearer", ISSUED, EXPIRES, null, null, Set.of()),
            true);
    store(record, 1);

    StoredTokens read = StoredTokens.read(store, aead(keyset), KEY).orElseThrow();

    assertTrue(read.reauthorizationRequired());
    assertFalse(read.refreshTokenPresent());
    assertEquals(Set.of(), read.scopes());
  }

  @Test
  void emptyWhenNothingIsStored() {
    assertTrue(StoredTokens.read(store, aead(keyset), KEY).isEmpty());
  }

  @Test
  void anotherKeysetCannotOpenTheEntry() {
    store(record(tokens(), false), 1);

    TokenStoreException e =
        assertThrows(
            TokenStoreException.class,
            () -> StoredTokens.read(store, aead(Keysets.generate()), KEY));

    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, e.kind());
  }

  @Test
  void anEntryCopiedOntoAnotherKeyDoesNotOpen() {
    GrantKey other = GrantKey.of("acme/other");
    byte[] sealed = sealer.seal(KEY, record(tokens(), false).encode());
    assertTrue(put(other, 0, sealed));

    TokenStoreException e =
        assertThrows(
            TokenStoreException.class, () -> StoredTokens.read(store, aead(keyset), other));

    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, e.kind());
  }

  @Test
  void anotherRecordFormatIsCorruptAndNotQuoted() {
    byte[] plaintext = "{\"format\":2,\"accessToken\":\"at-secret-2\"}".getBytes(UTF_8);
    assertTrue(put(KEY, 0, sealer.seal(KEY, plaintext)));

    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> StoredTokens.read(store, aead(keyset), KEY));

    assertEquals(TokenStoreException.Kind.CORRUPT, e.kind());
    assertFalse(e.getMessage().contains("at-secret-2"), e.getMessage());
  }

  @Test
  void garbageInsideTheSealIsCorruptAndNotQuoted() {
    byte[] plaintext = "{\"accessToken\":\"at-secret-3\", oops".getBytes(UTF_8);
    assertTrue(put(KEY, 0, sealer.seal(KEY, plaintext)));

    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> StoredTokens.read(store, aead(keyset), KEY));

    assertEquals(TokenStoreException.Kind.CORRUPT, e.kind());
    assertFalse(e.getMessage().contains("at-secret-3"), e.getMessage());
    assertEquals(null, e.getCause());
  }

  @Test
  void anUnsealedEntryIsCorrupt() {
    assertTrue(put(KEY, 0, new byte[] {9, 9, 9}));

    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> StoredTokens.read(store, aead(keyset), KEY));

    assertEquals(TokenStoreException.Kind.CORRUPT, e.kind());
  }

  @Test
  void aGrantWithADpopKeyIsReadAsBoundWithoutDecodingTheKey() {
    DpopKey dpop = DpopKey.generate();
    GrantRecord record =
        new GrantRecord(
            GrantType.CLIENT_CREDENTIALS,
            "acme",
            "client-1",
            new TokenSet(
                AccessToken.of("at-dpop-secret"),
                "DPoP",
                ISSUED,
                EXPIRES,
                null,
                null,
                Set.of("read"),
                Set.of("https://api.example.com")),
            null,
            false,
            null,
            ISSUED,
            dpop,
            ClientAuthentication.PRIVATE_KEY_JWT,
            List.of("https://api.example.com/"),
            List.of("api"));
    store(record, 1);

    StoredTokens read = StoredTokens.read(store, aead(keyset), KEY).orElseThrow();

    assertTrue(read.dpopBound());
    assertEquals("DPoP", read.tokenType());
    assertEquals(Set.of("read"), read.scopes());
    assertFalse(read.toString().contains(dpop.toPrivateJwk()), read.toString());
    assertTrue(read.toString().contains("dpopBound=true"), read.toString());
  }

  @Test
  void newMembersSurviveEncodeAndDecode() {
    DpopKey dpop = DpopKey.generate();
    TokenSet tokens =
        new TokenSet(
            AccessToken.of("at-1"),
            "DPoP",
            ISSUED,
            EXPIRES,
            RefreshToken.of("rt-1"),
            null,
            Set.of("read"),
            Set.of("https://api.example.com"));
    GrantRecord record =
        new GrantRecord(
            GrantType.DEVICE_CODE,
            "acme",
            "client-1",
            tokens,
            null,
            false,
            null,
            ISSUED,
            dpop,
            ClientAuthentication.CLIENT_SECRET_JWT,
            List.of("https://a.example/", "https://b.example/"),
            List.of("api"));

    GrantRecord decoded = GrantRecord.decode(KEY, record.encode());

    assertEquals(dpop.thumbprint(), decoded.dpopKey().thumbprint());
    assertEquals(ClientAuthentication.CLIENT_SECRET_JWT, decoded.clientAuthentication());
    assertEquals(List.of("https://a.example/", "https://b.example/"), decoded.resources());
    assertEquals(List.of("api"), decoded.audience());
    assertEquals(tokens, decoded.tokens());
    assertEquals(GrantType.DEVICE_CODE, decoded.grantType());
    // The key is kept by the record's next versions.
    GrantRecord refreshed =
        decoded.withTokens(
            decoded
                .tokens()
                .mergeRefreshed(
                    new TokenSet(
                        AccessToken.of("at-2"),
                        "DPoP",
                        EXPIRES,
                        EXPIRES.plusSeconds(3600),
                        null,
                        null,
                        Set.of())),
            EXPIRES);
    assertEquals(dpop.thumbprint(), refreshed.dpopKey().thumbprint());
    assertEquals(RefreshToken.of("rt-1"), refreshed.tokens().refreshToken());
    assertEquals(Set.of("https://api.example.com"), refreshed.tokens().audience());
    assertEquals(
        dpop.thumbprint(),
        refreshed.markReauthorizationRequired("x", EXPIRES).dpopKey().thumbprint());
  }

  /** Exactly what the broker wrote before the DPoP key, authentication and resources were kept. */
  private static final String FORMAT_1_BEFORE_ISSUE_13 =
      "{\"format\":1,\"grantType\":\"AUTHORIZATION_CODE\",\"provider\":\"acme\","
          + "\"clientId\":\"client-1\",\"accessToken\":\"at-old-entry\",\"tokenType\":\"Bearer\","
          + "\"issuedAt\":1772359200000,\"expiresAt\":1772362800000,\"refreshToken\":\"rt-old-entry\","
          + "\"refreshTokenExpiresAt\":null,\"scopes\":[\"read\"],\"previousRefreshToken\":null,"
          + "\"reauthorizationRequired\":false,\"reauthorizationReason\":null,"
          + "\"updatedAt\":1772359200000}";

  @Test
  void entriesWrittenBeforeTheNewMembersStillOpen() {
    byte[] plaintext = FORMAT_1_BEFORE_ISSUE_13.getBytes(UTF_8);
    assertTrue(put(KEY, 0, sealer.seal(KEY, plaintext)));

    GrantRecord record = GrantRecord.decode(KEY, plaintext);
    StoredTokens read = StoredTokens.read(store, aead(keyset), KEY).orElseThrow();

    assertEquals(null, record.dpopKey());
    assertEquals(null, record.clientAuthentication());
    assertEquals(List.of(), record.resources());
    assertEquals(Set.of(), record.tokens().audience());
    assertEquals("rt-old-entry", record.tokens().refreshToken().revealValue());
    assertEquals(ISSUED, read.issuedAt());
    assertFalse(read.dpopBound());
    assertEquals("at-old-entry", read.accessToken().revealValue());
  }

  private static TokenSet tokens() {
    return new TokenSet(AccessToken.of("at"), "Bearer", ISSUED, EXPIRES, null, null, Set.of());
  }

  private static GrantRecord record(TokenSet tokens, boolean reauthorizationRequired) {
    return new GrantRecord(
        GrantType.AUTHORIZATION_CODE,
        "acme",
        "client-1",
        tokens,
        RefreshToken.of("previous-rt"),
        reauthorizationRequired,
        reauthorizationRequired ? "invalid_grant" : null,
        ISSUED);
  }

  private void store(GrantRecord record, long version) {
    byte[] sealed = sealer.seal(KEY, record.encode());
    assertTrue(put(KEY, version - 1, sealed));
  }

  /** Writes {@code sealed} over version {@code expected} under the key's lease, as core does. */
  private boolean put(GrantKey key, long expected, byte[] sealed) {
    try (TokenStore.Lease lease = store.tryAcquireLease(key, Duration.ofMinutes(1)).orElseThrow()) {
      return store.compareAndSet(lease, expected, sealed, null).isPresent();
    }
  }

  private static Aead aead(KeysetHandle keyset) {
    try {
      return keyset.getPrimitive(Tink.configuration(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
