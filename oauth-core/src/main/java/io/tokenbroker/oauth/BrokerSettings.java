package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.TokenSealer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/** The configuration and collaborators every grant of one broker shares. */
final class BrokerSettings {
  final Clock clock;
  final TokenStore store;
  final GuardedListener events;
  final Executor executor;
  final Scheduler scheduler;
  final Duration refreshAhead;
  final Duration expirySkew;
  final Duration minRefreshInterval;
  final Duration maxWait;
  final Duration leaseTtl;
  final Duration leaseWait;

  /** The end of a lease kept free for writing the result of its token call. */
  final Duration writeMargin;

  final Duration failureBackoffMin = Duration.ofSeconds(1);
  final Duration failureBackoffMax = Duration.ofSeconds(30);

  /** The longest {@code Retry-After} the failure back-off honours. */
  final Duration retryAfterMax = Duration.ofHours(1);

  final Duration writeRetryMin;
  final Duration writeRetryMax = Duration.ofSeconds(30);
  final Duration closeWait;
  private volatile TokenSealer sealer;

  BrokerSettings(
      Clock clock,
      TokenStore store,
      GuardedListener events,
      Executor executor,
      Scheduler scheduler,
      TokenSealer sealer,
      Duration refreshAhead,
      Duration expirySkew,
      Duration minRefreshInterval,
      Duration maxWait,
      Duration leaseTtl,
      Duration leaseWait,
      Duration writeRetryMin,
      Duration closeWait) {
    this.clock = clock;
    this.store = store;
    this.events = events;
    this.executor = executor;
    this.scheduler = scheduler;
    this.sealer = sealer;
    this.refreshAhead = refreshAhead;
    this.expirySkew = expirySkew;
    this.minRefreshInterval = minRefreshInterval;
    this.maxWait = maxWait;
    this.leaseTtl = leaseTtl;
    this.leaseWait = leaseWait;
    this.writeMargin = writeMarginFor(leaseTtl);
    this.writeRetryMin = writeRetryMin;
    this.closeWait = closeWait;
  }

  /** 10 s, or a quarter of a shorter lease. */
  static Duration writeMarginFor(Duration leaseTtl) {
    Duration quarter = leaseTtl.dividedBy(4);
    return quarter.compareTo(Duration.ofSeconds(10)) < 0 ? quarter : Duration.ofSeconds(10);
  }

  TokenSealer sealer() {
    return sealer;
  }

  void sealer(TokenSealer sealer) {
    this.sealer = sealer;
  }
}
