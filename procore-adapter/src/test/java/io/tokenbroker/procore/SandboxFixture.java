package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.RetryPolicy;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.RecordingSleeper;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Procore sandbox, a broker and the adapter's environment pointing at it, with an app and a
 * service account registered. Tests close it.
 */
final class SandboxFixture implements AutoCloseable {
  static final String APP_ID = "procore-app-id";
  static final String APP_SECRET = "procore-app-secret-0123456789abcdef";
  static final String DMSA_ID = "procore-dmsa-id";
  static final String DMSA_SECRET = "procore-dmsa-secret-0123456789abcdef";
  private static final Pattern OOB_CODE =
      Pattern.compile("<code id=\"authorization_code\">([^<]+)</code>");

  final FakeClock clock = FakeClock.create();
  final ProcoreSandbox sandbox;
  final Procore procore;
  final InMemoryTokenStore store = InMemoryTokenStore.create(clock);
  final TokenBroker broker;
  final ClientRegistration app;
  final ClientRegistration dmsa;
  final GrantKey user;
  final GrantKey serviceAccount;
  final RecordingSleeper sleeper = RecordingSleeper.advancing(clock);
  final HttpClient browser =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  SandboxFixture() {
    this(b -> b);
  }

  SandboxFixture(UnaryOperator<ProcoreSandbox.Builder> sandboxOptions) {
    this("sandbox", sandboxOptions);
  }

  SandboxFixture(String environment, UnaryOperator<ProcoreSandbox.Builder> sandboxOptions) {
    sandbox =
        sandboxOptions
            .apply(ProcoreSandbox.builder().environment(environment).clock(clock))
            .start();
    sandbox.registerClient(APP_ID, APP_SECRET);
    sandbox.registerServiceAccount(DMSA_ID, DMSA_SECRET);
    procore = Procore.custom(environment, sandbox.loginUrl(), sandbox.apiUrl());
    broker =
        TokenBroker.builder()
            .store(store)
            .clock(clock)
            .retryPolicy(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60)))
            .build();
    app = procore.registration(APP_ID, ClientSecret.of(APP_SECRET));
    dmsa = procore.registration(DMSA_ID, ClientSecret.of(DMSA_SECRET));
    user = procore.grantKey("joe");
    serviceAccount = procore.grantKey("dmsa");
    procore.registerUser(broker, user, app);
    procore.registerServiceAccount(broker, serviceAccount, dmsa);
  }

  /** Runs the out-of-band consent for {@link #user}: open the URL, read the code off the page. */
  void consent() throws Exception {
    AuthorizationRequest request = procore.outOfBandConsent(broker, user);
    String code = readCodeFromPage(request.uri());
    request.exchange(code);
  }

  String readCodeFromPage(URI authorizationUri) throws Exception {
    HttpResponse<String> page =
        browser.send(
            HttpRequest.newBuilder(authorizationUri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode(), page.body());
    Matcher m = OOB_CODE.matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no authorization code on the page");
    }
    return m.group(1);
  }

  ProcoreClient.Builder clientBuilder(GrantKey key) {
    return ProcoreClient.builder(procore, broker, key)
        .clock(clock)
        .sleeper(sleeper)
        .maxJitter(Duration.ZERO);
  }

  ProcoreClient userClient() {
    return clientBuilder(user).build();
  }

  ProcoreClient serviceClient() {
    return clientBuilder(serviceAccount).build();
  }

  /** Fails if any token, code or secret the sandbox issued or knows appears in {@code text}. */
  void assertNoSecretsIn(String text) {
    List<String> secrets = new ArrayList<>(sandbox.issuedAccessTokens());
    secrets.addAll(sandbox.issuedRefreshTokens());
    secrets.addAll(sandbox.issuedAuthorizationCodes());
    secrets.add(APP_SECRET);
    secrets.add(DMSA_SECRET);
    for (String secret : secrets) {
      assertFalse(
          text.contains(secret), "a secret appears in: " + text.replace(secret, "<SECRET>"));
    }
  }

  @Override
  public void close() {
    broker.close();
    sandbox.close();
  }
}
