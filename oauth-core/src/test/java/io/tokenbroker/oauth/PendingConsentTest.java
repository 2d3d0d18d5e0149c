package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenbroker.oauth.internal.DpopKey;
import io.tokenbroker.oauth.internal.TokenSealer;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A started consent as the store keeps it: sealed, bound to its id, never printed. */
class PendingConsentTest {
  private static final String STATE = "state-5f2c9a7e1b";
  private static final String VERIFIER = "verifier-8d3e6f0a2c4b6d8e0f1a3c5e7a9b1d3f5a7c9e1b3d";
  private final TokenSealer sealer = new TokenSealer(Keysets.generate());

  private static PendingConsent consent() {
    return new PendingConsent(
        GrantKey.of("crm/customer-42"),
        "crm-app",
        STATE,
        VERIFIER,
        URI.create("https://app.example/cb"),
        Instant.parse("2026-12-07T05:00:00Z"),
        true,
        "https://login.example",
        true,
        DpopKey.generate());
  }

  @Test
  void theIdIsTheUnpaddedBase64UrlSha256OfTheState() {
    // SHA-256("abc"), RFC 6234 test vector, base64url without padding.
    assertEquals("ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0", PendingConsent.id("abc"));
  }

  @Test
  void itRoundTripsThroughTheSealAndOpensOnlyUnderItsId() {
    PendingConsent consent = consent();
    byte[] sealed = sealer.sealConsent(consent.id(), consent.encode());
    PendingConsent opened = PendingConsent.decode(sealer.openConsent(consent.id(), sealed));
    assertEquals(consent.key(), opened.key());
    assertEquals(VERIFIER, opened.codeVerifier());
    assertEquals(consent.expiresAt(), opened.expiresAt());
    assertEquals(consent.dpopKey().thumbprint(), opened.dpopKey().thumbprint());
    assertArrayEquals(consent.encode(), opened.encode());

    TokenStoreException moved =
        assertThrows(
            TokenStoreException.class,
            () -> sealer.openConsent(PendingConsent.id("another-state"), sealed));
    assertEquals(TokenStoreException.Kind.CANNOT_DECRYPT, moved.kind());
    // A grant entry is not a pending consent, nor the other way round.
    GrantKey key = GrantKey.of(consent.id());
    assertThrows(TokenStoreException.class, () -> sealer.open(key, sealed));
    byte[] grantEntry = sealer.seal(key, consent.encode());
    assertThrows(TokenStoreException.class, () -> sealer.openConsent(consent.id(), grantEntry));
  }

  @Test
  void neitherItsTextNorItsErrorsShowTheStateOrVerifier() {
    String text = consent().toString();
    assertFalse(text.contains(STATE) || text.contains(VERIFIER), text);
    TokenStoreException corrupt =
        assertThrows(
            TokenStoreException.class,
            () -> PendingConsent.decode(("{\"format\":1,\"state\":\"" + STATE).getBytes(UTF_8)));
    assertEquals(TokenStoreException.Kind.CORRUPT, corrupt.kind());
    assertFalse(corrupt.getMessage().contains(STATE), corrupt.getMessage());
  }
}
