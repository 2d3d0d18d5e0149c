package io.tokenbroker.store.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.AccessToken;
import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.ChildJvm;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import io.tokenbroker.testkit.RefreshRotation;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs, each with its own broker over one {@link FileTokenStore} directory, keep one strict
 * single-use rotation grant alive on the fake authorization server (DESIGN.md §4: one refresh per
 * expiry across processes). Real time, since the processes share no clock but the system's.
 */
class MultiProcessRefreshTest {
  private static final String CLIENT_ID = "multi-process-client";
  private static final String SECRET = "multi-process-secret-0123456789";
  private static final GrantKey KEY = GrantKey.of("fake/shared-user");

  /** Whole seconds: the fake sends {@code expires_in} in seconds. */
  private static final Duration LIFETIME = Duration.ofSeconds(2);

  /**
   * The broker's refresh-ahead window for this lifetime: the default 5 min capped at half the
   * lifetime (and at least the skew, a tenth of it). A token is refreshed once it is this old.
   */
  private static final long REFRESH_AFTER_MILLIS = LIFETIME.toMillis() / 2;

  private static final int CHILDREN = 3;
  private static final int THREADS = 4;
  private static final Duration RUN = Duration.ofSeconds(12);

  @TempDir Path tempDir;

  /** What one child reported. */
  record Report(
      String name, List<List<String>> threadTokens, long calls, Map<String, Integer> events) {}

  @Test
  @DisplayName("processes sharing a directory refresh a strict rotation grant once per expiry")
  void processesShareOneStrictRotationGrant() throws Exception {
    Path dir = tempDir.resolve("tokens");
    FileTokenStore.create(dir);
    Path keysetFile = dir.resolve("keyset.json");
    KeysetHandle keyset = Keysets.loadOrCreate(keysetFile);
    Clock clock = Clock.systemUTC(); // the children's brokers use it too

    try (FakeAuthorizationServer server =
        FakeAuthorizationServer.builder()
            .accessTokenLifetime(LIFETIME)
            .refreshRotation(RefreshRotation.STRICT)
            .start()) {
      server.registerClient(CLIENT_ID, SECRET);
      Provider provider =
          Provider.builder("fake")
              .authorizationEndpoint(server.authorizationEndpoint())
              .tokenEndpoint(server.tokenEndpoint())
              .build();
      ClientRegistration registration =
          ClientRegistration.of(provider, CLIENT_ID, ClientSecret.of(SECRET));

      List<ChildJvm> children = new ArrayList<>();
      List<Report> reports = new ArrayList<>();
      long consentAt;
      long endedAt;
      try {
        for (int i = 0; i < CHILDREN; i++) {
          children.add(
              ChildJvm.builder(RefreshChild.class)
                  .name("refresher-" + i)
                  .args(
                      dir.toString(),
                      keysetFile.toString(),
                      server.tokenEndpoint().toString(),
                      server.authorizationEndpoint().toString(),
                      CLIENT_ID,
                      KEY.value(),
                      Integer.toString(THREADS))
                  .start());
        }
        for (ChildJvm child : children) {
          child.send(SECRET);
        }
        for (ChildJvm child : children) {
          child.awaitLine("READY"::equals, Duration.ofSeconds(60));
        }

        // The consent, once, in this JVM, after the children started (their start-up is slow).
        consentAt = clock.millis();
        try (TokenBroker broker = broker(dir, keyset)) {
          broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
          consent(broker);
        }
        assertEquals(1, server.issuedAccessTokens().size());

        for (ChildJvm child : children) {
          child.send("GO " + RUN.toMillis());
        }
        for (int i = 0; i < CHILDREN; i++) {
          ChildJvm child = children.get(i);
          child.awaitLine("DONE"::equals, Duration.ofSeconds(RUN.toSeconds() + 60));
          List<String> lines = child.stdoutLines();
          List<String> failures = lines.stream().filter(l -> l.startsWith("FAILURE ")).toList();
          assertEquals(List.of(), failures, () -> "a child saw exceptions; " + child.describe());
          assertEquals(0, child.waitFor(Duration.ofSeconds(60)), child::describe);
          reports.add(parse("refresher-" + i, lines));
        }
        endedAt = clock.millis();
      } finally {
        for (ChildJvm child : children) {
          child.close();
        }
      }

      List<String> issued = server.issuedAccessTokens();
      int refreshes = server.tokenRequestCount("refresh_token");
      long elapsed = endedAt - consentAt;
      assertEquals(0, server.invalidGrantCount(), "a refresh token was used twice");
      assertTrue(server.isGrantAlive(server.lastRefreshToken()), "the grant was revoked");
      assertEquals(issued.size() - 1, refreshes, "every refresh succeeded, and only refreshes");

      // One refresh per expiry: a process refreshes only once the stored token is older than
      // REFRESH_AFTER_MILLIS (by the clock all processes share), re-reading the store under the
      // lease first, so each token is issued at least that long after the one before it.
      List<Long> issuedAt =
          issued.stream().map(t -> server.introspect(t).issuedAt().toEpochMilli()).toList();
      for (int i = 1; i < issuedAt.size(); i++) {
        long gap = issuedAt.get(i) - issuedAt.get(i - 1);
        int index = i;
        assertTrue(
            gap >= REFRESH_AFTER_MILLIS,
            () -> "token " + index + " was issued " + gap + " ms after the one before it");
      }
      assertTrue(
          refreshes <= elapsed / REFRESH_AFTER_MILLIS,
          refreshes + " refreshes in " + elapsed + " ms");
      int minimum = (int) (RUN.toMillis() / (2 * LIFETIME.toMillis()));
      assertTrue(refreshes >= minimum, "only " + refreshes + " refreshes in " + elapsed + " ms");

      // Every refresh is one broker's, which wrote it without conflict; nothing failed.
      Map<String, Integer> totals = new HashMap<>();
      for (Report report : reports) {
        report.events().forEach((name, count) -> totals.merge(name, count, Integer::sum));
      }
      assertEquals(refreshes, totals.get("refreshStarted"), totals::toString);
      assertEquals(refreshes, totals.get("refreshSucceeded"), totals::toString);
      for (String never :
          List.of(
              "refreshFailed",
              "storeConflict",
              "storeWriteFailed",
              "storeEntryUnreadable",
              "reauthorizationRequired")) {
        assertEquals(0, totals.get(never), () -> never + ": " + totals);
      }

      // Every token a caller got was issued by the server, and no caller went back to an older one.
      Map<String, Integer> order = new HashMap<>();
      for (int i = 0; i < issued.size(); i++) {
        order.put(RefreshChild.digest(issued.get(i)), i);
      }
      Set<Integer> handedOut = new HashSet<>();
      for (Report report : reports) {
        assertTrue(report.calls() > 0, report.name() + " made no call");
        for (List<String> tokens : report.threadTokens()) {
          int previous = -1;
          for (String digest : tokens) {
            Integer index = order.get(digest);
            assertTrue(index != null, report.name() + " got a token the server never issued");
            assertTrue(index > previous, report.name() + " went back to an older token");
            previous = index;
            handedOut.add(index);
          }
        }
      }

      System.out.printf(
          "multi-process refresh: %d processes x %d threads, %d calls in %d ms, %d refreshes"
              + " (at most %d allowed), %d of %d tokens handed out, events %s%n",
          CHILDREN,
          THREADS,
          reports.stream().mapToLong(Report::calls).sum(),
          elapsed,
          refreshes,
          elapsed / REFRESH_AFTER_MILLIS,
          handedOut.size(),
          issued.size(),
          totals);

      // The grant survived: a fresh broker in this JVM still refreshes it.
      try (TokenBroker broker = broker(dir, keyset)) {
        broker.register(KEY, registration, GrantType.AUTHORIZATION_CODE);
        AccessToken current = broker.accessToken(KEY);
        AccessToken next = broker.forceRefresh(KEY);
        assertNotEquals(current, next);
        assertEquals(server.lastAccessToken(), next.revealValue());
        assertFalse(broker.status(KEY).reauthorizationRequired());
      }
      assertEquals(0, server.invalidGrantCount());
      assertTrue(server.isGrantAlive(server.lastRefreshToken()));
      assertTrue(server.tokenRequestCount("refresh_token") > refreshes);
    }
    // Secrets stay out of the children's output (they log to stderr).
    try (var files = Files.list(tempDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".stderr.txt")).toList()) {
        String text = Files.readString(file);
        assertFalse(text.contains(SECRET), "client secret in " + file.getFileName());
      }
    }
  }

  private static TokenBroker broker(Path dir, KeysetHandle keyset) {
    return TokenBroker.builder().store(FileTokenStore.create(dir)).keyset(keyset).build();
  }

  /** Completes a consent for {@link #KEY}: the fake approves at once and redirects with a code. */
  private static void consent(TokenBroker broker) throws Exception {
    AuthorizationRequest request =
        broker.authorizationRequest(KEY, URI.create("https://app.example/cb"));
    request.complete(FakeAuthorizationServer.approve(request.uri()));
  }

  private static Report parse(String name, List<String> lines) {
    List<List<String>> threadTokens = new ArrayList<>();
    long calls = 0;
    Map<String, Integer> events = new HashMap<>();
    for (String line : lines) {
      String[] parts = line.split(" ");
      if (parts[0].equals("TOKENS")) {
        calls += Long.parseLong(parts[2]);
        threadTokens.add(parts.length > 3 ? Arrays.asList(parts[3].split(",")) : List.of());
      } else if (parts[0].equals("EVENTS")) {
        for (int i = 1; i < parts.length; i++) {
          String[] pair = parts[i].split("=");
          events.put(pair[0], Integer.parseInt(pair[1]));
        }
      }
    }
    assertEquals(THREADS, threadTokens.size(), name + " reported " + lines);
    assertFalse(events.isEmpty(), name + " reported no events");
    return new Report(name, threadTokens, calls, events);
  }
}
