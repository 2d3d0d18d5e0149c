package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;

/**
 * The settings every loopback server of the testkit shares: the clock and randomness it issues
 * tokens and codes by, and how long its access tokens live. {@link FakeAuthorizationServer}, {@link
 * io.tokenbroker.testkit.cor.CorSandbox} and {@link io.tokenbroker.testkit.procore.ProcoreSandbox}
 * builders extend it with their own protocol's settings.
 *
 * @param <B> the concrete builder, returned by every setter for chaining
 */
public abstract class ServerBuilder<B extends ServerBuilder<B>> {
  private Clock clock = Clock.systemUTC();
  private Random random = new SecureRandom();
  private Duration accessTokenLifetime;

  /** Starts with the system UTC clock, {@link SecureRandom} and the given access-token lifetime. */
  protected ServerBuilder(Duration defaultAccessTokenLifetime) {
    this.accessTokenLifetime = positive(defaultAccessTokenLifetime, "accessTokenLifetime");
  }

  /** This builder, typed as the concrete builder. */
  protected abstract B self();

  /** The clock for token and code expiry (e.g. a {@link FakeClock}); default system UTC. */
  public B clock(Clock clock) {
    this.clock = requireNonNull(clock, "clock == null");
    return self();
  }

  /** The source of token and code values (seed it for reproducible runs); default SecureRandom. */
  public B random(Random random) {
    this.random = requireNonNull(random, "random == null");
    return self();
  }

  /** How long access tokens live; sent as {@code expires_in} in whole seconds. */
  public B accessTokenLifetime(Duration lifetime) {
    this.accessTokenLifetime = positive(lifetime, "accessTokenLifetime");
    return self();
  }

  /** The clock set, for the server being built. */
  public Clock clock() {
    return clock;
  }

  /** The randomness set, for the server being built. */
  public Random random() {
    return random;
  }

  /** The access-token lifetime set, for the server being built. */
  public Duration accessTokenLifetime() {
    return accessTokenLifetime;
  }

  /** {@code duration}, checked to be positive. */
  protected static Duration positive(Duration duration, String name) {
    requireNonNull(duration, name + " == null");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + duration);
    }
    return duration;
  }

  /** {@code port}, checked to be a TCP port or 0 (pick a free one). */
  protected static int checkPort(int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    return port;
  }
}
