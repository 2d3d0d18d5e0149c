package io.tokenbroker.oauth;

import org.jspecify.annotations.Nullable;

/**
 * A grant's last refresh failure and the back-off it imposes: exponential after consecutive
 * failures, and at least a provider's {@code Retry-After} (capped), which holds off forced
 * refreshes too. Cleared by a success. Thread-safe: one immutable state behind a volatile field.
 */
final class RefreshBackoff {

  /** The last failure and the back-off it imposes; {@link #NONE} after a success. */
  private record Failure(
      @Nullable RuntimeException last,
      int consecutive,
      long retryNotBeforeMillis,
      long rateLimitedUntilMillis) {
    static final Failure NONE = new Failure(null, 0, 0, 0);
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

  /** Records how a refresh ended: {@code thrown}, or null for a success. */
  void record(@Nullable Throwable thrown) {
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
            consecutive,
            now + Math.max(backoff, retryAfter),
            retryAfter > 0 ? now + retryAfter : 0);
  }
}
