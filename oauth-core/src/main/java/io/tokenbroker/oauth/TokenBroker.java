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
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
 * <h2>Many grants: templates, a bounded cache, consent on any instance</h2>
 *
 * An application holding one grant per customer registers a client once as a template ({@link
 * #registerTemplate}) and creates grants against it: by consent ({@link
 * #authorizationRequest(GrantKey, String, URI)}, completed by {@link #completeAuthorization} on any
 * broker sharing the store) or by client credentials ({@link #accessToken(GrantKey, String)}). Such
 * grants are stored with the template's name, so {@link #accessToken(GrantKey)} on any broker that
 * registered the template loads them from the store on first use. They live in memory in a Caffeine
 * cache bounded by {@link Builder#maxCachedGrants} and {@link Builder#expireIdleGrantsAfter}: an
 * evicted grant is read again from the store (one read, one decryption) on its next use; a grant
 * with a refresh in flight or tokens held unwritten is never dropped from memory (it is kept aside
 * until it is idle). Grants registered one by one ({@link #register}) are never evicted.
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

  private final ClientTemplates templates = new ClientTemplates();
  private final TokenClients clients;
  private final GrantCache grants;
  private final PendingConsents pendingConsents;
  private final GrantStatuses statuses;
  private final @Nullable ExecutorService ownedExecutor;
  private volatile boolean closed;

  private TokenBroker(Builder b, TokenSealer sealer, @Nullable ExecutorService ownedExecutor) {
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
    this.clients =
        new TokenClients(settings, b.retryPolicy, b.requestTimeout, b.httpClient(), b.random);
    this.grants =
        new GrantCache(
            settings, templates, b.maxCachedGrants, b.expireIdleGrantsAfter, () -> closed);
    this.pendingConsents = new PendingConsents(settings, b.pendingConsentLifetime);
    this.statuses = new GrantStatuses(settings, grants, templates);
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
    TokenClient client = clients.checkedClient("grant '" + key + "'", registration, type);
    grants.register(new Grant(key, registration, type, client, settings));
  }

  /**
   * Registers a client template: a client (provider, client id, secret, scopes, parameters) and how
   * its grants renew, under {@code name}, replacing an earlier template of that name for grants
   * loaded from now on. Grants are created against it by consent ({@link
   * #authorizationRequest(GrantKey, String, URI)}) or, for client credentials, on first use ({@link
   * #accessToken(GrantKey, String)}); they are stored with the template's name (inside the sealed
   * entry), so every broker that registered the same template serves them ({@link
   * #accessToken(GrantKey)}) without registering them one by one. No I/O happens here.
   *
   * @throws ClientConfigurationException if the registration cannot renew grants of {@code type}
   *     (no secret or key where the provider's client authentication needs one)
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public void registerTemplate(String name, ClientRegistration registration, GrantType type) {
    requireNonNull(name, "name == null");
    requireNonNull(registration, "registration == null");
    requireNonNull(type, "type == null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("template name is blank");
    }
    checkOpen();
    TokenClient client = clients.checkedClient("template '" + name + "'", registration, type);
    templates.register(new ClientTemplates.Template(name, registration, type, client));
  }

  /**
   * Returns a valid access token for {@code key}: cached, refreshed ahead of expiry, one refresh at
   * a time per grant across all callers and processes.
   *
   * <p>A key that is not registered one by one is looked up in the bounded cache of template
   * grants, and on a miss loaded from the store (one read, one decryption) and served with the
   * template named in its entry.
   *
   * @throws UnknownGrantException if the key is neither registered nor stored, or its stored entry
   *     names a template this broker has not registered, or an authorization-code grant has no
   *     stored tokens yet
   * @throws IllegalStateException if the broker is closed
   */
  public AccessToken accessToken(GrantKey key) {
    Grant grant = grants.get(key);
    if (grant != null && grant.template() == null) {
      return grant.accessToken();
    }
    return templateAccessToken(key, grant, null);
  }

  /**
   * As {@link #accessToken(GrantKey)} for a grant of client template {@code template}: when the
   * store holds no grant under {@code key} yet, a client-credentials (or JWT-bearer) template
   * creates it now, and it is stored with the template's name. A stored grant is served with the
   * template its entry names (or {@code template}, for entries written without one).
   *
   * @throws IllegalArgumentException if no template {@code template} is registered
   * @throws UnknownGrantException if the grant is not stored and {@code template} needs a consent
   *     ({@link #authorizationRequest(GrantKey, String, URI)})
   */
  public AccessToken accessToken(GrantKey key, String template) {
    requireNonNull(template, "template == null");
    templates.require(template);
    Grant grant = grants.get(requireNonNull(key, "key == null"));
    if (grant != null && grant.template() == null) {
      return grant.accessToken();
    }
    return templateAccessToken(key, grant, template);
  }

  private AccessToken templateAccessToken(
      GrantKey key, @Nullable Grant found, @Nullable String template) {
    Grant grant = found;
    for (int attempt = 0; ; attempt++) {
      if (grant == null) {
        grant = grants.loadCached(key, template, false);
      }
      try {
        return grant.accessToken();
      } catch (Grant.Evicted evicted) {
        grants.evictedMeanwhile(key, grant, attempt);
        grant = null;
      }
    }
  }

  /** Runs {@code action} on the grant of {@code key}, again on a fresh copy if it was evicted. */
  private <T> T withGrant(GrantKey key, Function<Grant, T> action) {
    for (int attempt = 0; ; attempt++) {
      Grant grant = grant(key);
      try {
        return action.apply(grant);
      } catch (Grant.Evicted evicted) {
        grants.evictedMeanwhile(key, grant, attempt);
      }
    }
  }

  /**
   * Obtains a new access token now, whether or not the current one is still valid (unless another
   * broker replaced it meanwhile, in which case its token is adopted).
   */
  public AccessToken forceRefresh(GrantKey key) {
    return withGrant(key, Grant::forceRefresh);
  }

  /**
   * For API clients that got a 401 with {@code rejected}: refreshes only if {@code rejected} is
   * still the current token, so many failing requests cause one refresh.
   */
  public AccessToken refreshIfCurrent(GrantKey key, AccessToken rejected) {
    requireNonNull(rejected, "rejected == null");
    return withGrant(key, grant -> grant.refreshIfCurrent(rejected));
  }

  /** Returns the current tokens of a grant (refreshing first if needed), e.g. to inspect scopes. */
  public TokenSet tokens(GrantKey key) {
    return withGrant(key, grant -> currentRecord(key, grant)).tokens();
  }

  /** The grant's record after {@link Grant#accessToken()}: the token it returned, with its key. */
  private static GrantRecord currentRecord(GrantKey key, Grant grant) {
    grant.accessToken();
    GrantRecord record = grant.currentRecord();
    if (record == null) {
      throw new UnknownGrantException(key); // removed meanwhile
    }
    return record;
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
    saveTokens(grant(key), tokens, dpop);
  }

  private void saveTokens(Grant grant, TokenSet tokens, @Nullable DpopKey dpop) {
    GrantKey key = grant.key();
    Instant now = settings.clock.instant();
    GrantRecord record =
        GrantRecord.next(null, grant.type(), grant.registration(), tokens, dpop, now)
            .withTemplate(grant.template());
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
   * Starts a consent that creates (or renews) grant {@code key} against client template {@code
   * template}, completable on any broker that shares this broker's store and keyset: the request's
   * {@code state}, PKCE verifier, redirect URI, template, grant key and expiry ({@link
   * Builder#pendingConsentLifetime}, default 10 minutes) are sealed into the store ({@link
   * TokenStore#savePendingConsent}, under base64url(SHA-256(state)): the store never sees the state
   * itself). Send the user to the returned request's {@link AuthorizationRequest#uri()}; hand the
   * callback to {@link #completeAuthorization} on whichever instance receives it (the returned
   * request's own {@code complete} and {@code exchange} do the same). Expired pending consents are
   * purged from the store opportunistically, at most once a minute, when consents start or
   * complete.
   *
   * @throws IllegalArgumentException if no template {@code template} is registered
   * @throws IllegalStateException if the template's grants renew by themselves (client credentials,
   *     JWT bearer: use {@link #accessToken(GrantKey, String)}), or {@code key} is registered on
   *     its own ({@link #register}; use {@link #authorizationRequest(GrantKey, URI)})
   * @throws UnsupportedOperationException if the store cannot keep pending consents
   */
  public AuthorizationRequest authorizationRequest(GrantKey key, String template, URI redirectUri) {
    requireNonNull(key, "key == null");
    requireNonNull(template, "template == null");
    requireNonNull(redirectUri, "redirectUri == null");
    checkOpen();
    ClientTemplates.Template t = templates.require(template);
    if (t.type().renewsByItself()) {
      throw new IllegalStateException(
          "template '" + template + "' is a " + t.type() + " template; it needs no consent");
    }
    Grant registered = grants.get(key);
    if (registered != null && registered.template() == null) {
      throw new IllegalStateException(
          "grant '"
              + key
              + "' is registered on its own; use authorizationRequest(key, redirectUri)");
    }
    DpopKey dpop = t.client().dpopKeyFor(null); // a new consent, a new key
    AuthorizationRequest request = t.client().authorizationRequest(redirectUri, key, dpop);
    PendingConsent pending = pendingConsents.save(key, template, request, redirectUri, dpop);
    return pendingRequest(request.uri(), pending, true);
  }

  /**
   * Completes a consent started by {@link #authorizationRequest(GrantKey, String, URI)} on this or
   * any other broker sharing the store: reads {@code code}, {@code state}, {@code error} and {@code
   * iss} from the callback URI the browser was redirected to, takes the pending consent for that
   * state out of the store (so it completes once), checks the callback as {@link
   * AuthorizationRequest#complete} does (RFC 9207 {@code iss}, error answers), exchanges the code
   * and stores the grant with its template.
   *
   * @return the key of the grant now stored
   * @throws ConsentException {@link ConsentException.Kind#UNKNOWN_STATE} if no pending consent
   *     matches the state (already completed, expired, or never started), {@link
   *     ConsentException.Kind#ACCESS_DENIED} or another kind for an error answer or a bad callback
   * @throws IllegalStateException if the consent's template is not registered on this broker
   * @throws TokenBrokerException if the token endpoint refuses or fails (the consent is used up:
   *     start a new one)
   */
  public GrantKey completeAuthorization(URI callbackUri) {
    requireNonNull(callbackUri, "callbackUri == null");
    checkOpen();
    String state = AuthorizationRequest.stateOf(callbackUri);
    PendingConsent pending = pendingConsents.take(PendingConsent.id(state));
    pendingRequest(pending.redirectUri(), pending, false).complete(callbackUri);
    return pending.key();
  }

  /**
   * The request that completes {@code pending}: checks the callback, then (taking the pending
   * consent out of the store first when {@code take}) exchanges the code and stores the grant.
   */
  private AuthorizationRequest pendingRequest(URI uri, PendingConsent pending, boolean take) {
    return new AuthorizationRequest(
        uri,
        pending.redirectUri(),
        pending.state(),
        pending.stateRequired(),
        pending.issuer(),
        pending.issuerRequired(),
        code -> {
          PendingConsent p = take ? pendingConsents.take(pending.id()) : pending;
          return finishConsent(p, code);
        });
  }

  private TokenSet finishConsent(PendingConsent pending, String code) {
    ClientTemplates.Template t = templates.get(pending.template());
    if (t == null) {
      throw new IllegalStateException(
          "the consent for '"
              + pending.key()
              + "' was started with template '"
              + pending.template()
              + "', which this broker has not registered (registerTemplate)");
    }
    TokenSet tokens =
        t.client()
            .exchangeCode(
                code,
                pending.redirectUri(),
                pending.codeVerifier(),
                pending.key(),
                pending.dpopKey());
    Grant grant = grants.get(pending.key());
    if (grant != null && grant.template() != null && !pending.template().equals(grant.template())) {
      // Consented again against another template: the new consent replaces the old grant.
      grants.drop(pending.key(), grant);
      grant.forget();
      grant = null;
    }
    if (grant == null || grant.isDetached()) {
      grant = grants.loadCached(pending.key(), pending.template(), true);
    }
    saveTokens(grant, tokens, pending.dpopKey());
    return tokens;
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
    GrantRecord record = withGrant(key, grant -> currentRecord(key, grant));
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
      GrantRecord record = StoredState.recordOrNull(settings, key);
      if (record != null && (held == null || !sameGrantTokens(held, record))) {
        told |= grant.client().revoke(record.tokens());
      }
      grants.drop(key, grant);
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
    return statuses.status(key);
  }

  /**
   * Status of every registered or stored grant, sorted by key. Reads the store page by page ({@link
   * TokenStore#loadPage}): one query per page of 1,000 grants on stores that implement it so, not
   * one per grant.
   */
  public List<GrantStatus> grants() {
    return statuses.all();
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
                grant.afterReseal(lease, new StoredState(record, entry.version()));
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
    List<Grant> live = grants.all();
    for (Grant grant : live) {
      grant.awaitIdle(deadline);
    }
    long pause = settings.writeRetryMin.toMillis();
    while (true) {
      Set<GrantKey> left = new TreeSet<>();
      for (Grant grant : live) {
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
    List<Grant> live = grants.all();
    for (Grant grant : live) {
      grant.close();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdown(); // no new refreshes; running ones finish
    }
    long deadline = settings.scheduler.nanoTime() + settings.leaseTtl.toNanos();
    for (Grant grant : live) {
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
    for (Grant grant : grants.all()) {
      grant.releaseKeptLease();
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "TokenBroker["
        + grants.size()
        + " grants in memory, "
        + templates.size()
        + " templates, store="
        + settings.store
        + "]";
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

  /** For tests: how many template grants the cache evicted while busy are kept aside now. */
  int keptAsideForTest() {
    return grants.keptAside();
  }

  boolean hasPendingWrite(GrantKey key) {
    Grant grant = grants.get(key);
    return grant != null && grant.hasPendingWrite();
  }

  /** The registered grant of {@code key}, else its template grant (loaded if not cached). */
  private Grant grant(GrantKey key) {
    requireNonNull(key, "key == null");
    checkOpen();
    Grant grant = grants.get(key);
    if (grant != null && !grant.isDetached()) {
      return grant;
    }
    return grants.loadCached(key, null, false);
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
    private long maxCachedGrants = 100_000;
    private @Nullable Duration expireIdleGrantsAfter;
    private Duration pendingConsentLifetime = Duration.ofMinutes(10);

    private Builder() {}

    /**
     * At most how many grants created against templates stay in memory (Caffeine's maximum size);
     * default 100,000. Beyond it the least useful idle ones are dropped and read again from the
     * store on their next use. Grants with a refresh in flight or tokens held unwritten are kept
     * aside meanwhile (not counted), and grants registered one by one ({@link
     * TokenBroker#register}) are never dropped.
     */
    public Builder maxCachedGrants(long max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxCachedGrants is negative: " + max);
      }
      this.maxCachedGrants = max;
      return this;
    }

    /**
     * Drops a template grant from memory when it was not used for {@code idle} (Caffeine's
     * expire-after-access, on the broker's {@link #clock}); default never. It is read again from
     * the store on its next use. The same exceptions as for {@link #maxCachedGrants} apply.
     */
    public Builder expireIdleGrantsAfter(Duration idle) {
      this.expireIdleGrantsAfter = positive(idle, "expireIdleGrantsAfter");
      return this;
    }

    /**
     * How long a consent started with {@link TokenBroker#authorizationRequest(GrantKey, String,
     * URI)} can be completed; default 10 minutes.
     *
     * <p>An expired pending consent is refused at once ({@link
     * ConsentException.Kind#UNKNOWN_STATE}) but is deleted from the store lazily: no background
     * task runs; a broker purges the expired ones ({@link TokenStore#purgeExpiredPendingConsents})
     * when a consent is started or completed on it, at most once a minute. A store may therefore
     * hold expired pending consents for as long as no consent starts or completes anywhere.
     */
    public Builder pendingConsentLifetime(Duration lifetime) {
      this.pendingConsentLifetime = positive(lifetime, "pendingConsentLifetime");
      return this;
    }

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
