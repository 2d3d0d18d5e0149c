package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.oauth.TokenStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link BrokerListener} that records every event as a short line (as OkHttp's {@code
 * RecordingEventListener}), for assertions: {@code "refreshStarted fake/user"}, {@code
 * "refreshFailed fake/user TransientTokenException"}, {@code "storeEntryUnreadable fake/user
 * DAMAGED"}, {@code "keysRotated 3 0"}. The first word is the event's name, the method's name.
 *
 * <pre>{@code
 * RecordingBrokerListener events = new RecordingBrokerListener();
 * TokenBroker broker = TokenBroker.builder().listener(events).build();
 * ...
 * events.await("refreshSucceeded", 1, Duration.ofSeconds(10));
 * assertEquals(1, events.count("refreshStarted"));
 * }</pre>
 *
 * <p>Thread-safe: the broker calls it on its own threads. Events carry no secret (the broker's
 * contract), so neither do the lines.
 */
public final class RecordingBrokerListener implements BrokerListener {
  /** The name of every event this listener records, in {@link BrokerListener}'s order. */
  public static final List<String> EVENT_NAMES =
      List.of(
          "refreshStarted",
          "refreshSucceeded",
          "refreshFailed",
          "tokensAdopted",
          "storeConflict",
          "storeWriteFailed",
          "storeWriteRecovered",
          "storeWriteAbandoned",
          "storeEntryUnreadable",
          "reauthorizationRequired",
          "keysRotated");

  private final List<String> events = new ArrayList<>();

  /** A listener that has recorded nothing yet. */
  public RecordingBrokerListener() {}

  private synchronized void add(String event) {
    events.add(event);
    notifyAll();
  }

  /** Every event so far, oldest first. */
  public synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** How many events named {@code name} (e.g. {@code "refreshStarted"}) were recorded. */
  public synchronized long count(String name) {
    requireNonNull(name, "name == null");
    return events.stream().filter(e -> name(e).equals(name)).count();
  }

  /** The count of every event name of {@link #EVENT_NAMES}, zeros included, sorted by name. */
  public synchronized Map<String, Long> counts() {
    Map<String, Long> counts = new TreeMap<>();
    for (String name : EVENT_NAMES) {
      counts.put(name, 0L);
    }
    for (String event : events) {
      counts.merge(name(event), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * Waits until at least {@code atLeast} events named {@code name} were recorded.
   *
   * @throws AssertionError if they are not within {@code timeout}; the message lists the events
   */
  public synchronized void await(String name, int atLeast, Duration timeout)
      throws InterruptedException {
    requireNonNull(name, "name == null");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count(name) < atLeast) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "fewer than " + atLeast + " " + name + " events within " + timeout + ": " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Forgets every event recorded so far. */
  public synchronized void clear() {
    events.clear();
  }

  private static String name(String event) {
    int space = event.indexOf(' ');
    return space < 0 ? event : event.substring(0, space);
  }

  @Override
  public void refreshStarted(GrantKey key) {
    add("refreshStarted " + key);
  }

  @Override
  public void refreshSucceeded(GrantKey key, Instant expiresAt) {
    add("refreshSucceeded " + key);
  }

  @Override
  public void refreshFailed(GrantKey key, TokenBrokerException failure) {
    add("refreshFailed " + key + " " + failure.getClass().getSimpleName());
  }

  @Override
  public void tokensAdopted(GrantKey key, Instant expiresAt) {
    add("tokensAdopted " + key);
  }

  @Override
  public void storeConflict(GrantKey key) {
    add("storeConflict " + key);
  }

  @Override
  public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
    add("storeWriteFailed " + key);
  }

  @Override
  public void storeWriteRecovered(GrantKey key) {
    add("storeWriteRecovered " + key);
  }

  @Override
  public void storeWriteAbandoned(GrantKey key, TokenStoreException lastFailure) {
    add("storeWriteAbandoned " + key + " " + lastFailure.kind());
  }

  @Override
  public void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {
    add("storeEntryUnreadable " + key + " " + failure.kind());
  }

  @Override
  public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
    add("reauthorizationRequired " + key);
  }

  @Override
  public void keysRotated(int resealed, int failed) {
    add("keysRotated " + resealed + " " + failed);
  }

  @Override
  public synchronized String toString() {
    return "RecordingBrokerListener" + events;
  }
}
