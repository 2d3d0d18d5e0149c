package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.internal.DpopKey;
import io.tokenbroker.oauth.internal.Resealer;
import io.tokenbroker.oauth.internal.TokenSealer;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Gets, keeps and hands out valid access tokens for registered grants. Build one per application
 * and share it; it is thread-safe.
 *
 * <pre>{@code
 * TokenBroker broker = TokenBroker.builder()
 *     .store(JdbcTokenStore.create(dataSource))   // default: in memory
 *     .keyset(Keysets.fromFile(Path.of("keyset.json")))
 *     .build();
 * broker.register(key, registration, GrantType.CLIENT_CREDENTIALS);
 * String bearer = broker.accessToken(key).revealValue();
 * }</pre>
 *
 * <h2>How tokens are kept fresh</h2>
 *
 * {@link #accessToken} returns the cached token without locking or allocating while it is fresh.
 * Within {@link Builder#refreshAhead refreshAhead} of expiry it still returns the current token and
 * starts one background refresh; past {@code expiresAt - }{@link Builder#expirySkew skew}, callers
 * join the single refresh in flight and wait (at most {@link Builder#maxWait maxWait}). One
 * refresh, whatever the number of callers, and across processes: a refresh takes the store's lease
 * for the grant, re-reads the store (adopting tokens another process already obtained), calls the
 * token endpoint, and persists the result with compare-and-set before anyone sees it.
 *
 * <h2>Failures</h2>
 *
 * {@link InvalidGrantException} when the grant is dead (persisted as re-authorization required,
 * never deleted); {@link ClientConfigurationException} for configuration errors; {@link
 * TransientTokenException} when the server or network failed (the stored grant is untouched and a
 * still-valid token keeps being served); {@link TokenStoreException} when an entry cannot be read;
 * {@link UnknownGrantException} for an unregistered key.
 *
 * <h2>Rotated refresh tokens are never lost</h2>
 *
 * A refresh spends a refresh token only under the grant's store lease, taken by a write in the same
 * attempt, and only while that lease has time left for the token call and the write of its answer;
 * the write is fenced by the lease. Once the provider answered, the new tokens are never dropped:
 * if the write fails, whatever the failure, they are held in memory, served, written first by the
 * next refresh, retried with back-off ({@link BrokerListener#storeWriteFailed} and {@link
 * BrokerListener#storeWriteRecovered} say so), and {@link #flush flushed} by {@link #close}. Every
 * store write (refresh, consent, re-seal, removal) happens under the lease.
 *
 * <h2>Security</h2>
 *
 * Store entries are sealed with Tink AEAD (AES256-GCM) bound to their grant key. Tokens never
 * appear in logs, events, exception messages or {@code toString()}.
 */
public final class TokenBroker implements AutoCloseable {
  private final BrokerSettings settings;
  private final ConcurrentMap<GrantKey, Grant> grants = new ConcurrentHashMap<>();
  private final RetryPolicy retryPolicy;
  private final Duration requestTimeout;
  private final HttpClient httpClient;
  private final @Nullable RandomGenerator random;
  private final @Nullable ExecutorService ownedExecutor;
  private volatile boolean closed;

  private TokenBroker(Builder b, TokenSealer sealer, @Nullable ExecutorService ownedExecutor) {
    this.retryPolicy = b.retryPolicy;
    this.requestTimeout = b.requestTimeout;
    this.httpClient = b.httpClient();
    this.random = b.random;
    this.ownedExecutor = ownedExecutor;
    this.settings =
        new BrokerSettings(
            b.clock,
            b.store,
            new GuardedListener(b.listener),
            b.executor != null ? b.executor : requireNonNull(ownedExecutor),
            b.scheduler,
            sealer,
            b.refreshAhead,
            b.expirySkew,
            b.minRefreshInterval,
            b.maxWait,
            requireNonNull(b.leaseTtl, "leaseTtl"),
            b.leaseWait,
            b.writeRetryMin,
            b.closeWait);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers a grant under {@code key}, replacing an earlier registration of the key. No I/O
   * happens here: client-credentials tokens are fetched on first use; authorization-code grants use
   * what the store holds, or what a consent through {@link #authorizationRequest} saves.
   */
  public void register(GrantKey key, ClientRegistration registration, GrantType type) {
    requireNonNull(key, "key == null");
    requireNonNull(registration, "registration == null");
    requireNonNull(type, "type == null");
    checkOpen();
    Provider provider = registration.provider();
    // The renewal path must work without surprises: client credentials and JWT bearer re-run the
    // token request, consent grants refresh.
    ClientAuthentication renewal =
        type.renewsByItself()
            ? provider.clientAuthentication()
            : provider.refreshClientAuthentication();
    String missing =
        registration.clientSecret() == null && renewal.needsClientSecret()
            ? "a client secret"
            : registration.clientKey() == null && renewal.needsClientKey() ? "a client key" : null;
    if (missing != null) {
      throw new ClientConfigurationException(
          "grant '"
              + key
              + "': provider '"
              + provider.name()
              + "' authenticates clients with "
              + renewal
              + ", which needs "
              + missing
              + ", and the registration has none");
    }
    if (type == GrantType.JWT_BEARER
        && (registration.clientKey() == null || registration.assertionSubject() == null)) {
      throw new ClientConfigurationException(
          "grant '"
              + key
              + "': the JWT-bearer grant needs the registration's client key and assertion"
              + " subject");
    }
    TokenClient.Builder clientBuilder =
        TokenClient.builder(registration)
            .clock(settings.clock)
            .retryPolicy(retryPolicy)
            .requestTimeout(requestTimeout)
            .scheduler(settings.scheduler)
            .httpClient(httpClient);
    if (random != null) {
      clientBuilder.random(random);
    }
    TokenClient client = clientBuilder.build();
    Grant grant = new Grant(key, registration, type, client, settings);
    Grant previous = grants.get(key);
    if (previous != null) {
      // Its refresh in flight ends first, so that tokens it obtains are taken over too.
      previous.awaitIdle(settings.scheduler.nanoTime() + settings.maxWait.toNanos());
      grant.inheritFrom(previous); // keeps tokens that are not yet persisted
    }
    grants.put(key, grant);
  }

  /**
   * Returns a valid access token for {@code key}: cached, refreshed ahead of expiry, one refresh at
   * a time per grant across all callers and processes.
   *
   * @throws UnknownGrantException if the key is not registered, or an authorization-code grant has
   *     no stored tokens yet
   * @throws IllegalStateException if the broker is closed
   */
  public AccessToken accessToken(GrantKey key) {
    Grant grant = grants.get(key);
    if (grant == null) {
      throw new UnknownGrantException(key);
    }
    return grant.accessToken();
  }

  /**
   * Obtains a new access token now, whether or not the current one is still valid (unless another
   * broker replaced it meanwhile, in which case its token is adopted).
   */
  public AccessToken forceRefresh(GrantKey key) {
    return grant(key).forceRefresh();
  }

  /**
   * For API clients that got a 401 with {@code rejected}: refreshes only if {@code rejected} is
   * still the current token, so many failing requests cause one refresh.
   */
  public AccessToken refreshIfCurrent(GrantKey key, AccessToken rejected) {
    requireNonNull(rejected, "rejected == null");
    return grant(key).refreshIfCurrent(rejected);
  }

  /** Returns the current tokens of a grant (refreshing first if needed), e.g. to inspect scopes. */
  public TokenSet tokens(GrantKey key) {
    Grant grant = grant(key);
    grant.accessToken();
    GrantRecord record = grant.currentRecord();
    if (record == null) {
      throw new UnknownGrantException(key); // removed meanwhile
    }
    return record.tokens();
  }

  /**
   * Persists {@code tokens} for a registered grant (after a consent done elsewhere) and publishes
   * them; replaces whatever was stored, and any tokens held unwritten. Tokens saved this way carry
   * no DPoP key: for a DPoP registration obtain them through {@link #authorizationRequest}, {@link
   * #deviceAuthorization} or {@link #obtainTokens}, which keep the key they were bound to.
   */
  public void saveTokens(GrantKey key, TokenSet tokens) {
    saveTokens(key, tokens, null);
  }

  /** As {@link #saveTokens(GrantKey, TokenSet)}, with the DPoP key the tokens are bound to. */
  void saveTokens(GrantKey key, TokenSet tokens, @Nullable DpopKey dpop) {
    requireNonNull(tokens, "tokens == null");
    Grant grant = grant(key);
    Instant now = settings.clock.instant();
    GrantRecord record =
        GrantRecord.next(null, grant.type(), grant.registration(), tokens, dpop, now);
    byte[] sealed = settings.sealer().seal(key, record.encode());
    // Under the lease, so a refresh running elsewhere cannot write its older tokens over these.
    try (GrantLease lease = grant.lease()) {
      for (int attempt = 0; ; attempt++) {
        long expected = settings.store.load(key).map(StoredGrant::version).orElse(0L);
        OptionalLong written =
            settings.store.compareAndSet(lease.lease(), expected, sealed, tokens.expiresAt());
        if (written.isPresent()) {
          grant.replacedBy(record, written.getAsLong());
          return;
        }
        settings.events.storeConflict(key);
        if (attempt >= 10) {
          throw new TokenStoreException(
              "could not save tokens for '" + key + "': the entry keeps changing",
              TokenStoreException.Kind.UNAVAILABLE,
              key,
              null);
        }
      }
    }
  }

  /**
   * Starts a consent for the registered authorization-code grant {@code key}. Completing the
   * returned request ({@link AuthorizationRequest#complete} or {@link
   * AuthorizationRequest#exchange}) saves the tokens under {@code key}.
   *
   * @param redirectUri a {@link LoopbackReceiver}'s URI, an app-hosted callback, or {@link
   *     TokenClient#OUT_OF_BAND}
   */
  public AuthorizationRequest authorizationRequest(GrantKey key, URI redirectUri) {
    requireNonNull(redirectUri, "redirectUri == null");
    Grant grant = grant(key);
    DpopKey dpop = grant.client().dpopKeyFor(null); // a new consent, a new key
    return grant
        .client()
        .authorizationRequest(redirectUri, key, dpop)
        .andThen(
            tokens -> {
              saveTokens(key, tokens, dpop);
              return tokens;
            });
  }

  /**
   * Runs a grant that the broker renews by itself (client credentials, JWT bearer) now, with a new
   * DPoP key where the registration asks for DPoP, and stores the result in place of whatever was
   * stored, as a login does. Nothing is replaced when the request fails.
   *
   * @throws IllegalStateException if the grant is a consent grant (authorization code, device)
   * @throws TokenBrokerException if the token endpoint refuses or fails
   */
  public TokenSet obtainTokens(GrantKey key) {
    Grant grant = grant(key);
    if (!grant.type().renewsByItself()) {
      throw new IllegalStateException(
          "grant '" + key + "' is a " + grant.type() + " grant; its tokens come from a consent");
    }
    DpopKey dpop = grant.client().dpopKeyFor(null);
    TokenSet tokens = grant.client().obtain(grant.type(), key, dpop, TokenEndpoint.NO_DEADLINE);
    saveTokens(key, tokens, dpop);
    return tokens;
  }

  /**
   * Starts a device authorization (RFC 8628) for the registered grant {@code key}: show the user
   * the returned {@link DeviceAuthorization#verificationUri()} and {@link
   * DeviceAuthorization#userCode()}; {@link DeviceAuthorization#await} then polls until the user
   * approves and saves the tokens under {@code key}, like a completed consent.
   *
   * @throws IllegalStateException if the grant renews by itself (client credentials, JWT bearer),
   *     or the provider has no device authorization endpoint
   * @throws TokenBrokerException if the server refuses or fails
   */
  public DeviceAuthorization deviceAuthorization(GrantKey key) {
    Grant grant = grant(key);
    if (grant.type().renewsByItself()) {
      throw new IllegalStateException(
          "grant '" + key + "' is a " + grant.type() + " grant; it needs no user's approval");
    }
    DpopKey dpop = grant.client().dpopKeyFor(null);
    return grant
        .client()
        .deviceAuthorization(key, dpop)
        .andThen(
            tokens -> {
              saveTokens(key, tokens, dpop);
              return tokens;
            });
  }

  /**
   * The headers a request to {@code uri} with {@code method} needs for grant {@code key}: {@code
   * Authorization: Bearer ...}, or for DPoP-bound tokens {@code Authorization: DPoP ...} and a
   * {@code DPoP} proof for that method and URL (RFC 9449 §7: {@code htm}, {@code htu}, {@code
   * ath}). The token is the current one ({@link #accessToken}).
   *
   * @throws UnknownGrantException if the key is not registered
   */
  public AuthorizationHeaders authorizationHeaders(GrantKey key, String method, URI uri) {
    return authorizationHeaders(key, method, uri, null);
  }

  /**
   * As {@link #authorizationHeaders(GrantKey, String, URI)}, with the {@code nonce} a resource
   * server demanded ({@code DPoP-Nonce}, RFC 9449 §9) in the proof.
   */
  public AuthorizationHeaders authorizationHeaders(
      GrantKey key, String method, URI uri, @Nullable String nonce) {
    requireNonNull(method, "method == null");
    requireNonNull(uri, "uri == null");
    if (method.isBlank()) {
      throw new IllegalArgumentException("method is blank");
    }
    Grant grant = grant(key);
    grant.accessToken();
    GrantRecord record = grant.currentRecord(); // the token above, with its DPoP key
    if (record == null) {
      throw new UnknownGrantException(key); // removed meanwhile
    }
    AccessToken token = record.tokens().accessToken();
    DpopKey dpop = record.dpopKey();
    if (dpop == null || !record.tokens().isDpopBound()) {
      return new AuthorizationHeaders("Bearer", token, null);
    }
    String proof =
        dpop.proof(
            method.toUpperCase(java.util.Locale.ROOT),
            uri,
            settings.clock.instant(),
            token.revealValue(),
            nonce);
    return new AuthorizationHeaders("DPoP", token, proof);
  }

  /**
   * Revokes the grant at the provider where the provider has a revocation endpoint, sending the
   * token its {@link Provider#revocationToken()} names (by default the refresh token, else the
   * access token), then removes it. Reads, revokes and deletes under the grant's lease, so no
   * refresh can rotate the token in between; tokens this broker holds unwritten are revoked too.
   *
   * @return whether the provider was told
   */
  public boolean revoke(GrantKey key) {
    Grant grant = grant(key);
    try (GrantLease lease = grant.lease()) {
      boolean told = false;
      GrantRecord held = grant.heldRecord();
      if (held != null) {
        told = grant.client().revoke(held.tokens());
        grant.forget(); // revoked: neither served nor written any more, even if the store fails
      }
      GrantRecord record = readRecord(key);
      if (record != null && (held == null || !sameGrantTokens(held, record))) {
        told |= grant.client().revoke(record.tokens());
      }
      grants.remove(key, grant);
      grant.forget();
      settings.store.delete(lease.lease());
      return told;
    }
  }

  private static Secret revocable(TokenSet tokens) {
    return tokens.refreshToken() != null ? tokens.refreshToken() : tokens.accessToken();
  }

  private static boolean sameGrantTokens(GrantRecord a, GrantRecord b) {
    return revocable(a.tokens()).equals(revocable(b.tokens()));
  }

  /**
   * Deletes the stored grant and unregisters it (under the grant's lease, so no refresh is between
   * its token call and its write while the entry goes); returns whether anything was there.
   */
  public boolean remove(GrantKey key) {
    requireNonNull(key, "key == null");
    checkOpen();
    Grant grant = grants.remove(key);
    if (grant != null) {
      grant.forget();
    }
    try (GrantLease lease =
        grant != null ? grant.lease() : GrantLease.acquire(settings, key, null)) {
      return settings.store.delete(lease.lease()) || grant != null;
    }
  }

  /** Non-secret status of one grant, registered or only stored. */
  public GrantStatus status(GrantKey key) {
    requireNonNull(key, "key == null");
    Grant grant = grants.get(key);
    GrantRecord record = null;
    boolean stored;
    try {
      record = readRecord(key);
      stored = record != null;
    } catch (TokenStoreException e) {
      stored = true;
    }
    if (record == null && grant != null) {
      record = grant.currentRecord();
    }
    if (grant == null && !stored) {
      throw new UnknownGrantException(key);
    }
    ClientAuthentication authentication =
        record != null && record.clientAuthentication() != null
            ? record.clientAuthentication()
            : grant != null ? grant.registration().provider().clientAuthentication() : null;
    return new GrantStatus(
        key,
        grant != null
            ? grant.registration().provider().name()
            : record != null ? record.provider() : null,
        grant != null ? grant.type() : record != null ? record.grantType() : null,
        record == null ? null : record.tokens().expiresAt(),
        record != null && record.tokens().refreshToken() != null,
        record != null && record.reauthorizationRequired(),
        grant != null,
        stored,
        authentication,
        record != null ? record.dpopKey() != null : grant != null && grant.registration().dpop(),
        record != null
            ? record.resources()
            : grant != null ? grant.registration().resources() : List.of(),
        record != null
            ? record.audience()
            : grant != null ? grant.registration().audience() : List.of(),
        record == null ? java.util.Set.of() : record.tokens().scopes());
  }

  /** Status of every registered or stored grant, sorted by key. */
  public List<GrantStatus> grants() {
    TreeSet<GrantKey> keys = new TreeSet<>(grants.keySet());
    keys.addAll(settings.store.list());
    List<GrantStatus> result = new ArrayList<>(keys.size());
    for (GrantKey key : keys) {
      result.add(status(key));
    }
    return result;
  }

  /**
   * Switches to {@code newKeyset} (which must still contain the keys the entries were sealed with,
   * see {@code Keysets.rotate}) and re-seals every stored grant under its primary key, each under
   * its grant's lease. Still under the lease, a grant of this broker writes the tokens it holds
   * unwritten, keeps serving its tokens at their new version, or stops serving a grant another
   * broker marked for re-authorization.
   *
   * @return how many entries were re-sealed
   */
  public int rotateKeys(KeysetHandle newKeyset) {
    requireNonNull(newKeyset, "newKeyset == null");
    checkOpen();
    TokenSealer next = new TokenSealer(newKeyset);
    TokenSealer previous = settings.sealer();
    settings.sealer(next);
    Resealer.Result result =
        Resealer.resealAll(
            settings.store,
            previous,
            next,
            this::leaseOrNull,
            (lease, entry) -> {
              Grant grant = grants.get(entry.key());
              if (grant != null) {
                GrantRecord record =
                    GrantRecord.decode(entry.key(), next.open(entry.key(), entry.sealed()));
                grant.afterReseal(lease, new Grant.Stored(record, entry.version()));
              }
            });
    result.failed().forEach(settings.events::storeEntryUnreadable);
    settings.events.keysRotated(result.resealed(), result.failed().size());
    return result.resealed();
  }

  private @Nullable GrantLease leaseOrNull(GrantKey key) {
    Grant grant = grants.get(key);
    try {
      return grant != null ? grant.lease() : GrantLease.acquire(settings, key, null);
    } catch (TransientTokenException busy) {
      return null;
    }
  }

  /**
   * Waits for refreshes in flight, then writes tokens held in memory (because the store refused
   * them) until each is written or {@code maxWait} has passed; the broker stays open. A short-lived
   * process calls this before it exits, so that a rotated refresh token is not lost with it.
   *
   * @return the grants whose new tokens are still only in memory (empty when all are written)
   */
  public Set<GrantKey> flush(Duration maxWait) {
    requireNonNull(maxWait, "maxWait == null");
    long deadline = settings.scheduler.nanoTime() + saturatedNanos(maxWait);
    for (Grant grant : grants.values()) {
      grant.awaitIdle(deadline);
    }
    long pause = settings.writeRetryMin.toMillis();
    while (true) {
      Set<GrantKey> left = new TreeSet<>();
      for (Grant grant : grants.values()) {
        if (!grant.flushHeldOnce()) {
          left.add(grant.key());
        }
      }
      long remaining = deadline - settings.scheduler.nanoTime();
      if (left.isEmpty() || remaining <= 0) {
        return left;
      }
      try {
        settings.scheduler.sleep(Duration.ofNanos(Math.min(remaining, pause * 1_000_000L)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return left;
      }
      pause = Math.min(pause * 2, settings.writeRetryMax.toMillis());
    }
  }

  /**
   * Stops the broker. From now on {@link #accessToken} and every other call fail with {@link
   * IllegalStateException}, and nothing refreshes any more. Refreshes in flight finish first (for
   * at most the lease TTL), so that a refresh token the provider already rotated is persisted
   * rather than lost; then tokens held in memory because the store refused them are written,
   * retrying for at most {@link Builder#closeWait closeWait}. What still could not be written is
   * reported loudly: an ERROR log line and {@link BrokerListener#storeWriteAbandoned} per grant
   * (call {@link #flush} first to get them as a value). Tokens already handed out stay valid.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Grant grant : grants.values()) {
      grant.close();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown(); // no new refreshes; running ones finish
    }
    long deadline = settings.scheduler.nanoTime() + settings.leaseTtl.toNanos();
    for (Grant grant : grants.values()) {
      grant.awaitIdle(deadline);
    }
    for (GrantKey key : flush(settings.closeWait)) {
      Grant grant = grants.get(key);
      TokenStoreException failure = grant == null ? null : grant.lastWriteFailure();
      settings.events.storeWriteAbandoned(
          key,
          failure != null
              ? failure
              : new TokenStoreException(
                  "the store did not take them before close",
                  TokenStoreException.Kind.UNAVAILABLE,
                  key,
                  null));
    }
    for (Grant grant : grants.values()) {
      grant.releaseKeptLease();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "TokenBroker[" + grants.size() + " grants, store=" + settings.store + "]";
  }

  /** For tests: the registered grant's state object (also while closing). */
  Object grantForTest(GrantKey key) {
    Grant grant = grants.get(key);
    if (grant == null) {
      throw new UnknownGrantException(key);
    }
    return grant;
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  boolean hasPendingWrite(GrantKey key) {
    Grant grant = grants.get(key);
    return grant != null && grant.hasPendingWrite();
  }

  private @Nullable GrantRecord readRecord(GrantKey key) {
    Optional<StoredGrant> stored = settings.store.load(key);
    if (stored.isEmpty()) {
      return null;
    }
    return GrantRecord.decode(key, settings.sealer().open(key, stored.get().sealed()));
  }

  private Grant grant(GrantKey key) {
    requireNonNull(key, "key == null");
    checkOpen();
    Grant grant = grants.get(key);
    if (grant == null) {
      throw new UnknownGrantException(key);
    }
    return grant;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the broker is closed");
    }
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Configures a {@link TokenBroker}. Not thread-safe. */
  public static final class Builder {
    private TokenStore store = InMemoryTokenStore.create();
    private boolean storeSet;
    private @Nullable KeysetHandle keyset;
    private Clock clock = Clock.systemUTC();
    private BrokerListener listener = BrokerListener.NONE;
    private @Nullable ExecutorService executor;
    private @Nullable HttpClient httpClient;
    private RetryPolicy retryPolicy =
        new RetryPolicy(3, Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(10));
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration refreshAhead = Duration.ofMinutes(5);
    private Duration expirySkew = Duration.ofSeconds(30);
    private Duration minRefreshInterval = Duration.ofSeconds(1);
    private Duration maxWait = Duration.ofSeconds(60);
    private @Nullable Duration leaseTtl;
    private Duration leaseWait = Duration.ofSeconds(60);
    private Duration writeRetryMin = Duration.ofMillis(500);
    private Duration closeWait = Duration.ofSeconds(10);
    private Scheduler scheduler = Scheduler.system();
    private @Nullable RandomGenerator random;

    private Builder() {}

    /** Where sealed grants persist; default an {@link InMemoryTokenStore}. */
    public Builder store(TokenStore store) {
      this.store = requireNonNull(store, "store == null");
      this.storeSet = true;
      return this;
    }

    /**
     * The Tink AEAD keyset that seals store entries. Required with a persistent store; with the
     * default in-memory store a fresh random keyset is used.
     */
    public Builder keyset(KeysetHandle keyset) {
      this.keyset = requireNonNull(keyset, "keyset == null");
      return this;
    }

    /**
     * Wall-clock time: token expiry, refresh-ahead, stamps, back-off; default the system UTC clock.
     * Elapsed time under a lease is measured on the {@link #scheduler}, so a test that moves this
     * clock by hours should move the scheduler's time with it (the testkit's {@code
     * FakeScheduler}), or a lease the clock says has run out still counts as held.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock == null");
      return this;
    }

    public Builder listener(BrokerListener listener) {
      this.listener = requireNonNull(listener, "listener == null");
      return this;
    }

    /**
     * Runs refreshes and write retries; default a daemon thread pool owned (and shut down) by the
     * broker. An executor that runs tasks inline works (a refresh then runs on the caller's
     * thread).
     */
    public Builder executor(ExecutorService executor) {
      this.executor = requireNonNull(executor, "executor == null");
      return this;
    }

    /**
     * The HttpClient for token endpoints (proxy, TLS); default one that never follows redirects.
     *
     * @throws IllegalArgumentException if {@code client} follows redirects: a redirected token
     *     request would carry the refresh token and client secret to another address
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = TokenClient.requireNoRedirects(client);
      return this;
    }

    /**
     * Retries of token-endpoint calls; default 3 attempts, backoff up to 5 s, {@code Retry-After}
     * honoured up to 10 s (a refresh holds the grant's lease meanwhile).
     */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = requireNonNull(policy, "policy == null");
      return this;
    }

    /** Time limit of one token-endpoint request; default 10 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /**
     * How long before expiry a background refresh starts; default 5 min (at most half the
     * lifetime).
     */
    public Builder refreshAhead(Duration window) {
      this.refreshAhead = positive(window, "refreshAhead");
      return this;
    }

    /**
     * The shortest time between two unforced refreshes of one grant, counted from when its tokens
     * arrived; default 1 s. A token whose stated lifetime is shorter (a provider answering {@code
     * expires_in: 0}) is served for this long rather than refreshed on every call. {@link
     * TokenBroker#forceRefresh} and {@link TokenBroker#refreshIfCurrent} are not held back.
     */
    public Builder minRefreshInterval(Duration interval) {
      this.minRefreshInterval = requireNonNull(interval, "interval == null");
      if (interval.isNegative()) {
        throw new IllegalArgumentException("minRefreshInterval is negative: " + interval);
      }
      return this;
    }

    /**
     * How long before expiry a token is no longer handed out; default 30 s (at most a tenth of the
     * lifetime).
     */
    public Builder expirySkew(Duration skew) {
      this.expirySkew = requireNonNull(skew, "skew == null");
      if (skew.isNegative()) {
        throw new IllegalArgumentException("expirySkew is negative: " + skew);
      }
      return this;
    }

    /** How long a caller waits for a refresh in flight; default 60 s. */
    public Builder maxWait(Duration wait) {
      this.maxWait = positive(wait, "maxWait");
      return this;
    }

    /**
     * How long a cross-process refresh lease lasts if its holder dies. A token call starts only
     * while the lease has more than its last 10 s (or quarter, for a short lease) left, kept for
     * writing the answer, and a retry only if it can end before that. It should outlast the longest
     * refresh (all attempts with their timeouts and waits): with a shorter lease there are fewer
     * retries, and an answer slower than the lease finds it gone (its tokens are then held and
     * written under a new lease, unless another process refreshed meanwhile). The default is that
     * worst case plus 15 s (65 s with the default timeouts and retry policy).
     */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = positive(ttl, "leaseTtl");
      return this;
    }

    /** How long a refresh waits for another broker's lease; default 60 s. */
    public Builder leaseWait(Duration wait) {
      this.leaseWait = positive(wait, "leaseWait");
      return this;
    }

    /**
     * The time seam: how the broker measures elapsed time, waits (lease polling, token retries,
     * write retries, {@link TokenBroker#flush}) and schedules write retries; default {@link
     * Scheduler#system()}. With a {@link Builder#clock} on the same virtual time and an inline
     * {@link #executor}, a test or simulation runs the broker deterministically without sleeping.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler == null");
      return this;
    }

    /**
     * How long {@link TokenBroker#close()} keeps retrying to write tokens the store refused, after
     * refreshes in flight ended; default 10 s.
     */
    public Builder closeWait(Duration wait) {
      this.closeWait = requireNonNull(wait, "wait == null");
      if (wait.isNegative()) {
        throw new IllegalArgumentException("closeWait is negative: " + wait);
      }
      return this;
    }

    /** The randomness of retry jitter (a seeded one makes a simulation reproducible). */
    Builder random(RandomGenerator random) {
      this.random = requireNonNull(random, "random == null");
      return this;
    }

    Builder writeRetryMin(Duration delay) {
      this.writeRetryMin = positive(delay, "writeRetryMin");
      return this;
    }

    private HttpClient httpClient() {
      if (httpClient == null) {
        httpClient =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
      }
      return httpClient;
    }

    /**
     * Builds the broker.
     *
     * @throws IllegalStateException if a persistent store was given without a keyset
     */
    public TokenBroker build() {
      KeysetHandle handle = keyset;
      if (handle == null) {
        if (storeSet && !(store instanceof InMemoryTokenStore)) {
          throw new IllegalStateException(
              "a keyset is required with "
                  + store.getClass().getSimpleName()
                  + ": entries sealed with a random keyset could never be opened again "
                  + "(use Keysets.loadOrCreate(path) or Keysets.fromEnvironment(name))");
        }
        handle = Keysets.generate();
      }
      Duration worstRefresh = worstCaseRefresh();
      if (leaseTtl == null) {
        leaseTtl = worstRefresh.plusSeconds(15);
      } else if (leaseTtl.minus(BrokerSettings.writeMarginFor(leaseTtl)).compareTo(worstRefresh)
          < 0) {
        System.getLogger(TokenBroker.class.getName())
            .log(
                System.Logger.Level.WARNING,
                "leaseTtl {0} is shorter than the longest possible refresh ({1}) plus the time kept"
                    + " for its write: fewer retries, and another process may take over a lease"
                    + " while a slow answer is still on its way",
                leaseTtl,
                worstRefresh);
      }
      ExecutorService owned =
          executor == null
              ? Executors.newCachedThreadPool(daemonThreads("tokenbroker-refresh"))
              : null;
      return new TokenBroker(this, new TokenSealer(handle), owned);
    }

    /** All attempts timing out, with the longest wait between each. */
    private Duration worstCaseRefresh() {
      int attempts = retryPolicy.maxAttempts();
      Duration longestWait =
          retryPolicy.maxBackoff().compareTo(retryPolicy.maxRetryAfter()) > 0
              ? retryPolicy.maxBackoff()
              : retryPolicy.maxRetryAfter();
      return requestTimeout.multipliedBy(attempts).plus(longestWait.multipliedBy(attempts - 1L));
    }

    private static Duration positive(Duration d, String name) {
      requireNonNull(d, name + " == null");
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
