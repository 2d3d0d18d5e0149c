package io.tokenbroker.testkit;

import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.TokenStore;
import java.time.Clock;
import org.jspecify.annotations.Nullable;

/**
 * Runs the store contract through a {@link ForwardingTokenStore} over an {@link
 * InMemoryTokenStore}: every call reaches the wrapped store, also those {@link TokenStore}
 * implements by default (paging, pending consents), so a forwarding store behaves as the store it
 * wraps. Two wrappers over one in-memory store play two instances over the same storage.
 */
class ForwardingTokenStoreContractTest extends TokenStoreContract {
  private @Nullable InMemoryTokenStore shared;

  @Override
  protected TokenStore createStore(Clock clock) {
    if (shared == null) {
      shared = InMemoryTokenStore.create(clock);
    }
    return new ForwardingTokenStore(shared) {};
  }
}
