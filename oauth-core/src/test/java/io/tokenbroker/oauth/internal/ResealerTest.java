package io.tokenbroker.oauth.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResealerTest {
  private static final Instant EXPIRES = Instant.parse("2026-03-01T10:00:00Z");

  private final InMemoryTokenStore store = InMemoryTokenStore.create();
  private final KeysetHandle original = Keysets.generate();
  private final TokenSealer originalSealer = new TokenSealer(original);

  @Test
  void fullRotationResealsEverythingAndOldKeysCanBeRetired() {
    for (int i = 0; i < 5; i++) {
      put(GrantKey.of("grant-" + i), originalSealer, "token-" + i);
    }
    KeysetHandle rotated = Keysets.rotate(original);
    TokenSealer rotatedSealer = new TokenSealer(rotated);
    // Written by a broker that already uses the rotated keyset.
    put(GrantKey.of("grant-new"), rotatedSealer, "token-new");
    // Entries under the old primary keep opening with the rotated keyset.
    for (int i = 0; i < 5; i++) {
      assertEquals("token-" + i, open(rotatedSealer, GrantKey.of("grant-" + i)));
    }

    Resealer.Result result = reseal(store, rotatedSealer, rotatedSealer);

    assertEquals(5, result.resealed());
    assertEquals(1, result.alreadyCurrent());
    assertEquals(Map.of(), result.failed());
    assertTrue(result.complete());
    for (int i = 0; i < 5; i++) {
      StoredGrant grant = store.load(GrantKey.of("grant-" + i)).orElseThrow();
      assertEquals(2, grant.version(), "one compare-and-set per entry");
      assertEquals(EXPIRES, grant.expiresAt(), "metadata kept");
      assertTrue(rotatedSealer.isSealedWithPrimary(grant.sealed()));
    }
    assertEquals(1, store.load(GrantKey.of("grant-new")).orElseThrow().version(), "not rewritten");

    TokenSealer retiredSealer = new TokenSealer(Keysets.retireOldKeys(rotated));
    for (int i = 0; i < 5; i++) {
      assertEquals("token-" + i, open(retiredSealer, GrantKey.of("grant-" + i)));
    }
    assertEquals("token-new", open(retiredSealer, GrantKey.of("grant-new")));

    Resealer.Result again = reseal(store, rotatedSealer, rotatedSealer);
    assertEquals(0, again.resealed());
    assertEquals(6, again.alreadyCurrent());
  }

  @Test
  void entryNotResealedFailsClearlyAfterRetirement() {
    GrantKey straggler = GrantKey.of("straggler");
    byte[] old = originalSealer.seal(straggler, "token".getBytes(UTF_8));
    KeysetHandle retired = Keysets.retireOldKeys(Keysets.rotate(original));

    TokenStoreException e =
        assertThrows(
            TokenStoreException.class, () -> new TokenSealer(retired).open(straggler, old));

    assertEquals(Kind.CANNOT_DECRYPT, e.kind());
    String message = e.getMessage();
    assertTrue(message.contains("grant 'straggler'"), message);
    assertTrue(
        message.contains(
            "key id " + Integer.toUnsignedString(original.getPrimary().getId()) + ", which is not"),
        message);
    assertTrue(message.contains("retired before the entry was re-sealed"), message);
  }

  @Test
  void unopenableEntriesAreSkippedReportedAndKept() {
    KeysetHandle rotated = Keysets.rotate(original);
    TokenSealer rotatedSealer = new TokenSealer(rotated);
    GrantKey good = GrantKey.of("good");
    GrantKey foreign = GrantKey.of("foreign");
    GrantKey damaged = GrantKey.of("damaged");
    GrantKey moved = GrantKey.of("moved");
    put(good, originalSealer, "token-good");
    put(foreign, new TokenSealer(Keysets.generate()), "token-foreign");
    write(damaged, new byte[] {1, 2, 3});
    // Bytes sealed for "good" copied onto another key.
    write(moved, store.load(good).orElseThrow().sealed());
    // Bytes sealed for "good" under the new primary key, copied onto another key.
    GrantKey movedCurrent = GrantKey.of("moved-current");
    write(movedCurrent, rotatedSealer.seal(good, "token-good".getBytes(UTF_8)));
    StoredGrant foreignBefore = store.load(foreign).orElseThrow();
    StoredGrant damagedBefore = store.load(damaged).orElseThrow();
    StoredGrant movedBefore = store.load(moved).orElseThrow();

    Resealer.Result result = reseal(store, rotatedSealer, rotatedSealer);

    assertEquals(1, result.resealed());
    assertEquals(0, result.alreadyCurrent());
    assertEquals(Set.of(foreign, damaged, moved, movedCurrent), result.failed().keySet());
    assertEquals(Kind.CANNOT_DECRYPT, result.failed().get(movedCurrent).kind());
    assertEquals(Kind.CANNOT_DECRYPT, result.failed().get(foreign).kind());
    assertEquals(Kind.CORRUPT, result.failed().get(damaged).kind());
    assertEquals(Kind.CANNOT_DECRYPT, result.failed().get(moved).kind());
    assertFalse(result.complete());
    assertEquals(
        List.of(damaged, foreign, moved, movedCurrent), List.copyOf(result.failed().keySet()));
    assertEquals(foreignBefore, store.load(foreign).orElseThrow(), "never overwritten");
    assertEquals(damagedBefore, store.load(damaged).orElseThrow(), "never overwritten");
    assertEquals(movedBefore, store.load(moved).orElseThrow(), "never overwritten");
    assertTrue(
        result.toString().contains("failed=[damaged, foreign, moved, moved-current]"),
        result.toString());
  }

  @Test
  void separateFromAndToSealersWork() {
    GrantKey key = GrantKey.of("k");
    put(key, originalSealer, "token");
    TokenSealer fresh = new TokenSealer(Keysets.generate());

    Resealer.Result result = reseal(store, originalSealer, fresh);

    assertEquals(1, result.resealed());
    assertEquals("token", open(fresh, key));
  }

  @Test
  void eachEntryIsResealedUnderItsLeaseAndShownToTheVisitorStillUnderIt() {
    GrantKey key = GrantKey.of("busy");
    put(key, originalSealer, "token-v1");
    TokenSealer rotatedSealer = new TokenSealer(Keysets.rotate(original));
    List<Long> visited = new java.util.ArrayList<>();

    Resealer.Result result =
        Resealer.resealAll(
            store,
            rotatedSealer,
            rotatedSealer,
            k -> leased(store, k),
            (lease, entry) -> {
              assertEquals(key, lease.key());
              assertEquals(
                  Optional.empty(),
                  store.tryAcquireLease(key, Duration.ofMinutes(1)),
                  "the visitor runs while the lease is held");
              assertTrue(rotatedSealer.isSealedWithPrimary(entry.sealed()));
              visited.add(entry.version());
            });

    assertEquals(1, result.resealed());
    StoredGrant stored = store.load(key).orElseThrow();
    assertEquals(List.of(stored.version()), visited);
    assertEquals("token-v1", open(rotatedSealer, key));
    assertTrue(store.tryAcquireLease(key, Duration.ofMinutes(1)).isPresent(), "released after");
  }

  @Test
  void aGrantThatStaysLeasedElsewhereIsReportedAndLeftAlone() {
    GrantKey key = GrantKey.of("leased");
    put(key, originalSealer, "token");
    StoredGrant before = store.load(key).orElseThrow();
    TokenSealer rotatedSealer = new TokenSealer(Keysets.rotate(original));

    Resealer.Result result =
        Resealer.resealAll(store, rotatedSealer, rotatedSealer, k -> null, Resealer.Visitor.NONE);

    assertEquals(Set.of(key), result.failed().keySet());
    assertEquals(Kind.UNAVAILABLE, result.failed().get(key).kind());
    assertTrue(result.failed().get(key).getMessage().contains("leased"));
    assertEquals(before, store.load(key).orElseThrow());
  }

  @Test
  void grantThatKeepsChangingIsReportedNotLooping() {
    GrantKey key = GrantKey.of("hot");
    put(key, originalSealer, "token");
    TokenSealer rotatedSealer = new TokenSealer(Keysets.rotate(original));
    TokenStore alwaysLosing =
        new ForwardingStore(store) {
          @Override
          public OptionalLong compareAndSet(
              Lease lease, long expectedVersion, byte[] sealed, Instant expiresAt) {
            return OptionalLong.empty();
          }
        };

    Resealer.Result result = reseal(alwaysLosing, rotatedSealer, rotatedSealer);

    assertEquals(Set.of(key), result.failed().keySet());
    assertEquals(Kind.UNAVAILABLE, result.failed().get(key).kind());
    assertEquals(1, store.load(key).orElseThrow().version());
  }

  @Test
  void deletedMeanwhileIsIgnoredAndUnavailableStoreAborts() {
    GrantKey key = GrantKey.of("gone");
    TokenStore listsAGhost =
        new ForwardingStore(store) {
          @Override
          public List<GrantKey> list() {
            return List.of(key);
          }
        };
    Resealer.Result result = reseal(listsAGhost, originalSealer, originalSealer);
    assertEquals(new Resealer.Result(0, 0, Map.of()), result);

    TokenStore down =
        new ForwardingStore(store) {
          @Override
          public Optional<StoredGrant> load(GrantKey k) {
            throw new TokenStoreException("down", Kind.UNAVAILABLE, k, null);
          }
        };
    put(key, originalSealer, "token");
    TokenStoreException e =
        assertThrows(TokenStoreException.class, () -> reseal(down, originalSealer, originalSealer));
    assertEquals(Kind.UNAVAILABLE, e.kind());
  }

  private static Resealer.Result reseal(TokenStore target, TokenSealer from, TokenSealer to) {
    return Resealer.resealAll(target, from, to, key -> leased(target, key), Resealer.Visitor.NONE);
  }

  private static Resealer.Leased leased(TokenStore target, GrantKey key) {
    TokenStore.Lease lease = target.tryAcquireLease(key, Duration.ofMinutes(1)).orElse(null);
    if (lease == null) {
      return null;
    }
    return new Resealer.Leased() {
      @Override
      public TokenStore.Lease lease() {
        return lease;
      }

      @Override
      public void close() {
        lease.close();
      }
    };
  }

  private void put(GrantKey key, TokenSealer sealer, String plaintext) {
    write(key, sealer.seal(key, plaintext.getBytes(UTF_8)));
  }

  private void write(GrantKey key, byte[] sealed) {
    try (TokenStore.Lease lease = store.tryAcquireLease(key, Duration.ofMinutes(1)).orElseThrow()) {
      assertTrue(store.compareAndSet(lease, 0, sealed, EXPIRES).isPresent());
    }
  }

  private String open(TokenSealer sealer, GrantKey key) {
    return new String(sealer.open(key, store.load(key).orElseThrow().sealed()), UTF_8);
  }

  /** A store that forwards to another; tests override single methods to inject races. */
  private static class ForwardingStore implements TokenStore {
    private final TokenStore delegate;

    ForwardingStore(TokenStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<StoredGrant> load(GrantKey key) {
      return delegate.load(key);
    }

    @Override
    public OptionalLong compareAndSet(
        Lease lease, long expectedVersion, byte[] sealed, Instant expiresAt) {
      return delegate.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    }

    @Override
    public boolean delete(Lease lease) {
      return delegate.delete(lease);
    }

    @Override
    public List<GrantKey> list() {
      return delegate.list();
    }

    @Override
    public Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
      return delegate.tryAcquireLease(key, ttl);
    }
  }
}
