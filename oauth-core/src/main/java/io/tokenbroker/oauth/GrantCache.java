package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The grants a broker holds in memory: those registered one by one (never evicted) and the template
 * grants a Caffeine cache bounds, loaded from the store on a miss. A template grant that is busy
 * when the cache evicts it (a refresh in flight, tokens held unwritten) is kept aside until it is
 * idle, so that no held token is dropped from memory. Thread-safe.
 */
final class GrantCache {

  private final BrokerSettings settings;
  private final ClientTemplates templates;
  private final BooleanSupplier closed;

  /**
   * Every grant in memory, looked up by the hot path: those registered one by one ({@code
   * template() == null}, never evicted) and the template grants the cache holds or keeps aside.
   */
  private final ConcurrentMap<GrantKey, Grant> grants = new ConcurrentHashMap<>();

  /**
   * The eviction policy of template grants: bounded, expiring when idle. A template grant is in
   * {@link #grants} while it is here or {@link #pinned}; the hot path touches it here at most once
   * per {@link #touchIntervalMillis}, so a hit costs one map lookup like a registered grant's.
   */
  private final Cache<GrantKey, Grant> cached;

  /** Template grants the cache evicted while busy (a refresh, held tokens): kept until idle. */
  private final ConcurrentMap<GrantKey, Grant> pinned = new ConcurrentHashMap<>();

  private final long touchIntervalMillis;

  /**
   * @param closed whether the broker is closed (no grant is loaded then)
   */
  GrantCache(
      BrokerSettings settings,
      ClientTemplates templates,
      long maxCachedGrants,
      @Nullable Duration expireIdleGrantsAfter,
      BooleanSupplier closed) {
    this.settings = settings;
    this.templates = templates;
    this.closed = closed;
    Clock clock = settings.clock;
    Caffeine<Object, Object> cache =
        Caffeine.newBuilder()
            .maximumSize(maxCachedGrants)
            // The broker's clock, so that idle expiry follows injected (test) time exactly.
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            // Maintenance on the calling thread: no hidden thread, deterministic in tests.
            .executor(Runnable::run);
    if (expireIdleGrantsAfter != null) {
      cache.expireAfterAccess(expireIdleGrantsAfter);
    }
    // Idle expiry is exact to within this: a second, or less for short idle times.
    this.touchIntervalMillis =
        expireIdleGrantsAfter == null
            ? 1000
            : Math.max(1, Math.min(1000, expireIdleGrantsAfter.toMillis() / 16));
    this.cached =
        cache
            .evictionListener(
                (@Nullable GrantKey key, @Nullable Grant grant, RemovalCause cause) -> {
                  // Runs atomically with the eviction: a busy grant is kept aside, not dropped.
                  if (key != null && grant != null) {
                    if (grant.tryDetach()) {
                      grants.remove(key, grant);
                    } else {
                      pinned.put(key, grant);
                    }
                  }
                })
            .build();
  }

  /** The grant of {@code key} in memory now (registered, cached or kept aside), without I/O. */
  @Nullable Grant get(GrantKey key) {
    return grants.get(key);
  }

  /** Every grant in memory now. */
  List<Grant> all() {
    return List.copyOf(grants.values());
  }

  /** The keys of every grant in memory now. */
  Set<GrantKey> keys() {
    return grants.keySet();
  }

  int size() {
    return grants.size();
  }

  /** How many template grants the cache evicted while busy are kept aside now. */
  int keptAside() {
    return pinned.size();
  }

  /**
   * Puts {@code grant}, registered on its own, in place of the grant of its key, after that one's
   * refresh in flight ended; it takes over that one's tokens, including those not yet written.
   */
  void register(Grant grant) {
    GrantKey key = grant.key();
    Grant previous = grants.get(key);
    if (previous != null && previous.template() != null) {
      cached.asMap().remove(key, previous);
      pinned.remove(key, previous);
    }
    if (previous != null) {
      // Its refresh in flight ends first, so that tokens it obtains are taken over too.
      previous.awaitIdle(settings.scheduler.nanoTime() + settings.maxWait.toNanos());
      grant.inheritFrom(previous); // keeps tokens that are not yet persisted
    }
    grants.put(key, grant);
  }

  /** Drops {@code grant} from memory if it is still the grant of {@code key}. */
  void drop(GrantKey key, Grant grant) {
    cached.asMap().remove(key, grant);
    pinned.remove(key, grant);
    grants.remove(key, grant);
  }

  /** Drops the grant of {@code key} from memory; returns it, or null if there was none. */
  @Nullable Grant remove(GrantKey key) {
    Grant grant = grants.remove(key);
    if (grant != null && grant.template() != null) {
      cached.asMap().remove(key, grant);
      pinned.remove(key, grant);
    }
    return grant;
  }

  /**
   * From the hot path, at most once per touch interval: records the use in the cache, or puts a
   * grant kept aside (or evicted while a caller still used it) back, if it is still live.
   */
  private void touch(Grant grant) {
    GrantKey key = grant.key();
    if (closed.getAsBoolean() || cached.getIfPresent(key) == grant) {
      return;
    }
    Grant now = cached.asMap().computeIfAbsent(key, k -> grant.isDetached() ? null : grant);
    if (now == grant) {
      pinned.remove(key, grant);
    }
  }

  /**
   * A template grant the cache dropped while a caller used it: it is idle, so look again (it may
   * still sit in the maps if it was detached while being put back).
   */
  void evictedMeanwhile(GrantKey key, Grant grant, int attempt) {
    cached.asMap().remove(key, grant);
    grants.remove(key, grant);
    pinned.remove(key, grant);
    if (attempt >= 100) {
      throw new TransientTokenException(
          "grant '"
              + key
              + "' keeps being evicted from the broker's cache (maxCachedGrants too"
              + " small for the load?)",
          TransientTokenException.Kind.NETWORK,
          0,
          null,
          key,
          null);
    }
  }

  /**
   * The template grant of {@code key} from the cache, or loaded into it: the one kept aside while
   * busy, else read from the store (one read, one decryption) and bound to its template.
   *
   * @param allowEmpty whether a grant without stored tokens is created (for a consent's tokens)
   * @throws IllegalStateException if the broker is closed
   */
  Grant loadCached(GrantKey key, @Nullable String template, boolean allowEmpty) {
    requireNonNull(key, "key == null");
    if (closed.getAsBoolean()) {
      throw new IllegalStateException("the broker is closed");
    }
    Grant grant = cached.get(key, k -> load(k, template, allowEmpty));
    if (!pinned.isEmpty()) {
      releaseIdlePinned();
    }
    if (grant == null) {
      Grant registered = grants.get(key); // registered meanwhile: not the cache's
      if (registered == null) {
        throw new UnknownGrantException(key);
      }
      return registered;
    }
    return grant;
  }

  /**
   * Runs inside the cache's atomic computation for {@code key}: the live template grant (kept
   * aside, or evicted while a caller used it) back into the cache, else one read from the store.
   * Null for a grant registered on its own, which the cache must not hold.
   */
  private @Nullable Grant load(GrantKey key, @Nullable String template, boolean allowEmpty) {
    Grant live = grants.get(key);
    if (live != null && live.template() == null) {
      return null;
    }
    if (live != null && !live.isDetached()) {
      pinned.remove(key, live);
      return live; // busy, or idle with its tokens: either way the one to go on with
    }
    StoredState stored = StoredState.read(settings, key);
    GrantRecord record = stored.record();
    // A consent's tokens (allowEmpty) belong to the consent's template, whatever an earlier
    // consent of the key stored; otherwise the entry names its template.
    String name =
        allowEmpty && template != null
            ? template
            : record != null && record.template() != null ? record.template() : template;
    if (name == null) {
      throw new UnknownGrantException(
          key,
          record == null
              ? "no grant is registered or stored under '" + key + "'"
              : "grant '"
                  + key
                  + "' is stored without a template; register it (register) or serve it with"
                  + " accessToken(key, template)");
    }
    ClientTemplates.Template t = templates.get(name);
    if (t == null) {
      throw new UnknownGrantException(
          key,
          "grant '"
              + key
              + "' was created against template '"
              + name
              + "', which this broker has not registered (registerTemplate)");
    }
    if (record == null && !allowEmpty && !t.type().renewsByItself()) {
      throw new UnknownGrantException(
          key,
          "no grant is stored under '"
              + key
              + "'; template '"
              + name
              + "' needs a consent first (authorizationRequest(key, template, redirectUri))");
    }
    Grant grant = new Grant(key, name, t.registration(), t.type(), t.client(), settings);
    // Tokens of an earlier consent against another template are not this grant's (its client
    // could not refresh them): the consent's own tokens are saved next.
    if (record != null
        && !record.reauthorizationRequired()
        && (record.template() == null || name.equals(record.template()))) {
      grant.published(record, stored.version());
    }
    grant.touchedBy(this::touch, touchIntervalMillis);
    grant.droppedBy(left -> drop(key, left));
    grants.put(key, grant);
    return grant;
  }

  /** Lets go of grants kept aside while busy that are idle now. */
  private void releaseIdlePinned() {
    pinned.forEach(
        (key, grant) -> {
          if (!grant.isBusy() && grant.tryDetach()) {
            pinned.remove(key, grant);
            grants.remove(key, grant);
          }
        });
  }
}
