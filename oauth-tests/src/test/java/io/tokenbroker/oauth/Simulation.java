package io.tokenbroker.oauth;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.internal.TokenSealer;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.FakeScheduler;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One seeded, deterministic run: a virtual clock, 1 to 4 brokers sharing one fault-injecting store
 * ({@link SimStore}), a simulated provider ({@link SimProvider}) in one of four rotation modes,
 * reached through an in-process {@link SimHttpClient}. Everything runs on the calling thread:
 * refreshes run inline, write retries are tasks of a virtual scheduler, and concurrency is modelled
 * by running another broker's operation at interception points (inside a token call, after a store
 * operation), so interleavings follow from the seed alone.
 *
 * <p>Invariants, checked as the run goes and after it healed:
 *
 * <ol>
 *   <li>a spent refresh token is never presented, except after the answer that rotated it was lost
 *       (an ambiguous loss: the request was sent, its answer never arrived);
 *   <li>the grant stays alive unless the provider ended it (revocation, reuse after such a loss in
 *       strict mode, or a rotation whose answer was lost);
 *   <li>no caller receives a token that was not persisted first, or held by its broker and
 *       persisted later;
 *   <li>store versions strictly increase;
 *   <li>no secret appears in any log line, event or exception message.
 * </ol>
 *
 * <p>Not thread-safe; one simulation at a time per JVM (it installs a log handler).
 */
final class Simulation {
  static final GrantKey KEY = GrantKey.of("sim/user");

  private static final URI TOKEN_ENDPOINT = URI.create("https://idp.sim.example/token");
  private static final URI REVOCATION_ENDPOINT = URI.create("https://idp.sim.example/revoke");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration LEASE_TTL = Duration.ofSeconds(120);
  private static final int MAX_DEPTH = 2;
  private static final long START_MILLIS = FakeClock.create().millis();

  /** The probabilities of each fault, drawn per seed (many are zero in a given run). */
  static final class Faults {
    double pStoreError;
    double pUnreadable;
    double pSlowStore;
    double pLostStoreAnswer;
    double pServerError;
    double pRateLimited;
    double pLostAnswer;
    double pSlowAnswer;
    double pStuckPastLease;
    double pStallAfterAnswer;
    double pIntercept;
  }

  /** What the network does to one token request. */
  enum NetworkFault {
    NONE,
    SERVER_ERROR,
    RATE_LIMITED,
    LOST,
    SLOW,
    STUCK_PAST_LEASE,
    /** The answer arrives, then the broker stalls (a long pause) until its lease ran out. */
    STALL_AFTER_ANSWER
  }

  /** What a run came to. */
  record Result(
      long seed, @Nullable String violation, List<String> trace, Map<String, Integer> stats) {}

  final long seed;

  /** Whether to trace every step (for replaying one seed); the trace costs time. */
  final boolean detailed;

  final SplittableRandom random;
  final FakeClock clock = FakeClock.create();
  final Faults faults = new Faults();
  final SimProvider provider;
  final SimStore store;
  long outageUntilMillis;
  long readOnlyUntilMillis;

  private final List<SimBroker> brokers = new ArrayList<>();
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private final Deque<Integer> active = new ArrayDeque<>();
  private final ClientRegistration registration;
  private final Map<Integer, Boolean> fates = new HashMap<>();

  /** Requests whose answers never reached a broker, or were abandoned at close. */
  private final Set<Integer> goneAnswers = new HashSet<>();

  private final Set<String> everPersisted = new HashSet<>();

  /** Per family, the newest access token ever persisted (by the provider's counter). */
  private final Map<Integer, Long> newestPersisted = new HashMap<>();

  /** Access tokens handed out while only held by their broker: they must reach the store. */
  private final Map<String, SimProvider.Family> handedOutHeld = new HashMap<>();

  private final List<String> trace = new ArrayList<>();
  private final Map<String, Integer> stats = new HashMap<>();
  private final Map<KeysetHandle, TokenSealer> sealers = new HashMap<>();
  private KeysetHandle keyset;
  private int requests;
  private long taskSequence;
  private @Nullable String violation;
  private boolean revoked;

  /** One broker and what the simulation remembers about it. */
  private final class SimBroker {
    final int index;
    TokenBroker broker;
    @Nullable AccessToken lastToken;

    SimBroker(int index) {
      this.index = index;
      this.broker = newBroker(index);
    }
  }

  private static final class Task implements Comparable<Task> {
    final long dueMillis;
    final long sequence;
    final int owner;
    final Runnable runnable;
    final CompletableFuture<Void> handle = new CompletableFuture<>();

    Task(long dueMillis, long sequence, int owner, Runnable runnable) {
      this.dueMillis = dueMillis;
      this.sequence = sequence;
      this.owner = owner;
      this.runnable = runnable;
    }

    @Override
    public int compareTo(Task other) {
      int byTime = Long.compare(dueMillis, other.dueMillis);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }

  Simulation(long seed) {
    this(seed, false);
  }

  Simulation(long seed, boolean detailed) {
    this.seed = seed;
    this.detailed = detailed;
    this.random = new SplittableRandom(seed);
    SimProvider.Mode mode = SimProvider.Mode.values()[random.nextInt(4)];
    Duration grace = Duration.ofSeconds(5 + random.nextInt(60));
    long lifetime = new long[] {30, 120, 600}[random.nextInt(3)];
    this.provider = new SimProvider(this, clock, mode, grace, lifetime);
    this.store = new SimStore(this, InMemoryTokenStore.create(clock));
    this.keyset = Keysets.generate();
    Provider idp =
        Provider.builder("sim")
            .tokenEndpoint(TOKEN_ENDPOINT)
            .revocationEndpoint(REVOCATION_ENDPOINT)
            .build();
    this.registration =
        ClientRegistration.of(idp, "sim-client", ClientSecret.of(SimProvider.CLIENT_SECRET));
    drawFaults();
    count("mode." + mode);
  }

  private void drawFaults() {
    faults.pStoreError = maybe(0.02);
    faults.pUnreadable = maybe(0.02);
    faults.pSlowStore = maybe(0.1);
    faults.pLostStoreAnswer = maybe(0.03);
    faults.pServerError = maybe(0.1);
    faults.pRateLimited = maybe(0.05);
    faults.pLostAnswer = maybe(0.05);
    faults.pSlowAnswer = maybe(0.1);
    faults.pStuckPastLease = maybe(0.02);
    faults.pStallAfterAnswer = maybe(0.02);
    faults.pIntercept = maybe(0.25);
  }

  private double maybe(double p) {
    return random.nextInt(3) == 0 ? 0 : p * (0.5 + random.nextDouble());
  }

  // ------------------------------------------------------------------------------------ the run

  Result run() {
    Level previous = LogCheck.install(this);
    try {
      int count = 1 + random.nextInt(4);
      for (int i = 0; i < count; i++) {
        brokers.add(new SimBroker(i));
      }
      consentInitially();
      int steps = 20 + random.nextInt(40);
      for (int i = 0; i < steps && violation == null; i++) {
        step();
      }
      if (violation == null) {
        heal();
      }
      for (SimBroker b : brokers) {
        b.broker.close();
      }
    } catch (RuntimeException | AssertionError e) {
      violation("the simulation itself failed: " + e + " at " + e.getStackTrace()[0]);
    } finally {
      LogCheck.uninstall(previous);
    }
    return new Result(seed, violation, trace, stats);
  }

  private void consentInitially() {
    Faults drawn = new Faults();
    copy(faults, drawn);
    copy(new Faults(), faults); // the first consent succeeds
    TokenSet tokens = provider.consent();
    brokers.get(0).broker.saveTokens(KEY, tokens);
    trace("consent family " + familyId(tokens) + " by broker 0");
    copy(drawn, faults);
  }

  private void step() {
    int roll = random.nextInt(100);
    SimBroker b = brokers.get(random.nextInt(brokers.size()));
    if (revoked && roll < 50) {
      revoked = false;
      reconsent(b); // the user consents again after a revocation, sooner or later
      return;
    }
    if (roll < 30) {
      accessToken(b);
    } else if (roll < 38) {
      forceRefresh(b);
    } else if (roll < 44) {
      refreshIfCurrent(b);
    } else if (roll < 58) {
      advance(Duration.ofMillis(random.nextInt(5_000)), "a moment");
    } else if (roll < 68) {
      advance(Duration.ofMillis(5_000 + random.nextInt(55_000)), "up to a minute");
    } else if (roll < 73) {
      advance(Duration.ofSeconds(60 + random.nextInt(600)), "minutes");
    } else if (roll < 77) {
      outageUntilMillis = clock.millis() + 1_000 + random.nextInt(19_000);
      trace("store outage until +" + (outageUntilMillis - clock.millis()) + " ms");
    } else if (roll < 81) {
      readOnlyUntilMillis = clock.millis() + 500 + random.nextInt(9_500);
      trace("store read-only until +" + (readOnlyUntilMillis - clock.millis()) + " ms");
    } else if (roll < 84) {
      reconsent(b);
    } else if (roll < 86) {
      revoke(b);
    } else if (roll < 88) {
      rotateKeys();
    } else if (roll < 92) {
      closeAndReopen(b);
    } else {
      flush(b);
    }
  }

  // ----------------------------------------------------------------------------- operations

  private void accessToken(SimBroker b) {
    call(b, "accessToken", () -> handedOut(b, b.broker.accessToken(KEY)));
  }

  private void forceRefresh(SimBroker b) {
    call(b, "forceRefresh", () -> handedOut(b, b.broker.forceRefresh(KEY)));
  }

  private void refreshIfCurrent(SimBroker b) {
    AccessToken rejected = b.lastToken;
    if (rejected == null) {
      accessToken(b);
      return;
    }
    call(b, "refreshIfCurrent", () -> handedOut(b, b.broker.refreshIfCurrent(KEY, rejected)));
  }

  private void reconsent(SimBroker b) {
    TokenSet tokens = provider.consent();
    call(
        b,
        "consent family " + familyId(tokens),
        () -> {
          for (SimBroker each : brokers) {
            if (!active.contains(each.index) || each == b) {
              registerIfNeeded(each);
            }
          }
          b.broker.saveTokens(KEY, tokens);
        });
  }

  /** Registers the grant again where a revocation unregistered it. */
  private void registerIfNeeded(SimBroker b) {
    try {
      b.broker.grantForTest(KEY);
    } catch (UnknownGrantException unregistered) {
      b.broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
    }
  }

  private void revoke(SimBroker b) {
    call(
        b,
        "revoke",
        () -> {
          b.broker.revoke(KEY);
          revoked = true;
        });
  }

  private void rotateKeys() {
    KeysetHandle next = Keysets.rotate(keyset);
    keyset = next; // reopened brokers get it too
    trace("rotate keys");
    for (SimBroker b : brokers) {
      call(b, "rotateKeys", () -> b.broker.rotateKeys(next));
    }
  }

  private void closeAndReopen(SimBroker b) {
    call(b, "close", () -> b.broker.close());
    b.broker = newBroker(b.index);
    b.lastToken = null;
  }

  private void flush(SimBroker b) {
    Duration wait = Duration.ofSeconds(random.nextInt(30));
    call(b, "flush " + wait.toSeconds() + " s", () -> b.broker.flush(wait));
  }

  /** Advances virtual time at the top level, running due write retries on the way. */
  private void advance(Duration duration, String what) {
    trace("time passes: " + what + " (" + duration.toMillis() + " ms)");
    sleepUntil(clock.millis() + duration.toMillis());
  }

  /** Runs a broker operation and judges what came out of it. */
  private void call(SimBroker b, String what, Runnable operation) {
    trace((active.isEmpty() ? "" : indent() + "(meanwhile) ") + "broker " + b.index + ": " + what);
    active.push(b.index);
    try {
      operation.run();
      count("ok." + what.split(" ")[0]);
      trace(indent() + "-> ok");
    } catch (TokenBrokerException e) {
      count("failed." + e.getClass().getSimpleName());
      trace(indent() + "-> " + e.getClass().getSimpleName() + ": " + e.getMessage());
      checkMessage(e);
      if (e instanceof InvalidGrantException) {
        checkLegitimatelyEnded("broker " + b.index + " " + what + " threw " + e.getMessage());
      }
      if (e instanceof ClientConfigurationException) {
        violation("broker " + b.index + " " + what + ": unexpected " + e);
      }
    } catch (IllegalStateException e) {
      violation("broker " + b.index + " " + what + ": " + e);
    } catch (RuntimeException e) {
      violation(
          "broker " + b.index + " " + what + ": unexpected " + e + " at " + e.getStackTrace()[0]);
    } finally {
      active.pop();
    }
  }

  // ------------------------------------------------------------------- interception points

  /** At a token call or after a store operation: maybe another broker runs meanwhile. */
  void intercept(int unusedBroker) {
    if (active.size() > MAX_DEPTH || !chance(faults.pIntercept)) {
      return;
    }
    List<SimBroker> idle = new ArrayList<>();
    for (SimBroker b : brokers) {
      if (!active.contains(b.index)) {
        idle.add(b);
      }
    }
    if (idle.isEmpty()) {
      return;
    }
    SimBroker b = idle.get(random.nextInt(idle.size()));
    int roll = random.nextInt(100);
    if (roll < 45) {
      accessToken(b);
    } else if (roll < 70) {
      forceRefresh(b);
    } else if (roll < 85) {
      refreshIfCurrent(b);
    } else if (roll < 90) {
      reconsent(b);
    } else if (roll < 92) {
      revoke(b);
    } else {
      flush(b);
    }
  }

  NetworkFault networkFault(int broker) {
    double roll = random.nextDouble();
    double p = faults.pServerError;
    if (roll < p) {
      count("net.5xx");
      return NetworkFault.SERVER_ERROR;
    }
    if (roll < (p += faults.pRateLimited)) {
      count("net.429");
      return NetworkFault.RATE_LIMITED;
    }
    if (roll < (p += faults.pLostAnswer)) {
      count("net.lost");
      return NetworkFault.LOST;
    }
    if (roll < (p += faults.pSlowAnswer)) {
      count("net.slow");
      return NetworkFault.SLOW;
    }
    if (roll < (p += faults.pStuckPastLease)) {
      count("net.stuck-past-lease");
      return NetworkFault.STUCK_PAST_LEASE;
    }
    if (roll < p + faults.pStallAfterAnswer) {
      count("net.stall-after-answer");
      return NetworkFault.STALL_AFTER_ANSWER;
    }
    return NetworkFault.NONE;
  }

  long slowMillis() {
    return 100 + random.nextInt(8_000); // past the 5 s request timeout sometimes
  }

  long retryAfterSeconds() {
    return 1 + random.nextInt(random.nextInt(4) == 0 ? 3_600 : 30);
  }

  int nextRequestId() {
    return ++requests;
  }

  Duration leaseTtl() {
    return LEASE_TTL;
  }

  boolean chance(double p) {
    return p > 0 && random.nextDouble() < p;
  }

  // ------------------------------------------------------------------------------ invariants

  /**
   * The provider spent a refresh token in request {@code request}; did its answer arrive? If it
   * never reached the broker ({@code gone}: lost or timed out, not merely late), the refresh token
   * it carried is known to nobody (see {@link #newestLost}).
   */
  void answerFate(int request, boolean delivered, boolean gone) {
    fates.put(request, delivered);
    trace(
        indent()
            + "  (request "
            + request
            + " rotated a refresh token; its answer "
            + (delivered ? "arrives)" : "is lost)"));
    if (!delivered) {
      count("ambiguous-loss");
    }
    if (gone) {
      goneAnswers.add(request);
    }
  }

  /**
   * Nobody can refresh {@code family} any more, whatever the brokers do: its newest refresh token
   * went with an answer that never reached a broker (or that a broker abandoned at close), and
   * (with a grace period) the token before it is past its grace. Older spent tokens presented then
   * cannot hurt a live grant.
   */
  private boolean newestLost(SimProvider.Family family) {
    SimProvider.Refresh latest = provider.refresh(family.latestRefreshToken);
    if (latest == null || latest.issuedBy < 0 || !goneAnswers.contains(latest.issuedBy)) {
      return false;
    }
    if (provider.mode == SimProvider.Mode.GRACE) {
      SimProvider.Refresh parent = latest.parent;
      return parent == null || clock.millis() - parent.usedAtMillis > provider.grace.toMillis();
    }
    return provider.mode != SimProvider.Mode.OFF;
  }

  /** Invariant 1: a spent refresh token was presented. */
  void spentRefreshTokenPresented(SimProvider.Refresh refresh) {
    Boolean delivered = fates.get(refresh.spentBy);
    SimProvider.Family family = refresh.family;
    if (family.revoked
        || (family.ambiguouslySpent && provider.mode != SimProvider.Mode.GRACE)
        || newestLost(family)) {
      // The grant is dead already: revoked (by the application, or for a reuse after a lost
      // answer), or its newest refresh token was spent by a lost answer, which no broker can
      // recover from. Nothing alive can be hurt by another refused presentation.
      count("spent-of-a-dead-grant");
      return;
    }
    if (delivered == null || delivered) {
      violation(
          "a spent refresh token was presented although the answer that rotated it (request "
              + refresh.spentBy
              + ") had arrived");
    } else {
      refresh.family.ambiguouslySpent = true;
      count("spent-after-ambiguous-loss");
    }
  }

  /** Invariant 2, when a broker says the grant needs re-authorization. */
  private void checkLegitimatelyEnded(String context) {
    GrantRecord stored = storedRecord();
    if (stored == null || !stored.reauthorizationRequired()) {
      return; // refused without a mark: judged when the run ends
    }
    SimProvider.Family family = familyOf(stored);
    if (family != null && !legitimatelyEnded(family)) {
      violation("the grant was marked dead although the provider did not end it: " + context);
    }
  }

  private boolean legitimatelyEnded(SimProvider.Family family) {
    return family.revoked
        || (provider.mode != SimProvider.Mode.OFF && family.ambiguouslySpent)
        || newestLost(family);
  }

  /** Invariant 3: what a caller received. */
  private void handedOut(SimBroker b, AccessToken token) {
    b.lastToken = token;
    String value = token.revealValue();
    if (everPersisted.contains(value)) {
      return;
    }
    // Held by its broker, or an older token of the held chain (a refresh from it replaced it
    // while the call returned).
    for (GrantRecord held : ((Grant) b.broker.grantForTest(KEY)).heldChain()) {
      if (held.tokens().accessToken().equals(token)) {
        handedOutHeld.put(value, provider.accessTokens.get(value));
        count("handed-out-held");
        return;
      }
    }
    violation("broker " + b.index + " handed out a token that was neither persisted nor held");
  }

  /** The store accepted a write: remember what was persisted. */
  void persisted(byte[] sealed) {
    GrantRecord record = GrantRecord.decode(KEY, sealer().open(KEY, sealed));
    String access = record.tokens().accessToken().revealValue();
    everPersisted.add(access);
    SimProvider.Family family = provider.accessTokens.get(access);
    if (family != null) {
      newestPersisted.merge(family.id, number(access), Math::max);
    }
  }

  /** The provider's counter in a token value: later tokens have higher numbers. */
  private static long number(String token) {
    return Long.parseLong(token.substring(token.lastIndexOf('-') + 1));
  }

  void violation(String what) {
    if (violation == null) {
      violation = what;
      trace("VIOLATION: " + what);
    }
  }

  private void checkMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains(SimProvider.SECRET_PREFIX)) {
        violation("a secret in an exception message: " + t.getClass().getSimpleName());
      }
    }
  }

  void logged(LogRecord record) {
    if (contains(record.getMessage())) {
      violation("a secret in a log line: " + record.getLoggerName());
    }
    Object[] parameters = record.getParameters();
    if (parameters != null) {
      for (Object parameter : parameters) {
        if (contains(String.valueOf(parameter))) {
          violation("a secret in a log line's parameter: " + record.getLoggerName());
        }
      }
    }
    if (record.getThrown() != null) {
      checkMessage(record.getThrown());
    }
  }

  private static boolean contains(@Nullable String text) {
    return text != null && text.contains(SimProvider.SECRET_PREFIX);
  }

  // ------------------------------------------------------------------------------------ heal

  /** Ends the faults, lets the brokers catch up, and checks that nothing was lost. */
  private void heal() {
    trace("heal: faults end");
    Faults none = new Faults();
    copy(none, faults);
    outageUntilMillis = 0;
    readOnlyUntilMillis = 0;
    advance(Duration.ofMinutes(3), "the retries catch up");
    for (SimBroker b : brokers) {
      call(
          b,
          "flush (healed)",
          () -> {
            Set<GrantKey> left = b.broker.flush(Duration.ofMinutes(2));
            if (!left.isEmpty()) {
              violation("broker " + b.index + " still holds unwritten tokens after healing");
            }
          });
    }
    GrantRecord stored = storedRecord();
    SimProvider.Family current = stored == null ? null : familyOf(stored);
    for (Map.Entry<String, SimProvider.Family> held : handedOutHeld.entrySet()) {
      // Persisted itself, or a later token refreshed from it was (the chain went on in memory
      // while the store refused writes); or the family was replaced by a new consent.
      SimProvider.Family family = held.getValue();
      boolean replaced = current == null || family.id < current.id || legitimatelyEnded(family);
      long newest = newestPersisted.getOrDefault(family.id, -1L);
      if (!replaced && newest < number(held.getKey())) {
        violation("a token handed out while held never reached the store, nor any later one");
      }
    }
    if (violation != null || stored == null || current == null) {
      return; // revoked, or a consent that never reached the store: nothing more to keep alive
    }
    // Past every token's expiry and any Retry-After the broker still honours.
    advance(Duration.ofMinutes(61).plusSeconds(provider.lifetimeSeconds), "an hour");
    boolean ended = legitimatelyEnded(current);
    for (SimBroker b : brokers) {
      registerIfNeeded(b);
      trace("broker " + b.index + ": accessToken (healed)");
      active.push(b.index);
      try {
        handedOut(b, b.broker.accessToken(KEY));
      } catch (InvalidGrantException e) {
        if (!legitimatelyEnded(current)) {
          violation("the grant died although the provider did not end it: " + e.getMessage());
        }
      } catch (RuntimeException e) {
        violation("after healing, broker " + b.index + " failed: " + e);
      } finally {
        active.pop();
      }
    }
    count(ended ? "end.ended" : "end.alive");
  }

  private static void copy(Faults from, Faults to) {
    to.pStoreError = from.pStoreError;
    to.pUnreadable = from.pUnreadable;
    to.pSlowStore = from.pSlowStore;
    to.pLostStoreAnswer = from.pLostStoreAnswer;
    to.pServerError = from.pServerError;
    to.pRateLimited = from.pRateLimited;
    to.pLostAnswer = from.pLostAnswer;
    to.pSlowAnswer = from.pSlowAnswer;
    to.pStuckPastLease = from.pStuckPastLease;
    to.pStallAfterAnswer = from.pStallAfterAnswer;
    to.pIntercept = from.pIntercept;
  }

  private @Nullable GrantRecord storedRecord() {
    Optional<StoredGrant> entry = store.real().load(KEY);
    return entry.map(e -> GrantRecord.decode(KEY, sealer().open(KEY, e.sealed()))).orElse(null);
  }

  private SimProvider.@Nullable Family familyOf(GrantRecord record) {
    RefreshToken refresh = record.tokens().refreshToken();
    return refresh == null ? null : provider.familyOfRefreshToken(refresh.revealValue());
  }

  private int familyId(TokenSet tokens) {
    SimProvider.Family family = provider.familyOfRefreshToken(tokens.refreshToken().revealValue());
    return family == null ? -1 : family.id;
  }

  private TokenSealer sealer() {
    return sealers.computeIfAbsent(keyset, TokenSealer::new);
  }

  // ------------------------------------------------------------------------------- brokers

  private TokenBroker newBroker(int index) {
    TokenBroker broker =
        TokenBroker.builder()
            .store(store)
            .keyset(keyset)
            .clock(clock)
            .scheduler(new SimScheduler(index))
            .executor(INLINE)
            .httpClient(new SimHttpClient(this, index))
            .listener(new Events(index))
            .retryPolicy(
                new RetryPolicy(
                    2, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(3)))
            .requestTimeout(REQUEST_TIMEOUT)
            .leaseTtl(LEASE_TTL)
            .leaseWait(Duration.ofSeconds(3))
            .closeWait(Duration.ofSeconds(60))
            .random(new SplittableRandom(seed * 31 + index))
            .writeRetryMin(Duration.ofMillis(500))
            .build();
    broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
    return broker;
  }

  /** Checks every event's text for secrets. */
  private final class Events implements BrokerListener {
    private final int index;

    Events(int index) {
      this.index = index;
    }

    @Override
    public void refreshFailed(GrantKey key, TokenBrokerException failure) {
      checkMessage(failure);
    }

    @Override
    public void storeWriteFailed(GrantKey key, TokenStoreException failure) {
      checkMessage(failure);
      count("event.storeWriteFailed");
    }

    @Override
    public void storeWriteRecovered(GrantKey key) {
      count("event.storeWriteRecovered");
    }

    /**
     * A broker closed with tokens the store never took, after retrying for its close wait, and said
     * so: to the other brokers that is like a crash after the answers arrived. The answers that
     * carried the abandoned refresh tokens count as lost.
     */
    @Override
    public void storeWriteAbandoned(GrantKey key, TokenStoreException lastFailure) {
      checkMessage(lastFailure);
      count("event.storeWriteAbandoned");
      for (GrantRecord abandoned :
          ((Grant) brokers.get(index).broker.grantForTest(KEY)).heldChain()) {
        RefreshToken refresh = abandoned.tokens().refreshToken();
        SimProvider.Refresh issued =
            refresh == null ? null : provider.refresh(refresh.revealValue());
        if (issued != null && issued.issuedBy >= 0) {
          fates.put(issued.issuedBy, false);
          goneAnswers.add(issued.issuedBy);
        }
      }
      trace(indent() + "  (abandoned at close: the answers that carried its tokens count as lost)");
    }

    @Override
    public void storeEntryUnreadable(GrantKey key, TokenStoreException failure) {
      checkMessage(failure);
    }

    @Override
    public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
      checkMessage(failure);
    }
  }

  private static final ExecutorService INLINE = FakeScheduler.inlineExecutor();

  /**
   * One broker's view of the virtual time: sleeping moves the clock, running due tasks of brokers
   * that are not in the middle of an operation on the way (they run concurrently in reality).
   */
  private final class SimScheduler implements Scheduler {
    private final int owner;

    SimScheduler(int owner) {
      this.owner = owner;
    }

    @Override
    public long nanoTime() {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public void sleep(Duration duration) {
      sleepUntil(clock.millis() + Math.max(0, duration.toMillis()));
    }

    @Override
    public Future<?> schedule(Runnable task, Duration delay) {
      Task scheduled =
          new Task(clock.millis() + Math.max(0, delay.toMillis()), taskSequence++, owner, task);
      tasks.add(scheduled);
      return scheduled.handle;
    }
  }

  /** Moves the clock to {@code target}, running due tasks of idle brokers at their due times. */
  private void sleepUntil(long target) {
    while (violation == null) {
      Task next = nextRunnable(target);
      if (next == null) {
        break;
      }
      if (next.dueMillis > clock.millis()) {
        clock.set(Instant.ofEpochMilli(next.dueMillis));
      }
      tasks.remove(next);
      if (next.handle.complete(null)) {
        active.push(next.owner);
        try {
          next.runnable.run();
        } catch (RuntimeException e) {
          violation("a write retry of broker " + next.owner + " threw " + e);
        } finally {
          active.pop();
        }
      }
    }
    if (target > clock.millis()) {
      clock.set(Instant.ofEpochMilli(target));
    }
  }

  private @Nullable Task nextRunnable(long target) {
    if (active.size() > MAX_DEPTH) {
      return null; // they run once the stack is shallower
    }
    Task best = null;
    for (Task task : tasks) {
      if (task.dueMillis <= target
          && !active.contains(task.owner)
          && (best == null || task.compareTo(best) < 0)) {
        best = task;
      }
    }
    return best;
  }

  // ------------------------------------------------------------------------------ reporting

  void trace(String line) {
    if (detailed || line.startsWith("VIOLATION")) {
      trace.add("[" + (clock.millis() - START_MILLIS) / 1000.0 + " s] " + line);
    }
  }

  String indent() {
    return "  ".repeat(active.size());
  }

  private void count(String what) {
    stats.merge(what, 1, Integer::sum);
  }

  String describe() {
    return "seed "
        + seed
        + " (provider "
        + provider.mode
        + ", "
        + brokers.size()
        + " brokers): "
        + violation
        + "\n"
        + String.join("\n", trace.subList(Math.max(0, trace.size() - 80), trace.size()));
  }

  /**
   * Routes the library's log records to the running simulation, which checks every line against its
   * provider's secrets (an invariant of each step). They do not reach the root logger, so the
   * {@code SecretLeakCheck} extension (which knows only the fake servers' secrets) neither sees nor
   * buffers them. The test itself prints only counts, and a failing seed's trace of operations.
   */
  static final class LogCheck extends Handler {
    private static final Logger ROOT = Logger.getLogger("io.tokenbroker");
    private static final LogCheck INSTANCE = new LogCheck();
    private static volatile @Nullable Simulation current;

    static Level install(Simulation simulation) {
      current = simulation;
      Level previous = ROOT.getLevel();
      ROOT.setLevel(Level.ALL);
      if (!List.of(ROOT.getHandlers()).contains(INSTANCE)) {
        ROOT.addHandler(INSTANCE);
        ROOT.setUseParentHandlers(false); // millions of lines must not reach the console
      }
      return previous;
    }

    static void uninstall(@Nullable Level previous) {
      current = null;
      ROOT.setLevel(previous);
    }

    /** Puts the console back (after a whole run of seeds). */
    static void removeHandler() {
      ROOT.removeHandler(INSTANCE);
      ROOT.setUseParentHandlers(true);
    }

    @Override
    public void publish(LogRecord record) {
      Simulation simulation = current;
      if (simulation != null) {
        simulation.logged(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  Map<String, Integer> stats() {
    return Collections.unmodifiableMap(stats);
  }
}
