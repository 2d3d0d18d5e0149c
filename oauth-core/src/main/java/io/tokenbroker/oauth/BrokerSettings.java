package io.tokenbroker.oauth;

import io.tokenbroker.oauth.internal.TokenSealer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The configuration and collaborators every grant of one broker shares. */
final class BrokerSettings {
  final Clock clock;
  final TokenStore store;
  final GuardedListener events;
  final Executor executor;
  final ScheduledExecutorService scheduler;
  final Sleeper sleeper;
  final Duration refreshAhead;
  final Duration expirySkew;
  final Duration maxWait;
  final Duration leaseTtl;
  final Duration leaseWait;
  final Duration failureBackoffMin = Duration.ofSeconds(1);
  final Duration failureBackoffMax = Duration.ofSeconds(30);
  final Duration writeRetryMin;
  final Duration writeRetryMax = Duration.ofSeconds(30);
  private volatile TokenSealer sealer;

  BrokerSettings(
      Clock clock,
      TokenStore store,
      GuardedListener events,
      Executor executor,
      ScheduledExecutorService scheduler,
      Sleeper sleeper,
      TokenSealer sealer,
      Duration refreshAhead,
      Duration expirySkew,
      Duration maxWait,
      Duration leaseTtl,
      Duration leaseWait,
      Duration writeRetryMin) {
    this.clock = clock;
    this.store = store;
    this.events = events;
    this.executor = executor;
    this.scheduler = scheduler;
    this.sleeper = sleeper;
    this.sealer = sealer;
    this.refreshAhead = refreshAhead;
    this.expirySkew = expirySkew;
    this.maxWait = maxWait;
    this.leaseTtl = leaseTtl;
    this.leaseWait = leaseWait;
    this.writeRetryMin = writeRetryMin;
  }

  TokenSealer sealer() {
    return sealer;
  }

  void sealer(TokenSealer sealer) {
    this.sealer = sealer;
  }
}
