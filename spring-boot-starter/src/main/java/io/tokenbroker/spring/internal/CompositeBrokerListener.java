package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Forwards broker events to every {@link BrokerListener} bean, each guarded: one that throws is
 * logged (its exception's class only, as the message could quote anything) and the others still get
 * the event.
 */
public final class CompositeBrokerListener implements BrokerListener {
  private static final Log LOG = LogFactory.getLog(CompositeBrokerListener.class);
  private final List<BrokerListener> listeners;

  public CompositeBrokerListener(List<BrokerListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(String event, Consumer<BrokerListener> call) {
    for (BrokerListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn(
            listener.getClass().getName()
                + "."
                + event
                + " threw "
                + e.getClass().getName()
                + "; ignored");
      }
    }
  }

  @Override
  public void refreshStarted(GrantKey key) {
    each("refreshStarted", l -> l.refreshStarted(key));
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    each("refreshSucceeded", l -> l.refreshSucceeded(key, expiresAt));
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    each("refreshFailed", l -> l.refreshFailed(key, failure));
  }

  @Override
  public void tokensAdopted(GrantKey key, Instant expiresAt) {
    each("tokensAdopted", l -> l.tokensAdopted(key, expiresAt));
  }

  @Override
  public void storeConflict(GrantKey key) {
    each("storeConflict", l -> l.storeConflict(key));
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    each("storeWriteFailed", l -> l.storeWriteFailed(key, failure));
  }

  @Override
  public void storeWriteRecovered(GrantKey key) {
    each("storeWriteRecovered", l -> l.storeWriteRecovered(key));
  }

  @Override
  public void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {
    each("storeEntryUnreadable", l -> l.storeEntryUnreadable(key, failure));
  }

  @Override
  public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
    each("reauthorizationRequired", l -> l.reauthorizationRequired(key, failure));
  }

  @Override
  public void keysRotated(int resealed, int failed) {
    each("keysRotated", l -> l.keysRotated(resealed, failed));
  }

  @Override
  public String toString() {
    return "CompositeBrokerListener" + listeners;
  }
}
