package io.tokenbroker.oauth;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records broker events as short strings, e.g. {@code "refreshSucceeded key"}. */
final class RecordingListener implements BrokerListener {
  final List<String> events = new CopyOnWriteArrayList<>();

  long count(String event) {
    return events.stream().filter(e -> e.startsWith(event + " ")).count();
  }

  @Override
  public void refreshStarted(GrantKey key) {
    events.add("refreshStarted " + key);
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    events.add("refreshSucceeded " + key);
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    events.add("refreshFailed " + key + " " + failure.getClass().getSimpleName());
  }

  @Override
  public void tokensAdopted(GrantKey key, Instant expiresAt) {
    events.add("tokensAdopted " + key);
  }

  @Override
  public void storeConflict(GrantKey key) {
    events.add("storeConflict " + key);
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    events.add("storeWriteFailed " + key);
  }

  @Override
  public void storeWriteRecovered(GrantKey key) {
    events.add("storeWriteRecovered " + key);
  }

  @Override
  public void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {
    events.add("storeEntryUnreadable " + key + " " + failure.reason());
  }

  @Override
  public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
    events.add("reauthorizationRequired " + key);
  }

  @Override
  public void keysRotated(int resealed, int failed) {
    events.add("keysRotated " + resealed + " " + failed);
  }
}
