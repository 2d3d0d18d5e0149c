package io.tokenbroker.examples;

import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the broker's calls to token endpoints; the examples print it. Thread-safe. */
final class TokenEndpointCallCounter implements BrokerListener {
  private final AtomicInteger started = new AtomicInteger();

  @Override
  public void refreshStarted(GrantKey key) {
    started.incrementAndGet();
  }

  int count() {
    return started.get();
  }
}
