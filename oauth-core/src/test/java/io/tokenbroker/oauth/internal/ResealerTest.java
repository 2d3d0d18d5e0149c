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

    Resealer.Result result = Resealer.resealAll(store, rotatedSealer, rotatedSealer);

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

    Resealer.Result again = Resealer.resealAll(store, rotatedSealer, rotatedSealer);
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
    store.compareAndSet(0, new StoredGrant(damaged, 1, new byte[] {1, 2, 3}, null));
    // Bytes sealed for "good" copied onto another key.
    store.compareAndSet(
        0, new StoredGrant(moved, 1, store.load(good).orElseThrow().sealed(), null));
    // Bytes sealed for "good" under the new primary key, copied onto another key.
    GrantKey movedCurrent = GrantKey.of("moved-current");
    store.compareAndSet(
        0,
        new StoredGrant(
            movedCurrent, 1, rotatedSealer.seal(good, "token-good".getBytes(UTF_8)), null));
    StoredGrant foreignBefore = store.load(foreign).orElseThrow();
    StoredGrant damagedBefore = store.load(damaged).orElseThrow();
    StoredGrant movedBefore = store.load(moved).orElseThrow();

    Resealer.Result result = Resealer.resealAll(store, rotatedSealer, rotatedSealer);

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

    Resealer.Result result = Resealer.resealAll(store, originalSealer, fresh);

    assertEquals(1, result.resealed());
    assertEquals("token", open(fresh, key));
  }

  @Test
  void concurrentWriteIsNeverOverwrittenWithStaleContent() {
    GrantKey key = GrantKey.of("busy");
    put(key, originalSealer, "token-v1");
    TokenSealer rotatedSealer = new TokenSealer(Keysets.rotate(original));
    // A broker refreshes the grant (still with the old keyset) just before the re-sealer writes.
    TokenStore racing =
        new ForwardingStore(store) {
          boolean raced;

          @Override
          public boolean compareAndSet(long expectedVersion, StoredGrant grant) {
            if (!raced) {
              raced = true;
              StoredGrant current = store.load(key).orElseThrow();
              byte[] refreshed = originalSealer.seal(key, "token-v2".getBytes(UTF_8));
              assertTrue(
                  store.compareAndSet(
                      current.version(),
                      new StoredGrant(key, current.version() + 1, refreshed, EXPIRES)));
            }
            return super.compareAndSet(expectedVersion, grant);
          }
        };

    Resealer.Result result = Resealer.resealAll(racing, rotatedSealer, rotatedSealer);

    assertEquals(1, result.resealed());
    StoredGrant stored = store.load(key).orElseThrow();
    assertEquals(3, stored.version(), "v1, the broker's v2, then the re-sealed v2");
    assertEquals("token-v2", open(rotatedSealer, key));
    assertTrue(rotatedSealer.isSealedWithPrimary(stored.sealed()));
  }

  @Test
  void grantThatKeepsChangingIsReportedNotLooping() {
    GrantKey key = GrantKey.of("hot");
    put(key, originalSealer, "token");
    TokenSealer rotatedSealer = new TokenSealer(Keysets.rotate(original));
    TokenStore alwaysLosing =
        new ForwardingStore(store) {
          @Override
          public boolean compareAndSet(long expectedVersion, StoredGrant grant) {
            return false;
          }
        };

    Resealer.Result result = Resealer.resealAll(alwaysLosing, rotatedSealer, rotatedSealer);

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
    Resealer.Result result = Resealer.resealAll(listsAGhost, originalSealer, originalSealer);
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
        assertThrows(
            TokenStoreException.class,
            () -> Resealer.resealAll(down, originalSealer, originalSealer));
    assertEquals(Kind.UNAVAILABLE, e.kind());
  }

  private void put(GrantKey key, TokenSealer sealer, String plaintext) {
    assertTrue(
        store.compareAndSet(
            0, new StoredGrant(key, 1, sealer.seal(key, plaintext.getBytes(UTF_8)), EXPIRES)));
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
    public boolean compareAndSet(long expectedVersion, StoredGrant grant) {
      return delegate.compareAndSet(expectedVersion, grant);
    }

    @Override
    public boolean delete(GrantKey key) {
      return delegate.delete(key);
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
