package io.tokenbroker.oauth;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.function.Consumer;

/** Forwards events to the user's listener; a listener that throws is logged, never propagated. */
final class GuardedListener implements BrokerListener {
  private static final System.Logger LOG = System.getLogger(TokenBroker.class.getName());
  private final BrokerListener delegate;

  GuardedListener(BrokerListener delegate) {
    this.delegate = delegate;
  }

  private void guard(String event, Consumer<BrokerListener> call) {
    try {
      call.accept(delegate);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable e) {
      LOG.log(
          Level.WARNING,
          "BrokerListener." + event + " threw " + e.getClass().getName() + "; ignored");
    }
  }

  @Override
  public void refreshStarted(GrantKey key) {
    LOG.log(Level.DEBUG, "refreshing ''{0}''", key);
    guard("refreshStarted", l -> l.refreshStarted(key));
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    LOG.log(Level.DEBUG, "refreshed ''{0}'', expires {1}", key, expiresAt);
    guard("refreshSucceeded", l -> l.refreshSucceeded(key, expiresAt));
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    LOG.log(Level.INFO, "obtaining a token for ''{0}'' failed: {1}", key, failure.getMessage());
    guard("refreshFailed", l -> l.refreshFailed(key, failure));
  }

  @Override
  public void tokensAdopted(GrantKey key, Instant expiresAt) {
    LOG.log(Level.DEBUG, "adopted tokens of ''{0}'' refreshed elsewhere", key);
    guard("tokensAdopted", l -> l.tokensAdopted(key, expiresAt));
  }

  @Override
  public void storeConflict(GrantKey key) {
    LOG.log(Level.INFO, "store write conflict on ''{0}''", key);
    guard("storeConflict", l -> l.storeConflict(key));
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    LOG.log(
        Level.WARNING,
        "new tokens of ''{0}'' could not be written to the store ({1}); holding them in memory"
            + " and retrying",
        key,
        failure.getMessage());
    guard("storeWriteFailed", l -> l.storeWriteFailed(key, failure));
  }

  @Override
  public void storeWriteRecovered(GrantKey key) {
    LOG.log(Level.INFO, "new tokens of ''{0}'' are now persisted", key);
    guard("storeWriteRecovered", l -> l.storeWriteRecovered(key));
  }

  @Override
  public void storeWriteAbandoned(GrantKey key, TokenStoreException lastFailure) {
    LOG.log(
        Level.ERROR,
        "closing with new tokens of ''{0}'' that the store never accepted ({1}); if the provider"
            + " rotated the refresh token, the stored grant needs a new consent",
        key,
        lastFailure.getMessage());
    guard("storeWriteAbandoned", l -> l.storeWriteAbandoned(key, lastFailure));
  }

  @Override
  public void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {
    LOG.log(Level.ERROR, "store entry of ''{0}'' is unreadable: {1}", key, failure.getMessage());
    guard("storeEntryUnreadable", l -> l.storeEntryUnreadable(key, failure));
  }

  @Override
  public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
    LOG.log(Level.WARNING, failure.getMessage());
    guard("reauthorizationRequired", l -> l.reauthorizationRequired(key, failure));
  }

  @Override
  public void keysRotated(int resealed, int failed) {
    LOG.log(
        Level.INFO,
        "re-sealed {0} grants under the new primary key ({1} failed)",
        resealed,
        failed);
    guard("keysRotated", l -> l.keysRotated(resealed, failed));
  }
}
