package io.tokenbroker.store.file;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.testkit.ForwardingTokenStore;
import io.tokenbroker.testkit.RefreshLoop;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * A child JVM for {@link UnwritableDirectoryRefreshTest}: {@link RefreshLoop} over a {@link
 * FileTokenStore} whose directory the test makes unwritable now and then.
 *
 * <p>Arguments: store directory, keyset file, grant key, token endpoint, client id, run time in ms,
 * and a marker file or {@code -}. With a marker file, the directory's writability is injected:
 * while the marker exists, every write the store would make in the directory fails as a read-only
 * directory fails it (the test runs where it cannot make the directory unwritable for real). The
 * client secret comes from {@value #SECRET_VARIABLE}.
 */
public final class UnwritableLoopChild {
  static final String SECRET_VARIABLE = "TOKENBROKER_TEST_CLIENT_SECRET";

  private UnwritableLoopChild() {}

  public static void main(String[] args) throws Exception {
    TokenStore store = FileTokenStore.create(Path.of(args[0]));
    if (!args[6].equals("-")) {
      store = new InjectedUnwritable(store, Path.of(args[6]));
    }
    RefreshLoop.serve(
        store,
        Keysets.fromFile(Path.of(args[1])),
        GrantKey.of(args[2]),
        URI.create(args[3]),
        args[4],
        System.getenv(SECRET_VARIABLE),
        Duration.ofMillis(Long.parseLong(args[5])));
    System.exit(0);
  }

  /**
   * The writes of an unwritable directory fail while the marker exists: entries cannot be replaced
   * or removed. Leases still work, as they do in a real read-only directory once the lease files
   * exist (they are written in place).
   */
  private static final class InjectedUnwritable extends ForwardingTokenStore {
    private final Path marker;

    InjectedUnwritable(TokenStore store, Path marker) {
      super(store);
      this.marker = marker;
    }

    private void check(Lease lease) {
      if (Files.exists(marker)) {
        throw new TokenStoreException(
            "file token store: could not write grant '"
                + lease.key().value()
                + "' (injected: the directory is not writable)",
            TokenStoreException.Kind.UNAVAILABLE,
            lease.key(),
            null);
      }
    }

    @Override
    public OptionalLong compareAndSet(
        Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
      check(lease);
      return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    }

    @Override
    public boolean delete(Lease lease) {
      check(lease);
      return super.delete(lease);
    }
  }
}
