package io.tokenbroker.testkit;

import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.TokenStore;
import java.time.Clock;
import org.jspecify.annotations.Nullable;

/**
 * Runs the store contract against {@link InMemoryTokenStore}. Its storage is the instance itself,
 * so "two instances over the same storage" are one instance returned twice: a fresh one per test,
 * then the same one again. It cannot be damaged from outside, so the corruption tests are skipped.
 */
class InMemoryTokenStoreContractTest extends TokenStoreContract {
  private @Nullable InMemoryTokenStore shared;

  @Override
  protected TokenStore createStore(Clock clock) {
    if (shared == null) {
      shared = InMemoryTokenStore.create(clock);
    }
    return shared;
  }
}
