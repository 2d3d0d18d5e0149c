package io.tokenbroker.examples;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InvalidGrantException;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenBrokerException;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A custom {@link BrokerListener}: metrics and alerts from the broker's events. It counts
 * refreshes, logs failures by class, and raises an alert when a grant needs a new consent, here
 * after the user disconnected the app at Procore.
 *
 * <pre>
 * java -cp examples/target/tokenbroker.jar io.tokenbroker.examples.ListenerExample
 * </pre>
 *
 * Runs offline against the Procore sandbox.
 */
public final class ListenerExample {
  private ListenerExample() {}

  /**
   * What a monitoring hook might do. Listener methods run on the broker's threads: keep them quick
   * and thread-safe. An exception thrown here is logged and ignored; it never breaks a call.
   */
  static final class Monitoring implements BrokerListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    private final PrintStream out;

    Monitoring(PrintStream out) {
      this.out = out;
    }

    @Override
    public void refreshSucceeded(GrantKey key, Instant expiresAt) {
      record("refreshed " + key + ", valid until " + expiresAt);
    }

    @Override
    public void refreshFailed(GrantKey key, TokenBrokerException failure) {
      record("refresh of " + key + " failed: " + failure.getClass().getSimpleName());
    }

    @Override
    public void reauthorizationRequired(GrantKey key, InvalidGrantException failure) {
      record(
          "ALERT "
              + key
              + " needs a new consent (page the owner: tokenbroker login '"
              + key
              + "')");
    }

    private void record(String event) {
      events.add(event);
      out.println("[listener] " + event);
    }
  }

  public static void main(String[] args) {
    offline(System.out);
  }

  /** The example against the Procore sandbox. */
  static List<String> offline(PrintStream out) {
    try (ProcoreSandbox sandbox = ProcoreSandbox.start()) {
      sandbox.registerClient("example-app", "example-client-secret");
      Procore procore = Procore.custom("sandbox", sandbox.loginUrl(), sandbox.apiUrl());
      return run(
          procore,
          procore.registration("example-app", ClientSecret.of("example-client-secret")),
          out);
    }
  }

  static List<String> run(Procore procore, ClientRegistration app, PrintStream out) {
    Monitoring monitoring = new Monitoring(out);
    try (TokenBroker broker = TokenBroker.builder().listener(monitoring).build()) {
      GrantKey key = procore.grantKey("monitored-user");
      procore.registerUser(broker, key, app);
      AuthorizationRequest consent = procore.outOfBandConsent(broker, key);
      consent.exchange(SandboxUser.outOfBandCode(consent.uri()));

      broker.forceRefresh(key); // a refresh, as the broker does ahead of expiry

      // The user disconnects the app at Procore: revoking the token ends its refresh token too.
      procore.oauth(app).revoke(broker.accessToken(key));
      try {
        broker.forceRefresh(key);
      } catch (InvalidGrantException e) {
        out.println("The application sees: " + e.getMessage());
      }
      return List.copyOf(monitoring.events);
    }
  }
}
