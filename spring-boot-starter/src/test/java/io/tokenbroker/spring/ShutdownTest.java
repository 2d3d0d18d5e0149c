package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.ForwardingTokenStore;
import io.tokenbroker.testkit.HeldRequests;
import io.tokenbroker.testkit.Threads;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Closing the application closes the broker: refreshes in flight finish, held tokens are written.
 */
class ShutdownTest {
  private static final GrantKey KEY = GrantKey.of("reporting");

  @TempDir Path dir;
  FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.start();
    server.registerClient("app", Secrets.CLIENT_SECRET);
  }

  @AfterEach
  void stop() {
    server.setDispatcher(null);
    server.close();
  }

  private Map<String, String> properties(String store) {
    Map<String, String> p = Apps.clientCredentials(server, "reporting");
    p.put("tokenbroker.keyset", dir.resolve("keyset.json").toString());
    if (store.equals("file")) {
      p.put("tokenbroker.store", "file:" + dir.resolve("tokens"));
    } else {
      p.put("tokenbroker.store", "jdbc");
      p.put(
          "spring.datasource.url",
          "jdbc:h2:mem:shutdown-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }
    return p;
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "jdbc"})
  void aRefreshInFlightFinishesAndIsPersistedBeforeTheStoreCloses(String store) throws Exception {
    Map<String, String> properties = properties(store);
    HeldRequests held = HeldRequests.matching(request -> request.path().equals("/token"));
    server.setDispatcher(held);
    ConfigurableApplicationContext app =
        Apps.run(PlainApp.class, WebApplicationType.NONE, properties);
    TokenBroker broker = app.getBean(TokenBroker.class);
    CompletableFuture<AccessToken> caller =
        CompletableFuture.supplyAsync(() -> broker.accessToken(KEY));
    assertTrue(held.awaitArrived(1, Duration.ofSeconds(30)));

    Thread closer = new Thread(app::close, "closer");
    closer.start();
    // The broker is waiting for the refresh in flight; only then does the server answer.
    Threads.awaitParkedIn(closer, TokenBroker.class.getName(), "close", Duration.ofSeconds(30));
    held.release();
    closer.join(TimeUnit.SECONDS.toMillis(60));

    assertTrue(!closer.isAlive(), "the context closed");
    String token = caller.get(30, TimeUnit.SECONDS).revealValue();
    server.setDispatcher(null);
    int tokenRequests = server.tokenRequestCount();
    try (ConfigurableApplicationContext again =
        Apps.run(PlainApp.class, WebApplicationType.NONE, properties)) {
      assertEquals(
          token,
          again.getBean(TokenBroker.class).accessToken(KEY).revealValue(),
          "persisted at close");
    }
    assertEquals(tokenRequests, server.tokenRequestCount());
  }

  @Test
  void tokensHeldBecauseTheStoreWasDownAreWrittenAtClose() {
    TokenStore files = FileTokenStore.create(dir.resolve("tokens"));
    FlakyStore flaky = new FlakyStore(files);
    flaky.writesDown = true;
    Map<String, String> properties = properties("file");
    ConfigurableApplicationContext app =
        Apps.builder(PlainApp.class, WebApplicationType.NONE, properties)
            .initializers(
                context -> context.getBeanFactory().registerSingleton("tokenBrokerStore", flaky))
            .listeners((ApplicationListener<ContextClosedEvent>) event -> flaky.writesDown = false)
            .run();
    String token = app.getBean(TokenBroker.class).accessToken(KEY).revealValue();
    assertTrue(
        app.getBean(MeterRegistry.class)
                .get("tokenbroker.store.write.failures")
                .tag("grant", "reporting")
                .counter()
                .count()
            >= 1);
    assertTrue(files.load(KEY).isEmpty(), "held in memory only");

    app.close();

    assertTrue(files.load(KEY).isPresent(), "written when the broker closed");
    properties.put("tokenbroker.store", "file:" + dir.resolve("tokens"));
    try (ConfigurableApplicationContext again =
        Apps.run(PlainApp.class, WebApplicationType.NONE, properties)) {
      assertEquals(token, again.getBean(TokenBroker.class).accessToken(KEY).revealValue());
    }
    assertEquals(1, server.tokenRequestCount());
  }

  /** A real store whose writes can be switched off. */
  static final class FlakyStore extends ForwardingTokenStore {
    volatile boolean writesDown;

    FlakyStore(TokenStore delegate) {
      super(delegate);
    }

    @Override
    public OptionalLong compareAndSet(
        Lease lease, long expectedVersion, byte[] sealed, @Nullable Instant expiresAt) {
      if (writesDown) {
        throw new TokenStoreException(
            "store is down (test)", TokenStoreException.Kind.UNAVAILABLE, lease.key(), null);
      }
      return super.compareAndSet(lease, expectedVersion, sealed, expiresAt);
    }
  }
}
