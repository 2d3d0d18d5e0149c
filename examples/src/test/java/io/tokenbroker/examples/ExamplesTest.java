package io.tokenbroker.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ConsentException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs every example as its {@code main} does (offline, against the sandboxes), so none rots. */
class ExamplesTest {
  final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  String printed() {
    return printed.toString(StandardCharsets.UTF_8);
  }

  @Test
  void corClientCredentials() {
    CorClientCredentialsExample.Result r = CorClientCredentialsExample.offline(out);
    assertEquals("John Doe", r.user());
    assertEquals(14, r.projects().size(), "every page of projects");
    assertEquals(1, r.tokenRequests(), "one token for all the calls");
    assertTrue(printed().startsWith("Signed in to COR as John Doe"), printed());
  }

  @Test
  void procoreOutOfBandConsentThenApiCalls() {
    ProcoreConsentExample.Result r = ProcoreConsentExample.offline(out);
    assertEquals("Joe Builder", r.user());
    assertEquals(
        Map.of(5_000_000_001L, 45, 5_000_000_002L, 2, 5_000_000_004L, -1), r.projectsPerCompany());
    assertTrue(printed().contains("/oauth/authorize?"), printed());
    assertTrue(
        printed().contains("Not Installed Inc: the app is not installed in this company"),
        printed());
  }

  @Test
  void twoBrokersShareOneDatabase() throws Exception {
    SharedDatabaseExample.Result r = SharedDatabaseExample.offline(out);
    assertTrue(r.sameTokenBeforeExpiry(), printed());
    assertEquals(1, r.refreshes(), "one refresh for both instances");
    assertEquals(1, r.adoptions(), "the other instance adopted it");
    assertTrue(r.sameTokenAfter(), printed());
  }

  @Test
  void consentStartedOnOneInstanceCompletesOnAnother() throws Exception {
    WebConsentExample.Result r = WebConsentExample.offline(out);
    assertEquals("crm/customer-42", r.completedOnB().value());
    assertTrue(r.sameTokenOnA(), printed());
    assertEquals(1, r.tokenRequests(), "one code exchange, nothing more");
    assertEquals(ConsentException.Kind.UNKNOWN_STATE, r.replayRefused());
    assertTrue(printed().contains("Instance B completed the consent"), printed());
  }

  @Test
  void customListener() {
    List<String> events = ListenerExample.offline(out);
    assertEquals(3, events.size(), events::toString);
    assertTrue(
        events.get(0).startsWith("refreshed procore/sandbox/monitored-user, valid until "),
        events::toString);
    assertTrue(
        events.get(1).startsWith("ALERT procore/sandbox/monitored-user needs a new consent"),
        events::toString);
    assertEquals(
        "refresh of procore/sandbox/monitored-user failed: InvalidGrantException", events.get(2));
    assertTrue(
        printed()
            .contains(
                "The application sees: grant 'procore/sandbox/monitored-user' needs"
                    + " re-authorization"),
        printed());
  }
}
