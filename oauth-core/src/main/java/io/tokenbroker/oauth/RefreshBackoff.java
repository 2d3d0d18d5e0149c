package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * A grant's last refresh failure and the back-off it imposes: exponential after consecutive
 * failures, and at least a provider's {@code Retry-After} (capped), which holds off forced
 * refreshes too. Cleared by a success, and (all but a {@code Retry-After}) by newer tokens than the
 * ones that failed: a failure is about the store version its refresh had seen. Thread-safe: one
 * immutable state behind a volatile field, read without a lock and changed under this object's.
 */
final class RefreshBackoff {

  /**
   * The last failure, the store version its refresh had seen, and the back-off it imposes; {@link
   * #NONE} after a success.
   */
  private record Failure(
      @Nullable RuntimeException last,
      long storeVersion,
      int consecutive,
      long retryNotBeforeMillis,
      long rateLimitedUntilMillis) {
    static final Failure NONE = new Failure(null, 0, 0, 0, 0);
  }

  private final BrokerSettings settings;
  private volatile Failure failure = Failure.NONE;

  RefreshBackoff(BrokerSettings settings) {
    this.settings = settings;
  }

  /** When the next refresh may start after the last failure (0 after a success). */
  long retryNotBeforeMillis() {
    return failure.retryNotBeforeMillis();
  }

  /**
   * The last failure, if a new refresh may not start now: while a {@code Retry-After} lasts, or
   * (unless {@code ignoreBackoff}) while the back-off lasts; else null.
   */
  @Nullable RuntimeException holdingOff(boolean ignoreBackoff) {
    Failure f = failure;
    RuntimeException last = f.last();
    if (last != null) {
      long now = settings.clock.millis();
      if (now < f.rateLimitedUntilMillis() || (!ignoreBackoff && now < f.retryNotBeforeMillis())) {
        return last;
      }
    }
    return null;
  }

  /** The store version the last failed refresh had seen (0 after a success). */
  long failedAtVersion() {
    return failure.storeVersion();
  }

  /**
   * Tokens newer than the ones that failed at {@code failedAtVersion} are published or stored (a
   * new consent): their refreshes are not held off by the old failure, only by a {@code
   * Retry-After} that still lasts. Does nothing if another failure was recorded meanwhile.
   */
  synchronized void newerTokens(long failedAtVersion) {
    Failure f = failure;
    if (f.last() == null || f.storeVersion() != failedAtVersion) {
      return;
    }
    long now = settings.clock.millis();
    failure =
        now < f.rateLimitedUntilMillis()
            ? new Failure(
                f.last(),
                f.storeVersion(),
                0,
                f.rateLimitedUntilMillis(),
                f.rateLimitedUntilMillis())
            : Failure.NONE;
  }

  /** After {@link #newerTokens} for whatever failed before: a new consent was written here. */
  synchronized void newerTokens() {
    newerTokens(failure.storeVersion());
  }

  /**
   * Records how a refresh ended: {@code thrown}, or null for a success; {@code storeVersion} is the
   * newest store version the refresh had seen.
   */
  synchronized void record(@Nullable Throwable thrown, long storeVersion) {
    if (thrown == null) {
      failure = Failure.NONE;
      return;
    }
    Failure previous = failure;
    int consecutive = previous.consecutive() + 1;
    long backoff =
        Math.min(
            settings.failureBackoffMax.toMillis(),
            settings.failureBackoffMin.toMillis() << Math.min(10, consecutive - 1));
    long retryAfter = 0;
    if (thrown instanceof TransientTokenException e && e.retryAfter().isPresent()) {
      retryAfter = Math.min(settings.retryAfterMax.toMillis(), e.retryAfter().get().toMillis());
    }
    long now = settings.clock.millis();
    failure =
        new Failure(
            thrown instanceof RuntimeException r ? r : null,
            storeVersion,
            consecutive,
            now + Math.max(backoff, retryAfter),
            retryAfter > 0 ? now + retryAfter : 0);
  }
}
