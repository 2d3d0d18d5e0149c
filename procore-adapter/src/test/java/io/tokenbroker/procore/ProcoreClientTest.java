package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.procore.ProcoreFaults;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The typed client against the sandbox over real HTTP. */
class ProcoreClientTest extends ProcoreClientTestBase {
  // ---------------------------------------------------------------- endpoints and models

  @Test
  void meCompaniesAndProjectsWithLongIds() {
    Me me = client.me();
    assertEquals(ProcoreSeed.USER_ID, me.id());
    assertEquals("Joe Builder", me.name());
    assertEquals("joe.builder@example.com", me.login());

    List<Company> companies = client.companies().toList();
    assertEquals(
        List.of(C1, ProcoreSeed.SECOND_COMPANY_ID, ProcoreSeed.UNINSTALLED_COMPANY_ID),
        companies.stream().map(Company::id).toList());
    Company first = companies.get(0);
    assertEquals("Sandbox Construction Co", first.name());
    assertEquals(Boolean.TRUE, first.isActive());
    assertEquals(Boolean.TRUE, first.myCompany());
    assertEquals(Boolean.FALSE, first.pcnBusinessExperience());
    assertNull(first.logoUrl());
    assertEquals(4, client.companies(true).toList().size());
    assertTrue(
        apiRequests()
            .get(apiRequests().size() - 1)
            .query()
            .contains("include_free_companies=true"));

    Project p = client.company(C1).project(ProcoreSeed.FIRST_PROJECT_ID);
    assertTrue(p.id() > Integer.MAX_VALUE);
    assertEquals(ProcoreSeed.FIRST_PROJECT_ID, p.id());
    assertEquals("Project 1", p.name());
    assertEquals("Project 1", p.displayName());
    assertEquals("Anytown", p.city());
    assertEquals("CA", p.stateCode());
    assertEquals("US", p.countryCode());
    assertEquals(Boolean.TRUE, p.active());
    assertEquals(Boolean.FALSE, p.isDemo());
    assertEquals("Course of Construction", p.stage());
    assertEquals(Instant.parse("2024-03-01T12:00:00Z"), p.createdAt());
    assertEquals(LocalDate.parse("2024-03-01"), p.startDate());
    assertEquals(0, new java.math.BigDecimal("1250000.0").compareTo(p.totalValue()));
    assertEquals(34.385045633646, p.latitude());
    assertEquals(C1, p.company().id());
    assertEquals("Sandbox Construction Co", p.company().name());
    assertNotNull(p.projectStage());
    assertNull(p.projectTemplate());
    assertTrue(p.customFields().isEmpty());
  }

  @Test
  void apiVersionIsChosenPerCall() {
    client.company(C1).project(ProcoreSeed.FIRST_PROJECT_ID, ApiVersion.V1_1);
    client.company(C1).projects(ProjectQuery.defaults().withVersion(ApiVersion.V1_1)).firstPage();
    client.me(ApiVersion.V1_0);
    List<String> paths = apiRequests().stream().map(RecordedRequest::path).toList();
    assertEquals(
        List.of(
            "/rest/v1.1/projects/" + ProcoreSeed.FIRST_PROJECT_ID,
            "/rest/v1.1/projects",
            "/rest/v1.0/me"),
        paths);
  }

  @Test
  void theCompanyHeaderIsSentOnEveryCompanyScopedRequest() {
    CompanyClient company = client.company(C1);
    company.projects(ProjectQuery.defaults().withPerPage(10)).toList();
    company.project(ProcoreSeed.FIRST_PROJECT_ID);
    company.me();
    company.companies().toList();
    company.get(
        ApiVersion.V1_0,
        "/projects/" + ProcoreSeed.FIRST_PROJECT_ID,
        Map.of("company_id", Long.toString(C1)),
        JsonNode.class);
    List<RecordedRequest> requests = apiRequests();
    assertEquals(5 + 4, requests.size(), "5 project pages and 4 single calls");
    for (RecordedRequest r : requests) {
      assertEquals(Long.toString(C1), r.header("Procore-Company-Id"), r.path());
    }
    for (RecordedRequest r : requests) {
      if (r.path().contains("/projects")) {
        assertEquals(Long.toString(C1), r.queryParameters().get("company_id"), "company_id too");
      }
    }
  }

  @Test
  void userCallsWithoutCompanyCarryNoHeader() {
    client.me();
    client.companies().toList();
    for (RecordedRequest r : apiRequests()) {
      assertNull(r.header("Procore-Company-Id"));
    }
  }

  @Test
  void serviceAccountsAlwaysSendTheHeader() {
    ProcoreClient service = f.serviceClient();
    assertTrue(service.isServiceAccount());
    IllegalStateException e = assertThrows(IllegalStateException.class, service::me);
    assertTrue(e.getMessage().contains("company(id).me()"), e.getMessage());
    assertThrows(IllegalStateException.class, service::companies);
    assertTrue(apiRequests().isEmpty(), "nothing was sent without the header");

    Me me = service.company(C1).me();
    assertTrue(me.name().startsWith("Service Account"));
    List<Company> installs = service.company(C1).companies().toList();
    assertEquals(3, installs.size());
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, service.company(C1).projects().toList().size());
    for (RecordedRequest r : apiRequests()) {
      assertEquals(Long.toString(C1), r.header("Procore-Company-Id"));
    }
    // A user grant can be treated as a service account, and the other way round, on request.
    assertTrue(f.clientBuilder(f.user).serviceAccount(true).build().isServiceAccount());
  }

  @Test
  void theSandboxRejectsAMissingHeaderWhichTheTypedClientNeverOmits() throws Exception {
    String token = f.broker.accessToken(f.user).revealValue();
    HttpResponse<String> raw =
        f.browser.send(
            HttpRequest.newBuilder(
                    URI.create(f.sandbox.apiUrl() + "/rest/v1.0/projects?company_id=" + C1))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, raw.statusCode());
    assertTrue(raw.body().contains("Missing Procore-Company-Id header!"));
    // The same call through the typed client works: it cannot be made without a company.
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, client.company(C1).projects().toList().size());
  }

  @Test
  void projectQueriesMapToProcoresFilters() {
    CompanyClient company = client.company(C1);
    List<Project> inactive =
        company.projects(ProjectQuery.defaults().withStatus(ProjectStatus.INACTIVE)).toList();
    assertEquals(
        List.of(ProcoreSeed.INACTIVE_PROJECT_ID), inactive.stream().map(Project::id).toList());
    assertEquals(
        ProcoreSeed.COMPANY_PROJECTS + 1,
        company.projects(ProjectQuery.defaults().withStatus(ProjectStatus.ALL)).toList().size());
    List<Project> compact =
        company.projects(ProjectQuery.defaults().withCompactView(true)).toList();
    assertEquals("Project 1", compact.get(0).displayName());
    assertNull(compact.get(0).city(), "compact view has only id, name, display_name");
    List<Project> named = company.projects(ProjectQuery.defaults().withName("project 4")).toList();
    assertEquals(
        Set.of(
            "Project 4",
            "Project 40",
            "Project 41",
            "Project 42",
            "Project 43",
            "Project 44",
            "Project 45"),
        new HashSet<>(named.stream().map(Project::name).toList()));
    List<Project> byId =
        company
            .projects(
                ProjectQuery.defaults()
                    .withIds(ProcoreSeed.FIRST_PROJECT_ID, ProcoreSeed.FIRST_PROJECT_ID + 2))
            .toList();
    assertEquals(
        List.of(ProcoreSeed.FIRST_PROJECT_ID, ProcoreSeed.FIRST_PROJECT_ID + 2),
        byId.stream().map(Project::id).toList());
    RecordedRequest last = apiRequests().get(apiRequests().size() - 1);
    assertEquals(2, last.queryParameterValues("filters[id][]").size());
  }

  // ---------------------------------------------------------------- pagination

  @Test
  void pagesAreFetchedLazilyAndFollowTheLinkHeader() {
    Paged<Project> projects = client.company(C1).projects(ProjectQuery.defaults().withPerPage(10));
    assertTrue(apiRequests().isEmpty(), "nothing is fetched before iterating");
    List<Project> firstThree = projects.stream().limit(3).toList();
    assertEquals(3, firstThree.size());
    assertEquals(1, apiRequests().size(), "only the first page was needed");

    List<Long> ids = projects.stream().map(Project::id).toList();
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, ids.size());
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, new HashSet<>(ids).size());
    assertTrue(ids.stream().allMatch(id -> id > Integer.MAX_VALUE));
    assertEquals(1 + 5, apiRequests().size());
    List<String> pagesAsked =
        apiRequests().subList(1, 6).stream()
            .map(r -> r.queryParameters().getOrDefault("page", "1"))
            .toList();
    assertEquals(List.of("1", "2", "3", "4", "5"), pagesAsked);
  }

  @Test
  void pageMetadataComesFromTheHeaders() {
    Iterator<Page<Project>> pages =
        client.company(C1).projects(ProjectQuery.defaults().withPerPage(20)).pages();
    Page<Project> one = pages.next();
    assertEquals(1, one.number());
    assertEquals(45L, one.total());
    assertEquals(20, one.perPage());
    assertNotNull(one.links().next());
    assertNotNull(one.links().last());
    assertNull(one.links().first());
    assertNotNull(one.rateLimit());
    Page<Project> two = pages.next();
    assertEquals(2, two.number());
    assertNotNull(two.links().first());
    Page<Project> three = pages.next();
    assertEquals(5, three.items().size());
    assertNull(three.links().next());
    assertFalse(pages.hasNext());
    Page<Company> single = client.companies().firstPage();
    assertEquals(PageLinks.NONE, single.links(), "an empty Link header means one page");
  }

  @Test
  void manyPagesWithTheClientsDefaultPageSize() {
    ProcoreClient small = f.clientBuilder(f.user).defaultPerPage(2).build();
    List<Project> all = small.company(C1).projects().toList();
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, all.size());
    assertEquals(23, apiRequests().size());
  }

  @Test
  void withoutALinkHeaderTotalAndPerPageDecide() {
    // A proxy that drops Link: the client falls back to Total / Per-Page.
    ProcoreClient client2 = f.clientBuilder(f.user).build();
    Paged<Project> paged = client2.company(C1).projects(ProjectQuery.defaults().withPerPage(20));
    // Serve the pages by hand through a fault queue: same bodies, no Link header.
    String body1 = "[" + "{\"id\":1},".repeat(19) + "{\"id\":1}]";
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(200, "application/json", body1)
            .withHeader("Total", "30")
            .withHeader("Per-Page", "20"));
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
                200, "application/json", "[" + "{\"id\":2},".repeat(9) + "{\"id\":2}]")
            .withHeader("Total", "30")
            .withHeader("Per-Page", "20"));
    List<Project> all = paged.toList();
    assertEquals(30, all.size());
    assertEquals("2", apiRequests().get(1).queryParameters().get("page"));
    // No Link and no Total: one page only (not every endpoint paginates).
    f.sandbox.enqueue(ProcoreFaults.apiResponse(200, "application/json", "[{\"id\":3}]"));
    assertEquals(1, paged.toList().size());
    assertEquals(3, apiRequests().size());
  }

  @Test
  void aLinkToAnotherHostIsFollowedOnTheConfiguredHost() {
    String next =
        "<https://evil.example/rest/v1.0/projects?company_id="
            + C1
            + "&page=2&per_page=40>; rel=\"next\"";
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(200, "application/json", "[{\"id\":7}]")
            .withHeader("Link", next));
    List<Project> all =
        client.company(C1).projects(ProjectQuery.defaults().withPerPage(40)).toList();
    assertEquals(1 + 5, all.size(), "page 2 of 40 came from the sandbox itself");
    assertEquals("2", apiRequests().get(1).queryParameters().get("page"));
  }

  // ---------------------------------------------------------------- rate limits

  @Test
  void rateLimitHeadersAreExposed() {
    assertTrue(client.lastRateLimit().isEmpty());
    client.me();
    RateLimit limit = client.lastRateLimit().orElseThrow();
    assertEquals(3600, limit.limit());
    assertEquals(3599, limit.remaining());
    // Timed from the answer's Date, to the headers' one-second resolution.
    assertWithinASecond(Duration.ofSeconds(3600), limit.untilReset(f.clock.instant()));
    client.me();
    assertEquals(3598, client.lastRateLimit().orElseThrow().remaining());
  }

  @Test
  void anExhaustedBudgetIsWaitedOutBeforeSending() throws Exception {
    try (SandboxFixture tight =
        new SandboxFixture(
            b -> b.rateLimits(1000, Duration.ofHours(1), 3, Duration.ofSeconds(10)))) {
      tight.consent();
      ProcoreClient paced = tight.userClient();
      Instant start = tight.clock.instant();
      List<Project> all =
          paced.company(C1).projects(ProjectQuery.defaults().withPerPage(5)).toList();
      assertEquals(ProcoreSeed.COMPANY_PROJECTS, all.size(), "9 pages through a 3-per-10-s window");
      assertEquals(2, tight.sleeper.sleeps.size());
      tight.sleeper.sleeps.forEach(d -> assertWithinASecond(Duration.ofSeconds(10), d));
      assertEquals(
          9,
          tight.sandbox.requests(ProcoreSandbox.Host.API).size(),
          "X-Rate-Limit-Remaining: 0 was waited out: no request earned a 429");
      assertFalse(tight.clock.instant().isBefore(start.plusSeconds(20)));
      assertTrue(paced.lastRateLimit().isPresent());
    }
  }

  @Test
  void aTooManyRequestsAnswerIsWaitedOutUntilTheReset() throws Exception {
    try (SandboxFixture tight =
        new SandboxFixture(
            b -> b.rateLimits(1000, Duration.ofHours(1), 2, Duration.ofSeconds(10)))) {
      tight.consent();
      // Another client of the same grant spent the window; this one does not know.
      ProcoreClient other = tight.userClient();
      other.me();
      other.me();
      ProcoreClient unaware = tight.userClient();
      assertEquals(ProcoreSeed.USER_ID, unaware.me().id());
      List<RecordedRequest> api = tight.sandbox.requests(ProcoreSandbox.Host.API);
      assertEquals(4, api.size(), "two spent, one 429, one retry");
      assertEquals(1, tight.sleeper.sleeps.size());
      assertWithinASecond(Duration.ofSeconds(10), tight.sleeper.sleeps.get(0));
    }
  }

  @Test
  void pacingIsTimedFromTheDateHeaderNotTheLocalClock() throws Exception {
    // This machine's clock is a year ahead of the server's: the reset (Unix seconds on the
    // server's clock) lies in the local past, yet the client still waits the window out.
    try (SandboxFixture skewed =
        new SandboxFixture(
            b -> b.rateLimits(1000, Duration.ofHours(1), 1, Duration.ofSeconds(10)))) {
      skewed.consent();
      skewed.clock.set(Instant.now().plus(Duration.ofDays(365)));
      ProcoreClient paced = skewed.userClient();
      paced.me();
      paced.me();
      assertEquals(1, skewed.sleeper.sleeps.size());
      assertWithinASecond(Duration.ofSeconds(10), skewed.sleeper.sleeps.get(0));
      assertEquals(2, skewed.sandbox.requests(ProcoreSandbox.Host.API).size(), "no 429");
    }
  }

  @Test
  void jitterIsAddedWithinItsBound() throws Exception {
    try (SandboxFixture tight =
        new SandboxFixture(
            b -> b.rateLimits(1000, Duration.ofHours(1), 1, Duration.ofSeconds(10)))) {
      tight.consent();
      ProcoreClient paced =
          tight
              .clientBuilder(tight.user)
              .maxJitter(Duration.ofSeconds(1))
              .random(new java.util.SplittableRandom(42))
              .build();
      paced.me();
      Duration due = paced.lastRateLimit().orElseThrow().untilReset(tight.clock.instant());
      paced.me();
      Duration slept = tight.sleeper.sleeps.get(0);
      assertTrue(
          slept.compareTo(due) >= 0 && slept.compareTo(due.plusSeconds(1)) <= 0,
          slept + " for " + due);
    }
  }

  @Test
  void aResetBeyondTheCapFailsAtOnceWithoutSending() throws Exception {
    try (SandboxFixture hourly =
        new SandboxFixture(
            b -> b.rateLimits(2, Duration.ofHours(1), 100, Duration.ofSeconds(10)))) {
      hourly.consent();
      ProcoreClient c = hourly.userClient();
      c.me();
      c.me();
      ProcoreApiException e = assertThrows(ProcoreApiException.class, c::me);
      messages.add(e.getMessage());
      assertTrue(e.status().isEmpty(), "not sent");
      assertEquals(ProcoreApiException.Kind.RATE_LIMITED, e.kind());
      assertWithinASecond(Duration.ofSeconds(3600), e.retryAfter().orElseThrow());
      assertEquals(0, e.rateLimit().orElseThrow().remaining());
      assertTrue(e.getMessage().contains("not sent"), e.getMessage());
      assertEquals(2, hourly.sandbox.requests(ProcoreSandbox.Host.API).size());
      assertTrue(hourly.sleeper.sleeps.isEmpty(), "no wait beyond maxWait is made");

      // A client that did not see the budget run out gets Procore's 429 and fails just as fast.
      ProcoreApiException answered =
          assertThrows(ProcoreApiException.class, () -> hourly.userClient().me());
      messages.add(answered.getMessage());
      assertEquals(429, answered.status().getAsInt());
      assertEquals(
          "You have surpassed the max number of requests for an hour. Please wait until your limit"
              + " resets.",
          answered.serverMessage());
      assertEquals(answered.serverMessage(), answered.body());
      assertWithinASecond(Duration.ofSeconds(3600), answered.retryAfter().orElseThrow());
      assertTrue(hourly.sleeper.sleeps.isEmpty());
      hourly.assertNoSecretsIn(e.getMessage() + answered.getMessage());
    }
  }

  /** Rate-limit resets have one-second resolution (Unix seconds against a Date header). */
  static void assertWithinASecond(Duration expected, Duration actual) {
    assertTrue(
        actual.compareTo(expected) >= 0 && actual.compareTo(expected.plusSeconds(1)) <= 0,
        actual + " is not within a second above " + expected);
  }

  @Test
  void serviceUnavailableHonoursRetryAfter() {
    f.sandbox.enqueue(ProcoreFaults.serviceUnavailable(7));
    assertEquals(ProcoreSeed.USER_ID, client.me().id());
    assertEquals(List.of(Duration.ofSeconds(7)), f.sleeper.sleeps);
    f.sandbox.enqueue(ProcoreFaults.serviceUnavailable(600));
    ProcoreApiException e = fails(client::me);
    assertEquals(503, e.status().getAsInt());
    assertEquals(ProcoreApiException.Kind.SERVER_ERROR, e.kind());
    assertEquals(Duration.ofSeconds(600), e.retryAfter().orElseThrow());
    assertEquals(1, f.sleeper.sleeps.size(), "a 10-minute Retry-After is beyond the cap: no wait");
  }

  @Test
  void repeatedServerErrorsGiveUpAfterMaxAttempts() {
    for (int i = 0; i < 4; i++) {
      f.sandbox.enqueue(ProcoreFaults.serviceUnavailable(1));
    }
    ProcoreApiException e = fails(client::me);
    assertEquals(503, e.status().getAsInt());
    assertEquals(3, f.sleeper.sleeps.size(), "4 attempts, 3 waits");
  }

  @Test
  void a401IsRefreshedOnceAndRetried() {
    client.me();
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
            401, "application/json", "{\"errors\":\"The access token is invalid\"}"));
    assertEquals(ProcoreSeed.USER_ID, client.me().id());
    assertEquals(1, f.sandbox.tokenRequestCount("refresh_token"));
  }

  // ---------------------------------------------------------------- errors

  @Test
  void appNotConnectedIsItsOwnKind() {
    ProcoreApiException e =
        fails(() -> client.company(ProcoreSeed.UNINSTALLED_COMPANY_ID).projects().toList());
    assertEquals(403, e.status().getAsInt());
    assertTrue(e.isAppNotConnected());
    assertEquals("App is not connected to this company", e.serverMessage());
    assertTrue(e.getMessage().contains("App is not connected to this company"), e.getMessage());
    assertTrue(e.getMessage().contains("/rest/v1.0/projects"), e.getMessage());
    f.sandbox.setAppInstalled(C1, false);
    assertTrue(
        fails(() -> client.company(C1).project(ProcoreSeed.FIRST_PROJECT_ID)).isAppNotConnected());
  }

  @Test
  void unreadableProjectsAreNotFound() {
    ProcoreApiException e =
        fails(() -> client.company(C1).project(ProcoreSeed.UNREADABLE_PROJECT_ID));
    assertEquals(404, e.status().getAsInt());
    assertEquals(ProcoreApiException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void errorBodiesOfEveryShapeBecomeOneException() {
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
            422, "application/json", "{\"errors\":{\"name\":[\"can't be blank\"]}}"));
    ProcoreApiException validation = fails(client::me);
    assertEquals(ProcoreApiException.Kind.VALIDATION, validation.kind());
    assertEquals("name: can't be blank", validation.serverMessage());
    assertEquals(Map.of("name", List.of("can't be blank")), validation.validationErrors());
    assertFalse(validation.isRetryable());

    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
            400,
            "application/json",
            "{\"code\":400,\"message\":\"bad"
                + " filter\",\"fields\":\"filters\",\"reason\":\"x\",\"error\":\"y\"}"));
    assertEquals("bad filter", fails(client::me).serverMessage());

    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
            500, "text/html", "<!DOCTYPE html><html><body>Oops</body></html>"));
    ProcoreApiException html = fails(client::me);
    assertEquals(ProcoreApiException.Kind.SERVER_ERROR, html.kind());
    assertEquals("an HTML page instead of JSON", html.serverMessage());
    assertTrue(html.body().contains("Oops"));

    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(200, "application/json", "{\"id\": \"not-a-number\"}]"));
    ProcoreApiException malformed = fails(client::me);
    assertEquals(ProcoreApiException.Kind.MALFORMED_RESPONSE, malformed.kind());

    f.sandbox.enqueue(ProcoreFaults.apiResponse(200, "application/json", "{\"id\": 1}"));
    assertEquals(
        ProcoreApiException.Kind.MALFORMED_RESPONSE,
        fails(() -> client.companies().toList()).kind(),
        "a list must be an array");
  }

  @Test
  void tokensEchoedByAServerAreRedactedFromMessages() {
    String token = f.broker.accessToken(f.user).revealValue();
    f.sandbox.enqueue(
        ProcoreFaults.apiResponse(
            400,
            "application/json",
            "{\"message\":\"bad header Authorization: Bearer " + token + " and " + token + "\"}"));
    ProcoreApiException e = fails(client::me);
    assertFalse(e.getMessage().contains(token), e.getMessage());
    assertTrue(e.getMessage().contains("[redacted]"), e.getMessage());
  }

  @Test
  void networkFailuresAreNetworkErrors() {
    f.sandbox.close();
    ProcoreApiException e = fails(client::me);
    assertEquals(ProcoreApiException.Kind.NETWORK, e.kind());
    assertTrue(e.status().isEmpty());
    assertTrue(e.isRetryable());
    assertEquals(3, f.sleeper.sleeps.size(), "GETs are retried with backoff");
  }
}
