package io.tokenbroker.store.file;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A store that can be drained before its broker is closed: {@link #drain} refuses new leases and
 * waits until every lease it handed out is closed. A broker refreshes only under a lease, so once
 * drained no refresh is in flight and none can start, and {@code TokenBroker.close()} (which
 * interrupts refreshes in flight) cannot abandon a refresh the server already answered.
 */
final class DrainingStore implements TokenStore {
  private final TokenStore delegate;
  private boolean draining; // guarded by this
  private int held; // guarded by this

  DrainingStore(TokenStore delegate) {
    this.delegate = requireNonNull(delegate, "delegate == null");
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
  public synchronized Optional<Lease> tryAcquireLease(GrantKey key, Duration ttl) {
    if (draining) {
      return Optional.empty();
    }
    Optional<Lease> lease = delegate.tryAcquireLease(key, ttl);
    if (lease.isEmpty()) {
      return lease;
    }
    held++;
    Lease inner = lease.get();
    return Optional.of(
        new Lease() {
          private boolean closed; // guarded by DrainingStore.this

          @Override
          public GrantKey key() {
            return inner.key();
          }

          @Override
          public void close() {
            synchronized (DrainingStore.this) {
              if (closed) {
                return;
              }
              closed = true;
              try {
                inner.close();
              } finally {
                held--;
                DrainingStore.this.notifyAll();
              }
            }
          }
        });
  }

  /** Refuses new leases, then waits until none is held; returns whether that happened in time. */
  synchronized boolean drain(Duration timeout) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (held > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
