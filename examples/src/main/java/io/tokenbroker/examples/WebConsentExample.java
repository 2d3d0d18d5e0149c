package io.tokenbroker.examples;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.ConsentFlow;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * A web application connecting its customers' accounts, on two instances behind a load balancer
 * with one database: the client is registered once as a template on every instance; instance A
 * starts "connect customer 42" (the redirect URL), the provider sends the browser back to instance
 * B, which completes the consent and stores the grant; instance A then serves the grant it never
 * registered, loaded from the database with its template. A replayed callback is refused.
 *
 * <pre>
 * java -cp examples/target/tokenbroker.jar io.tokenbroker.examples.WebConsentExample
 * </pre>
 *
 * Runs offline against the testkit's fake authorization server, over an in-memory H2 database (in
 * production: PostgreSQL).
 */
public final class WebConsentExample {
  private static final String TEMPLATE = "crm-app";
  private static final URI CALLBACK = URI.create("https://app.example/oauth/crm/callback");

  private WebConsentExample() {}

  /** What the example saw, for its test. */
  record Result(
      GrantKey completedOnB,
      boolean sameTokenOnA,
      int tokenRequests,
      ConsentException.Kind replayRefused) {}

  public static void main(String[] args) throws Exception {
    offline(System.out);
  }

  /** The example against the fake authorization server and an in-memory H2 database. */
  static Result offline(PrintStream out) throws Exception {
    try (FakeAuthorizationServer server = FakeAuthorizationServer.start()) {
      server.registerClient("crm-client", "crm-client-secret", CALLBACK.toString());
      Provider crm =
          Provider.builder("crm")
              .authorizationEndpoint(server.authorizationEndpoint())
              .tokenEndpoint(server.tokenEndpoint())
              .build();
      JdbcDataSource db = new JdbcDataSource(); // in production: your PostgreSQL DataSource
      db.setURL("jdbc:h2:mem:web-consent-example-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
      ClientRegistration app =
          ClientRegistration.of(crm, "crm-client", ClientSecret.of("crm-client-secret"));
      Result result = run(app, db, out);
      return new Result(
          result.completedOnB(),
          result.sameTokenOnA(),
          server.tokenRequestCount(),
          result.replayRefused());
    }
  }

  static Result run(ClientRegistration app, DataSource db, PrintStream out) throws Exception {
    KeysetHandle keyset = Keysets.generate(); // every instance must use the same keyset
    try (JdbcTokenStore storeA = JdbcTokenStore.builder(db).leaseOwner("instance-a").build();
        JdbcTokenStore storeB = JdbcTokenStore.builder(db).leaseOwner("instance-b").build();
        TokenBroker a =
            TokenBroker.builder()
                .store(storeA)
                .keyset(keyset)
                .maxCachedGrants(50_000)
                .expireIdleGrantsAfter(Duration.ofMinutes(30))
                .build();
        TokenBroker b = TokenBroker.builder().store(storeB).keyset(keyset).build()) {
      // At start-up, every instance registers the client once, as a template.
      a.registerTemplate(TEMPLATE, app, GrantType.AUTHORIZATION_CODE);
      b.registerTemplate(TEMPLATE, app, GrantType.AUTHORIZATION_CODE);
      ConsentFlow onA = ConsentFlow.of(a, TEMPLATE, CALLBACK);
      ConsentFlow onB = ConsentFlow.of(b, TEMPLATE, CALLBACK);

      // GET /connect?customer=42 lands on instance A: redirect the browser to the provider.
      URI redirect = onA.start(GrantKey.of("crm/customer-42"));
      out.println(
          "Instance A redirects the browser to " + redirect.getHost() + ":" + redirect.getPort());

      // The user approves; the provider sends the browser back, and the load balancer picks B.
      URI callback = FakeAuthorizationServer.approve(redirect);
      GrantKey key = onB.completeQuery(callback.getRawQuery());
      out.println("Instance B completed the consent and stored grant " + key);

      // Instance A serves the grant: loaded from the database with its template.
      AccessToken onInstanceA = a.accessToken(key);
      boolean same = onInstanceA.equals(b.accessToken(key));
      out.println("Instance A serves the grant it never registered; same token as B? " + same);

      ConsentException.Kind replay;
      try {
        onA.complete(callback);
        throw new IllegalStateException("a replayed callback was accepted");
      } catch (ConsentException refused) {
        replay = refused.kind();
        out.println("The replayed callback is refused: " + replay);
      }
      return new Result(key, same, 0, replay);
    }
  }
}
