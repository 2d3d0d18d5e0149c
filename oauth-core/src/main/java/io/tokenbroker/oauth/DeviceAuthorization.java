package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One device authorization (RFC 8628) in progress: what to show the user, and the means to wait for
 * their approval. Show {@link #verificationUri()} (or {@link #verificationUriComplete()}, which
 * holds the code) and {@link #userCode()}; then {@link #await(Duration)} polls the token endpoint
 * at the server's interval (five seconds more after each {@code slow_down}) until the user
 * approves, denies, or the codes expire.
 *
 * <pre>{@code
 * DeviceAuthorization device = broker.deviceAuthorization(key);
 * System.err.println("Open " + device.verificationUri() + " and enter " + device.userCode());
 * device.await(Duration.ofMinutes(10)); // the tokens are now stored under key
 * }</pre>
 *
 * <p>The device code is a secret and never leaves this object except in the token requests. {@code
 * await} may be called once at a time; thread-safe otherwise.
 */
public final class DeviceAuthorization {
  private final String userCode;
  private final URI verificationUri;
  private final @Nullable URI verificationUriComplete;
  private final Instant expiresAt;
  private final Duration interval;
  private final Function<Duration, TokenSet> poll;

  DeviceAuthorization(
      String userCode,
      URI verificationUri,
      @Nullable URI verificationUriComplete,
      Instant expiresAt,
      Duration interval,
      Function<Duration, TokenSet> poll) {
    this.userCode = userCode;
    this.verificationUri = verificationUri;
    this.verificationUriComplete = verificationUriComplete;
    this.expiresAt = expiresAt;
    this.interval = interval;
    this.poll = poll;
  }

  /**
   * Returns an authorization that passes the tokens through {@code then} (the broker saves them).
   */
  DeviceAuthorization andThen(UnaryOperator<TokenSet> then) {
    return new DeviceAuthorization(
        userCode,
        verificationUri,
        verificationUriComplete,
        expiresAt,
        interval,
        poll.andThen(then));
  }

  /** The code the user enters at {@link #verificationUri()}. Shown to the user; not a secret. */
  public String userCode() {
    return userCode;
  }

  /** Where the user goes to approve. */
  public URI verificationUri() {
    return verificationUri;
  }

  /** The verification URI with the user code in it, if the server gave one (for a QR code). */
  public Optional<URI> verificationUriComplete() {
    return Optional.ofNullable(verificationUriComplete);
  }

  /** When the codes expire; {@link #await} gives up then. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** The polling interval the server asked for at the start. */
  public Duration interval() {
    return interval;
  }

  /**
   * Polls until the user approves (and returns the tokens), for at most {@code timeout} and never
   * past {@link #expiresAt()}.
   *
   * @throws ConsentException {@link ConsentException.Kind#ACCESS_DENIED} if the user denied, {@link
   *     ConsentException.Kind#EXPIRED} if the codes expired ({@code expired_token}, or {@link
   *     #expiresAt()} passed), {@link ConsentException.Kind#TIMEOUT} if {@code timeout} passed
   *     first
   * @throws java.util.concurrent.CancellationException if the waiting thread is interrupted (its
   *     interrupt flag is set again)
   * @throws TokenBrokerException for any other refusal of the token endpoint
   */
  public TokenSet await(Duration timeout) {
    requireNonNull(timeout, "timeout == null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return poll.apply(timeout);
  }

  /** Names the verification URI and user code; never the device code. */
  @Override
  public String toString() {
    return "DeviceAuthorization[" + verificationUri + ", userCode=" + userCode + "]";
  }
}
