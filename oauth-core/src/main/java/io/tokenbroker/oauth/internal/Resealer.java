package io.tokenbroker.oauth.internal;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Re-seals every stored grant under a new primary key, the middle step of a key rotation (see
 * {@code Keysets}).
 *
 * <p>Each entry is re-sealed under its grant's lease, like any other write: loaded, opened with
 * {@code from} and, failing that, with {@code to}, sealed with {@code to}'s primary key and written
 * back with the fenced {@link TokenStore#compareAndSet}, so no refresh runs between the read and
 * the write and a concurrent write is never overwritten with stale content. Entries already sealed
 * with {@code to}'s primary key (and open) are left alone. An entry that cannot be opened, loaded
 * or leased is skipped, kept as is, and reported in {@link Result#failed()}; do not retire old keys
 * while there are failures. Still under the lease, the {@link Visitor} sees each entry as it now
 * is, so a broker can bring its own state in line (write tokens it holds, stop serving a grant
 * marked dead) before anyone else can change the entry.
 *
 * <p>Stateless and thread-safe; safe to run while brokers use the store.
 */
public final class Resealer {
  private static final System.Logger LOG = System.getLogger(Resealer.class.getName());

  /** How often one grant is re-loaded after losing a compare-and-set before giving up on it. */
  static final int MAX_ATTEMPTS = 16;

  private Resealer() {}

  /** A taken lease; closing gives it back (its owner may keep it, or releases it). */
  public interface Leased extends AutoCloseable {
    TokenStore.Lease lease();

    @Override
    void close();
  }

  /** Takes a grant's lease, waiting a bounded time; null if it stays busy. */
  @FunctionalInterface
  public interface LeaseTaker {
    @Nullable Leased take(GrantKey key);
  }

  /** Sees each entry as it is after its re-seal (or check), still under its lease. */
  @FunctionalInterface
  public interface Visitor {
    void visit(TokenStore.Lease lease, StoredGrant entry);

    /** Does nothing. */
    Visitor NONE = (lease, entry) -> {};
  }

  /**
   * The outcome of {@link #resealAll}.
   *
   * @param resealed entries written back sealed with the new primary key
   * @param alreadyCurrent entries that were already sealed with the new primary key
   * @param failed entries left untouched because they could not be loaded, opened or written, with
   *     the reason; sorted by key
   */
  public record Result(
      int resealed, int alreadyCurrent, Map<GrantKey, TokenStoreException> failed) {
    public Result {
      requireNonNull(failed, "failed == null");
      failed = Collections.unmodifiableMap(new TreeMap<>(failed));
    }

    /** Whether every stored entry is now sealed with the new primary key. */
    public boolean complete() {
      return failed.isEmpty();
    }

    @Override
    public String toString() {
      return "Result[resealed="
          + resealed
          + ", alreadyCurrent="
          + alreadyCurrent
          + ", failed="
          + failed.keySet()
          + "]";
    }
  }

  /**
   * Re-seals every grant in {@code store} with {@code to}'s primary key.
   *
   * @param from a sealer that opens the existing entries (usually the rotated keyset, which holds
   *     the old keys and the new one)
   * @param to the sealer whose primary key the entries end up under
   * @param leases takes each grant's lease
   * @param visitor sees each entry after its re-seal, under the lease
   * @throws TokenStoreException if the store is unavailable (listing, or a transient failure while
   *     loading or writing); entries written so far stay re-sealed and a new run resumes
   */
  public static Result resealAll(
      TokenStore store, TokenSealer from, TokenSealer to, LeaseTaker leases, Visitor visitor) {
    requireNonNull(store, "store == null");
    requireNonNull(from, "from == null");
    requireNonNull(to, "to == null");
    requireNonNull(leases, "leases == null");
    requireNonNull(visitor, "visitor == null");
    int resealed = 0;
    int alreadyCurrent = 0;
    Map<GrantKey, TokenStoreException> failed = new TreeMap<>();
    for (GrantKey key : store.list()) {
      try {
        switch (resealOne(store, key, from, to, leases, visitor)) {
          case RESEALED -> resealed++;
          case ALREADY_CURRENT -> alreadyCurrent++;
          case GONE -> {}
          case BUSY -> {
            TokenStoreException e =
                new TokenStoreException(
                    "grant '" + key + "' stayed leased by another broker; run the re-seal again",
                    Kind.UNAVAILABLE,
                    key,
                    null);
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            failed.put(key, e);
          }
          case CONTENDED -> {
            TokenStoreException e =
                new TokenStoreException(
                    "grant '"
                        + key
                        + "' changed "
                        + MAX_ATTEMPTS
                        + " times while being re-sealed; run the re-seal again",
                    Kind.UNAVAILABLE,
                    key,
                    null);
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
            failed.put(key, e);
          }
        }
      } catch (TokenStoreException e) {
        if (e.isTransient()) {
          throw e;
        }
        LOG.log(System.Logger.Level.WARNING, "not re-sealing grant {0}: {1}", key, e.getMessage());
        failed.put(key, e);
      }
    }
    Result result = new Result(resealed, alreadyCurrent, failed);
    LOG.log(
        failed.isEmpty() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
        "re-sealed grants under primary key id {0}: {1}",
        Integer.toUnsignedString(to.primaryKeyId()),
        result);
    return result;
  }

  private enum Outcome {
    RESEALED,
    ALREADY_CURRENT,
    GONE,
    BUSY,
    CONTENDED
  }

  private static Outcome resealOne(
      TokenStore store,
      GrantKey key,
      TokenSealer from,
      TokenSealer to,
      LeaseTaker leases,
      Visitor visitor) {
    Leased leased = leases.take(key);
    if (leased == null) {
      return Outcome.BUSY;
    }
    try (leased) {
      TokenStore.Lease lease = leased.lease();
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        Optional<StoredGrant> loaded = store.load(key);
        if (loaded.isEmpty()) {
          return Outcome.GONE;
        }
        StoredGrant current = loaded.get();
        byte[] sealed = current.sealed();
        if (to.isSealedWithPrimary(sealed)) {
          // Still verified, so that an entry that cannot be opened is reported, not counted.
          Arrays.fill(to.open(key, sealed), (byte) 0);
          visitor.visit(lease, current);
          return Outcome.ALREADY_CURRENT;
        }
        byte[] plaintext = open(key, sealed, from, to);
        byte[] resealed;
        try {
          resealed = to.seal(key, plaintext);
        } finally {
          Arrays.fill(plaintext, (byte) 0);
        }
        OptionalLong written =
            store.compareAndSet(lease, current.version(), resealed, current.expiresAt());
        if (written.isPresent()) {
          visitor.visit(
              lease, new StoredGrant(key, written.getAsLong(), resealed, current.expiresAt()));
          return Outcome.RESEALED;
        }
      }
      return Outcome.CONTENDED;
    }
  }

  private static byte[] open(GrantKey key, byte[] sealed, TokenSealer from, TokenSealer to) {
    try {
      return from.open(key, sealed);
    } catch (TokenStoreException e) {
      if (e.kind() != Kind.CANNOT_DECRYPT || from == to) {
        throw e;
      }
      try {
        return to.open(key, sealed);
      } catch (TokenStoreException ignored) {
        throw e;
      }
    }
  }
}
