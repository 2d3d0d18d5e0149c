package io.tokenbroker.oauth;

import java.lang.System.Logger.Level;
import org.jspecify.annotations.Nullable;

/**
 * Puts one grant's held tokens (see {@link HeldWrite}) into the store: the write under the grant's
 * lease, the background retry, the one attempt of a flush, the write after a key rotation's
 * re-seal, and the write under a new lease after the refresh's lease ran out. Whatever it writes or
 * adopts is published through its {@link Grant}; whatever fails stays held.
 */
final class HeldWriteFlusher {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());

  private final Grant grant;
  private final GrantKey key;
  private final BrokerSettings settings;
  private final HeldWrite held;

  HeldWriteFlusher(Grant grant, GrantKey key, BrokerSettings settings) {
    this.grant = grant;
    this.key = key;
    this.settings = settings;
    this.held = new HeldWrite(key, settings, this::retry);
  }

  /** The held tokens this flusher writes. */
  HeldWrite held() {
    return held;
  }

  /**
   * Writes the held tokens under {@code lease} over {@code stored}; returns the store's state
   * after. If the store holds something else (a new consent, a deletion), the held tokens are
   * dropped and the store's state is adopted.
   *
   * @throws RuntimeException if the write failed; the tokens stay held
   */
  StoredState writeHeld(TokenStore.Lease lease, HeldWrite.Write write, StoredState stored) {
    HeldWrite.Outcome outcome = held.write(lease, write, stored, grant::readStore);
    if (!outcome.written()) {
      LOG.log(
          Level.INFO,
          "tokens of ''{0}'' were replaced or removed elsewhere; dropping the" + " unwritten ones",
          key);
      held.settled(write, false);
      grant.serveStoreState(outcome.store());
      return outcome.store();
    }
    held.settled(write, true);
    grant.publish(write.record(), outcome.version());
    return outcome.store();
  }

  /**
   * After a write refused for a lost lease: takes a new lease if it is free now (without waiting)
   * and writes on top of what the store holds.
   *
   * @throws TokenStoreException {@code lost} if the lease is taken, or what the new write threw
   */
  HeldWrite.Outcome rewriteUnderNewLease(HeldWrite.Write write, TokenStoreException lost) {
    GrantLease fresh = GrantLease.tryAcquire(settings, key, grant);
    if (fresh == null) {
      throw lost;
    }
    HeldWrite.Outcome outcome;
    try {
      outcome = held.write(fresh.lease(), write, grant.readStore(), grant::readStore);
    } catch (RuntimeException e) {
      held.hold(write, e);
      held.keepLease(fresh); // nobody else may refresh from the stored, spent token meanwhile
      throw e;
    }
    fresh.release();
    return outcome;
  }

  /**
   * One attempt to write the held tokens, under a lease taken without waiting.
   *
   * @return whether nothing is held any more
   */
  boolean flushOnce() {
    HeldWrite.Write write = held.current();
    if (write == null) {
      return true;
    }
    GrantLease lease;
    try {
      lease = grant.tryLease();
    } catch (RuntimeException e) {
      held.failedAgain(e);
      return false;
    }
    if (lease == null) {
      return false; // in use (here: a refresh that writes them first; elsewhere: try again soon)
    }
    try (lease) {
      writeHeld(lease.lease(), write, grant.readStore());
    } catch (RuntimeException e) {
      held.failedAgain(e);
    }
    return held.current() == null;
  }

  /** The background retry of a held write. */
  private void retry() {
    if (grant.isClosed() || held.current() == null) {
      return;
    }
    if (grant.isRefreshing()) {
      held.scheduleRetry(); // the refresh in flight writes the held tokens first
      return;
    }
    if (!flushOnce()) {
      held.scheduleRetry();
    }
  }

  /**
   * Under the lease of a key rotation that just re-sealed (or checked) the entry: write held tokens
   * now, or serve what the store holds if it is what this broker serves.
   */
  void afterReseal(TokenStore.Lease lease, StoredState stored) {
    HeldWrite.Write write = held.current();
    if (write != null) {
      try {
        writeHeld(lease, write, stored);
      } catch (RuntimeException e) {
        held.failedAgain(e);
      }
      return;
    }
    GrantRecord record = stored.record();
    @Nullable GrantSnapshot s = grant.snapshot();
    if (record == null || s == null) {
      return;
    }
    if (record.reauthorizationRequired()) {
      grant.unpublish(); // another broker found the grant dead: stop serving it
    } else if (record.tokens().accessToken().equals(s.token)
        || new GrantSnapshot(record, stored.version(), settings)
            .isUsableAt(settings.clock.millis())) {
      grant.publish(record, stored.version());
    }
  }
}
