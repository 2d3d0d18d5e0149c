package io.tokenbroker.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.procore.ProcoreFaults;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes through {@link CompanyClient} and {@link ProjectClient}: JSON bodies, the company header,
 * validation errors, retry rules, project scoping per version, incremental sync and page size.
 */
class ProcoreWritesTest extends ProcoreClientTestBase {
  private CompanyClient company;

  @BeforeEach
  void company() {
    company = client.company(C1);
  }

  private static Map<String, Object> project(Map<String, Object> attributes) {
    return Map.of("company_id", C1, "project", attributes);
  }

  @Test
  void postAndPatchSendJsonWithTheCompanyHeader() {
    Project created =
        company.post(
            ApiVersion.V1_0,
            "/projects",
            project(Map.of("name", "North Warehouse", "city", "Reno")),
            Project.class);
    assertEquals("North Warehouse", created.name());
    assertEquals("Reno", created.city());
    assertTrue(created.id() > Integer.MAX_VALUE);
    RecordedRequest post = apiRequests("POST", "/rest/v1.0/projects").get(0);
    assertEquals(Long.toString(C1), post.header("Procore-Company-Id"));
    assertEquals("application/json", post.header("Content-Type"));
    assertEquals(RecordedRequest.BodyEncoding.JSON, post.bodyEncoding());

    Project renamed =
        company.patch(
            ApiVersion.V1_0,
            "/projects/" + created.id(),
            Map.of("project", Map.of("name", "North Warehouse B", "active", false)),
            Project.class);
    assertEquals("North Warehouse B", renamed.name());
    assertEquals(Boolean.FALSE, company.project(created.id()).active());

    JsonNode raw =
        company.send(
            "patch",
            ApiVersion.V1_0,
            "/projects/" + created.id(),
            Map.of(),
            "{\"project\":{\"zip\":\"89501\"}}",
            JsonNode.class);
    assertEquals("89501", raw.get("zip").asText());
  }

  @Test
  void validationErrorsAreTyped() {
    ProcoreApiException blank =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0,
                    "/projects",
                    project(Map.of("name", " ", "country_code", "usa")),
                    Project.class));
    assertEquals(422, blank.status().getAsInt());
    assertEquals(ProcoreApiException.Kind.VALIDATION, blank.kind());
    assertEquals(List.of("can't be blank"), blank.validationErrors().get("name"));
    assertTrue(blank.validationErrors().containsKey("country_code"));
    assertEquals("POST", blank.method());

    ProcoreApiException missing =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0, "/projects", Map.of("company_id", C1), Project.class));
    assertEquals(ProcoreApiException.Kind.BAD_REQUEST, missing.kind());
    assertEquals(
        List.of("param is missing or the value is empty: project"),
        missing.validationErrors().get("base"));

    ProcoreApiException wrongCompany =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0,
                    "/projects",
                    Map.of(
                        "company_id",
                        ProcoreSeed.SECOND_COMPANY_ID,
                        "project",
                        Map.of("name", "x")),
                    Project.class));
    assertEquals(400, wrongCompany.status().getAsInt());
    assertThrows(
        IllegalArgumentException.class,
        () -> company.send("TRACE", ApiVersion.V1_0, "/projects", Map.of(), null, Void.class));
    assertThrows(
        IllegalArgumentException.class,
        () -> company.post(ApiVersion.V1_0, "projects", Map.of(), Void.class));
  }

  @Test
  void aPostIsNeverRepeatedAfterAnAmbiguousFailure() {
    f.sandbox.enqueue(ProcoreFaults.apiResponse(502, "text/plain", "Bad Gateway"));
    ProcoreApiException gateway =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0, "/projects", project(Map.of("name", "Once")), Project.class));
    assertEquals(ProcoreApiException.Kind.SERVER_ERROR, gateway.kind());
    assertEquals(1, apiRequests("POST", "/rest/v1.0/projects").size());

    f.sandbox.enqueue(ProcoreFaults.apiResponse(503, "text/plain", "Service Unavailable"));
    fails(
        () ->
            company.patch(
                ApiVersion.V1_0,
                "/projects/" + ProcoreSeed.FIRST_PROJECT_ID,
                Map.of("project", Map.of("name", "x")),
                Project.class));
    assertEquals(
        1, apiRequests("PATCH", "/rest/v1.0/projects/" + ProcoreSeed.FIRST_PROJECT_ID).size());

    f.sandbox.enqueue(Fault.dropConnectionAfterGrant().when(r -> r.method().equals("POST")));
    ProcoreApiException lost =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0, "/projects", project(Map.of("name", "Lost")), Project.class));
    assertEquals(ProcoreApiException.Kind.NETWORK, lost.kind());
    assertEquals(2, apiRequests("POST", "/rest/v1.0/projects").size(), "not sent again");
    assertTrue(f.sleeper.sleeps.isEmpty());
  }

  @Test
  void aPostIsRetriedWhenProcoreSaysItDidNothing() throws Exception {
    f.sandbox.enqueue(ProcoreFaults.serviceUnavailable(3));
    Project created =
        company.post(ApiVersion.V1_0, "/projects", project(Map.of("name", "Paced")), Project.class);
    assertEquals("Paced", created.name());
    assertEquals(2, apiRequests("POST", "/rest/v1.0/projects").size());
    assertEquals(List.of(Duration.ofSeconds(3)), f.sleeper.sleeps);

    try (SandboxFixture tight =
        new SandboxFixture(
            b -> b.rateLimits(1000, Duration.ofHours(1), 1, Duration.ofSeconds(10)))) {
      tight.consent();
      tight.userClient().me(); // another client of the grant spends the window
      Project paced =
          tight
              .userClient()
              .company(C1)
              .post(
                  ApiVersion.V1_0,
                  "/projects",
                  project(Map.of("name", "After 429")),
                  Project.class);
      assertEquals("After 429", paced.name());
      List<RecordedRequest> posts =
          tight.sandbox.requests(ProcoreSandbox.Host.API).stream()
              .filter(r -> r.method().equals("POST"))
              .toList();
      assertEquals(2, posts.size(), "the 429, then the one that created it");
      ProcoreClientTest.assertWithinASecond(Duration.ofSeconds(10), tight.sleeper.sleeps.get(0));
    }
  }

  @Test
  void idempotentWritesAreRetriedAfterAGatewayError() {
    f.sandbox.enqueue(ProcoreFaults.apiResponse(502, "text/plain", "Bad Gateway"));
    ProcoreApiException put =
        fails(
            () ->
                company.put(
                    ApiVersion.V1_0,
                    "/projects/" + ProcoreSeed.FIRST_PROJECT_ID,
                    Map.of("project", Map.of("name", "x")),
                    JsonNode.class));
    // Procore updates projects with PATCH; the PUT was sent twice and refused as a method.
    assertEquals(405, put.status().getAsInt());
    assertEquals(
        2, apiRequests("PUT", "/rest/v1.0/projects/" + ProcoreSeed.FIRST_PROJECT_ID).size());
  }

  @Test
  void projectScopeAddsTheProjectAsEachVersionExpects() {
    ProjectClient project = company.projectScope(ProcoreSeed.FIRST_PROJECT_ID);
    record ProjectDate(String id, String name, String date) {}
    record V1Dates(List<ProjectDate> project_dates) {}

    V1Dates v1 = project.get(ApiVersion.V1_0, "/project_dates", Map.of(), V1Dates.class);
    assertEquals(3, v1.project_dates().size());
    RecordedRequest v1Request = apiRequests("GET", "/rest/v1.0/project_dates").get(0);
    assertEquals(
        Long.toString(ProcoreSeed.FIRST_PROJECT_ID), v1Request.queryParameters().get("project_id"));

    List<ProjectDate> v2 =
        project.list(ApiVersion.V2_0, "/project_dates", Map.of(), ProjectDate.class).toList();
    assertEquals(3, v2.size());
    assertEquals("Start", v2.get(0).name());
    assertEquals(Long.toString(ProcoreSeed.FIRST_PROJECT_ID * 10), v2.get(0).id());
    RecordedRequest v2Request =
        apiRequests(
                "GET",
                "/rest/v2.0/companies/"
                    + C1
                    + "/projects/"
                    + ProcoreSeed.FIRST_PROJECT_ID
                    + "/project_dates")
            .get(0);
    assertNull(v2Request.queryParameters().get("project_id"));
    assertEquals("100", v2Request.queryParameters().get("per_page"));

    // v2 answers are read from their data envelope; a bare answer is malformed there.
    f.sandbox.enqueue(ProcoreFaults.apiResponse(200, "application/json", "[{\"id\":\"1\"}]"));
    assertEquals(
        ProcoreApiException.Kind.MALFORMED_RESPONSE,
        fails(() -> project.get(ApiVersion.V2_0, "/project_dates", Map.of(), JsonNode.class))
            .kind());

    assertThrows(
        IllegalArgumentException.class,
        () ->
            project.get(
                ApiVersion.V1_0, "/project_dates", Map.of("project_id", "1"), JsonNode.class));
    assertThrows(IllegalArgumentException.class, () -> company.projectScope(0));
    ProcoreApiException unreadable =
        fails(
            () ->
                company
                    .projectScope(ProcoreSeed.UNREADABLE_PROJECT_ID)
                    .get(ApiVersion.V1_0, "/project_dates", Map.of(), JsonNode.class));
    assertEquals(ProcoreApiException.Kind.NOT_FOUND, unreadable.kind());
  }

  @Test
  void incrementalSyncFiltersByUpdateTimeAndSorts() {
    Instant before = f.clock.instant();
    f.clock.advance(Duration.ofMinutes(5));
    company.patch(
        ApiVersion.V1_0,
        "/projects/" + (ProcoreSeed.FIRST_PROJECT_ID + 3),
        Map.of("project", Map.of("name", "Changed B")),
        Project.class);
    f.clock.advance(Duration.ofMinutes(5));
    company.patch(
        ApiVersion.V1_0,
        "/projects/" + (ProcoreSeed.FIRST_PROJECT_ID + 1),
        Map.of("project", Map.of("name", "Changed A")),
        Project.class);
    Instant after = f.clock.instant().plusMillis(1);

    List<Project> changed =
        company
            .projects(
                ProjectQuery.defaults()
                    .withStatus(ProjectStatus.ALL)
                    .updatedBetween(before.plusMillis(1), after)
                    .sort("-updated_at"))
            .toList();
    assertEquals(List.of("Changed A", "Changed B"), changed.stream().map(Project::name).toList());
    RecordedRequest list = apiRequests("GET", "/rest/v1.0/projects").get(0);
    assertEquals(
        ProjectQuery.range(before.plusMillis(1), after),
        list.queryParameters().get("filters[updated_at]"));
    assertTrue(list.queryParameters().get("filters[updated_at]").contains("..."));
    assertEquals("-updated_at", list.queryParameters().get("sort"));
    assertEquals(
        "100", list.queryParameters().get("per_page"), "the documented maximum by default");

    List<Project> createdFirstDay =
        company
            .projects(
                ProjectQuery.defaults()
                    .createdBetween(
                        Instant.parse("2024-03-01T00:00:00Z"),
                        Instant.parse("2024-03-01T23:59:59Z"))
                    .sort("name"))
            .toList();
    assertEquals(
        List.of(ProcoreSeed.FIRST_PROJECT_ID), createdFirstDay.stream().map(Project::id).toList());

    ProcoreApiException badSort =
        fails(() -> company.projects(ProjectQuery.defaults().sort("colour")).toList());
    assertEquals(400, badSort.status().getAsInt());
    assertThrows(IllegalArgumentException.class, () -> ProjectQuery.defaults().sort("name; drop"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ProjectQuery.defaults().updatedBetween(after, before));
    assertEquals(
        "2024-03-01T00:00:00Z...2024-03-01T00:00:02Z",
        ProjectQuery.range(
            Instant.parse("2024-03-01T00:00:00.500Z"), Instant.parse("2024-03-01T00:00:01.200Z")));
  }

  @Test
  void theRevocationTokenIsTheAccessTokenAsProcoreDocuments() throws Exception {
    assertEquals(
        io.tokenbroker.oauth.Provider.RevocationToken.ACCESS_TOKEN,
        f.procore.provider().revocationToken());
    io.tokenbroker.oauth.TokenSet tokens = f.broker.tokens(f.user);
    assertTrue(io.tokenbroker.oauth.TokenClient.create(f.app).revoke(tokens));
    RecordedRequest revoke =
        f.sandbox.requests(ProcoreSandbox.Host.LOGIN).stream()
            .filter(r -> r.path().equals("/oauth/revoke"))
            .findFirst()
            .orElseThrow();
    assertEquals(tokens.accessToken().revealValue(), revoke.bodyParameters().get("token"));
    assertEquals(SandboxFixture.APP_ID, revoke.bodyParameters().get("client_id"));
    assertEquals(SandboxFixture.APP_SECRET, revoke.bodyParameters().get("client_secret"));
    assertFalse(f.sandbox.isAccessTokenValid(tokens.accessToken().revealValue()));
    assertFalse(f.sandbox.isRefreshTokenUsable(tokens.refreshToken().revealValue()));
  }
}
