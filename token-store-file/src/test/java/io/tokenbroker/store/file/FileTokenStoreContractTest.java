package io.tokenbroker.store.file;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.testkit.TokenStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared store contract on {@link FileTokenStore}: each {@link #createStore} call opens a new
 * store instance over the same directory, as a second process would.
 */
class FileTokenStoreContractTest extends TokenStoreContract {
  @TempDir Path tempDir;

  @Override
  protected TokenStore createStore(Clock clock) {
    return FileTokenStore.builder(tempDir.resolve("tokens")).clock(clock).build();
  }

  /** Flips one byte inside the sealed payload: the checksum no longer matches. */
  @Override
  protected void corruptEntry(GrantKey key) {
    Path entry = entryPath(key);
    try {
      byte[] bytes = Files.readAllBytes(entry);
      bytes[bytes.length - 6] ^= 0x40;
      Files.write(entry, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected void copyEntry(GrantKey from, GrantKey to) {
    try {
      Files.copy(entryPath(from), entryPath(to), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path entryPath(GrantKey key) {
    return tempDir.resolve("tokens").resolve(FileNames.entry(FileNames.hash(key)));
  }
}
