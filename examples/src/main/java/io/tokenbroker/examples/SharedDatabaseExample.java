package io.tokenbroker.examples;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * Two application instances, one database: each has its own broker and its own {@link
 * JdbcTokenStore} over a shared database (here an in-memory H2; in production PostgreSQL). A grant
 * consented through one instance is used by the other, and when the token expires while both need
 * it, exactly one of them refreshes: Procore's single-use refresh token is never sent twice.
 *
 * <pre>
 * java -cp examples/target/tokenbroker.jar io.tokenbroker.examples.SharedDatabaseExample
 * </pre>
 *
 * Runs offline against the Procore sandbox with 2-second tokens.
 */
public final class SharedDatabaseExample {
  private SharedDatabaseExample() {}

  /** What the example saw, for its test. */
  record Result(
      boolean sameTokenBeforeExpiry, int refreshes, int adoptions, boolean sameTokenAfter) {}

  public static void main(String[] args) throws Exception {
    offline(System.out);
  }

  /** The example against the Procore sandbox and an in-memory H2 database. */
  static Result offline(PrintStream out) throws Exception {
    try (ProcoreSandbox sandbox =
        ProcoreSandbox.builder().accessTokenLifetime(Duration.ofSeconds(2)).start()) {
      sandbox.registerClient("example-app", "example-client-secret");
      Procore procore = Procore.custom("sandbox", sandbox.loginUrl(), sandbox.apiUrl());
      JdbcDataSource db = new JdbcDataSource(); // in production: your PostgreSQL DataSource
      db.setURL("jdbc:h2:mem:shared-example-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
      ClientRegistration app =
          procore.registration("example-app", ClientSecret.of("example-client-secret"));
      return run(procore, app, db, out);
    }
  }

  static Result run(Procore procore, ClientRegistration app, DataSource db, PrintStream out)
      throws Exception {
    KeysetHandle keyset = Keysets.generate(); // every instance must use the same keyset
    AtomicInteger refreshes = new AtomicInteger();
    AtomicInteger adoptions = new AtomicInteger();
    BrokerListener events =
        new BrokerListener() {
          @Override
          public void refreshSucceeded(GrantKey key, Instant expiresAt) {
            refreshes.incrementAndGet();
          }

          @Override
          public void tokensAdopted(GrantKey key, Instant expiresAt) {
            adoptions.incrementAndGet();
          }
        };
    GrantKey key = procore.grantKey("shared-user");
    try (JdbcTokenStore storeA = JdbcTokenStore.builder(db).leaseOwner("instance-a").build();
        JdbcTokenStore storeB = JdbcTokenStore.builder(db).leaseOwner("instance-b").build();
        TokenBroker a =
            TokenBroker.builder().store(storeA).keyset(keyset).listener(events).build();
        TokenBroker b =
            TokenBroker.builder().store(storeB).keyset(keyset).listener(events).build()) {
      procore.registerUser(a, key, app);
      procore.registerUser(b, key, app);

      // The consent happens once, through instance A.
      AuthorizationRequest consent = procore.outOfBandConsent(a, key);
      consent.exchange(SandboxUser.outOfBandCode(consent.uri()));
      AccessToken fromA = a.accessToken(key);
      AccessToken fromB = b.accessToken(key); // read from the database: no token request
      out.println("Instance B uses the grant A consented: same token? " + fromA.equals(fromB));

      Instant expiry = a.status(key).expiresAt();
      Duration wait = Duration.between(Instant.now(), expiry).plusMillis(100);
      out.println("Waiting " + wait.toMillis() + " ms for the access token to expire...");
      Thread.sleep(Math.max(0, wait.toMillis()));

      // Both instances need a token at the same moment.
      CountDownLatch go = new CountDownLatch(1);
      CompletableFuture<AccessToken> nextA = CompletableFuture.supplyAsync(() -> await(go, a, key));
      CompletableFuture<AccessToken> nextB = CompletableFuture.supplyAsync(() -> await(go, b, key));
      go.countDown();
      boolean same = nextA.get().equals(nextB.get());
      out.println(
          "Refreshes: "
              + refreshes.get()
              + ", adopted by the other instance: "
              + adoptions.get()
              + ", same new token? "
              + same);
      return new Result(fromA.equals(fromB), refreshes.get(), adoptions.get(), same);
    }
  }

  private static AccessToken await(CountDownLatch go, TokenBroker broker, GrantKey key) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return broker.accessToken(key);
  }
}
