package io.tokenbroker.cor;

import static io.tokenbroker.cor.CorFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.cor.CorFaults;
import io.tokenbroker.testkit.cor.CorSeed;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The typed client against the sandbox: endpoints, pagination, retries and errors. */
class CorClientTest extends CorClientTestBase {
  @Test
  void meReadsTheDocumentedUser() {
    User me = client.me();

    assertEquals(12345, me.id());
    assertEquals("John", me.firstName());
    assertEquals("Doe", me.lastName());
    assertEquals("john.doe@company.com", me.email());
    assertEquals(Role.PROJECT_MANAGER, me.role());
    assertEquals(6.5, me.remainingHours());
    assertEquals(8.0, me.dailyHours());
    assertNull(me.cuil());
    assertEquals("-03:00", me.gmt());
    assertEquals(List.of(), me.labels());
    RecordedRequest request = requests("/v1/me").get(0);
    assertEquals("application/json", request.header("Accept"));
    assertEquals("Bearer " + f.sandbox.lastAccessToken(), request.header("Authorization"));
  }

  @Test
  void projectsReadEveryDocumentedField() {
    CorPage<Project> page = client.projects().page(1);
    Project p = page.data().get(0);

    assertEquals(14, page.total());
    assertEquals(Map.of("profitability_limit", "30.00"), page.extra().get("meta_data"));
    assertEquals(155693, p.id());
    assertEquals("Website Redesign", p.name());
    assertEquals(25855L, p.clientId());
    assertEquals(ProjectHealth.ON_TRACK, p.health());
    assertEquals(ProjectStatus.ACTIVE, p.status());
    assertEquals(LocalDateTime.of(2025, 1, 15, 0, 0), p.start().dateTime());
    assertNull(p.start().offset());
    assertEquals(IncomeType.FEE, p.incomeType());
    assertEquals(85.0, p.profitabilityNow());
    assertEquals(Boolean.FALSE, p.archived());
    assertEquals(25855, p.client().id());
    assertEquals(Role.PROJECT_MANAGER, p.pm().role());
    assertEquals(List.of(7L, 10L), p.labels());
    assertEquals(Boolean.FALSE, p.estimationByCategories());
    // Documented as bool|int and bool|str: the second project sends 1 and "1".
    Project second = page.data().get(1);
    assertEquals(Boolean.TRUE, second.estimationByCategories());
    assertEquals(Boolean.TRUE, second.estimatedByHourlyRates());
  }

  @Test
  void aSingleProjectHasItsExtrasAndAMissingOneIs404() {
    Project p = client.project(155693);
    assertEquals(List.of(), p.usersPositionsProject());
    assertEquals(Map.of(), p.ratecard());

    CorApiException e = failing(() -> client.project(424242));
    assertEquals(404, e.status().getAsInt());
    assertEquals(CorApiException.Shape.ERROR_RESPONSE, e.shape());
    assertEquals("NF404", e.code().orElseThrow());
    assertEquals("Undefined project", e.corMessage().orElseThrow());
    assertEquals("/v1/projects/424242", e.path());
    assertFalse(e.isRetryable());
  }

  @Test
  void iterationFetchesPagesLazilyAndCapsPerPageAt50() {
    Iterator<Task> tasks = client.tasks().iterator();
    assertEquals(0, requests("/v1/tasks").size()); // nothing fetched yet

    assertTrue(tasks.hasNext());
    tasks.next();
    assertEquals(1, requests("/v1/tasks").size());

    List<Task> all = client.tasks().toList();
    assertEquals(125, all.size());
    assertEquals(125, all.stream().map(Task::id).distinct().count());
    List<RecordedRequest> pages = requests("/v1/tasks").subList(1, 4);
    assertEquals(
        List.of("1", "2", "3"), pages.stream().map(r -> r.queryParameters().get("page")).toList());
    pages.forEach(r -> assertEquals("50", r.queryParameters().get("perPage")));
    assertEquals(4, requests("/v1/tasks").size()); // stops at lastPage, no empty fourth page

    assertEquals(50, client.tasks().perPage(500).perPage());
    assertEquals(50, client.tasks().perPage(500).page(1).data().size());
    assertEquals("50", requests("/v1/tasks").get(4).queryParameters().get("perPage"));
    assertThrows(IllegalArgumentException.class, () -> client.tasks().perPage(0));
  }

  @Test
  void streamsStopFetchingWhenTheConsumerStops() {
    List<Client> first = client.clients().perPage(20).stream().limit(25).toList();
    assertEquals(25, first.size());
    assertEquals(2, requests("/v1/clients").size());
    assertEquals(45, client.clients().perPage(20).stream().count());
  }

  @Test
  void pagesPastTheEndAreEmpty() {
    CorPage<Client> page = client.clients().page(9);
    assertEquals(List.of(), page.data());
    assertEquals(45, page.total());
    assertEquals(1, page.lastPage());
    assertFalse(page.hasNextPage());
    assertThrows(IllegalArgumentException.class, () -> client.clients().page(0));
  }

  @Test
  void unpaginatedSendsPageFalse() {
    CorPage<Task> all = client.tasks().unpaginated();
    assertEquals(125, all.data().size());
    RecordedRequest request = requests("/v1/tasks").get(0);
    assertEquals("false", request.queryParameters().get("page"));
    assertNull(request.queryParameters().get("perPage"));
  }

  @Test
  void unpaginatedAlsoReadsABareArray() {
    f.sandbox.enqueue(Fault.json(200, "[{\"id\":1,\"name\":\"A\"},{\"id\":2,\"name\":\"B\"}]"));
    CorPage<Client> all = client.clients().unpaginated();
    assertEquals(List.of(1L, 2L), all.data().stream().map(Client::id).toList());
    assertEquals(2, all.total());
  }

  @Test
  void hoursReadThePageStringAndTotals() {
    CorPage<Hour> page = client.hours().perPage(10).page(2);
    assertEquals(2, page.page());
    assertEquals(60, page.total());
    assertEquals(6, page.lastPage());
    assertTrue(page.extra().get("total_hours") instanceof String);
    assertTrue(page.extra().get("total_cost") instanceof Number);
    Hour h = page.data().get(0);
    assertTrue(h.duration().matches("\\d+\\.\\d{16}"));
    assertTrue(h.durationHours().orElseThrow().compareTo(BigDecimal.ZERO) > 0);
    assertEquals(60, client.hours().stream().count());
  }

  @Test
  void filtersAreSentAsOneJsonParameter() {
    ProjectFilter filter =
        ProjectFilter.builder()
            .clientId(25855)
            .status(ProjectStatus.ACTIVE)
            .archived(ProjectFilter.Archived.ACTIVE_ONLY)
            .build();
    List<Project> projects = client.projects(filter).toList();

    assertEquals(
        "{\"client_id\":25855,\"status\":\"in_process\",\"archived\":2}",
        requests("/v1/projects").get(0).queryParameters().get("filters"));
    assertFalse(projects.isEmpty());
    projects.forEach(
        p -> {
          assertEquals(25855L, p.clientId());
          assertEquals(ProjectStatus.ACTIVE, p.status());
          assertEquals(Boolean.FALSE, p.archived());
        });
  }

  @Test
  void taskFiltersAndOrderWork() {
    List<Task> tasks =
        client
            .tasks(
                TaskFilter.builder()
                    .projects(5001)
                    .status(TaskStatus.NUEVA, TaskStatus.EN_PROCESO)
                    .build(),
                TaskOrder.by(TaskOrder.Field.PRIORITY, SortDirection.DESC))
            .toList();

    assertFalse(tasks.isEmpty());
    tasks.forEach(
        t -> {
          assertEquals(5001L, t.projectId());
          assertTrue(Set.of(TaskStatus.NUEVA, TaskStatus.EN_PROCESO).contains(t.status()));
        });
    for (int i = 1; i < tasks.size(); i++) {
      assertTrue(tasks.get(i - 1).priority().id() >= tasks.get(i).priority().id());
    }
    RecordedRequest request = requests("/v1/tasks").get(0);
    assertEquals(
        "{\"projects\":5001,\"status\":[\"nueva\",\"en_proceso\"]}",
        request.queryParameters().get("filters"));
    assertEquals("{\"priority\":\"DESC\"}", request.queryParameters().get("order"));
  }

  @Test
  void hourFiltersAndOrderBy() {
    List<Hour> hours =
        client
            .hours(HourFilter.builder().users(12345).build(), HourOrder.byStart(SortDirection.DESC))
            .toList();
    assertFalse(hours.isEmpty());
    hours.forEach(h -> assertEquals(12345L, h.userId()));
    for (int i = 1; i < hours.size(); i++) {
      assertFalse(hours.get(i - 1).start().dateTime().isBefore(hours.get(i).start().dateTime()));
    }
    assertEquals(
        "{\"by\":\"start\",\"order\":\"DESC\"}",
        requests("/v1/hours").get(0).queryParameters().get("orderBy"));
  }

  @Test
  void usersHideHiddenOnesUnlessAsked() {
    assertEquals(7, client.users().stream().count());
    List<User> all = client.users(UserFilter.builder().withHiddenUsers(true).build()).toList();
    assertEquals(8, all.size());
    assertEquals(
        Set.of(Role.values()).size() - 1,
        all.stream().map(User::role).collect(Collectors.toSet()).size());
  }

  @Test
  void singleTaskAndClient() {
    Task t = client.task(10001);
    assertEquals("Design homepage mockup", t.title());
    assertEquals(TaskStatus.FINALIZADA, t.status());
    assertEquals(TaskPriority.HIGH, t.priority());
    assertEquals(
        Instant.parse("2024-01-15T18:00:00Z"), t.deadline().toInstant(ZoneOffset.ofHours(-3)));
    Client c = client.client(2002);
    assertEquals("TechStart Inc", c.name());
    assertEquals("mike@techstart.io", c.emailContact());
  }

  @Test
  void logHoursPostsTheDocumentedBody() {
    int before = f.sandbox.rowCount(CorSeed.Collection.HOURS);
    Hour h =
        client.logHours(
            10002,
            Instant.parse("2024-01-18T09:00:00.123Z"),
            Instant.parse("2024-01-18T11:30:00Z"));

    assertEquals(HourStatus.PENDING, h.status());
    assertEquals(10002L, h.taskLogId());
    assertEquals(Instant.parse("2024-01-18T09:00:00Z"), h.start().toInstant(ZoneOffset.UTC));
    assertEquals(ZoneOffset.UTC, h.start().offset());
    assertEquals(before + 1, f.sandbox.rowCount(CorSeed.Collection.HOURS));
    RecordedRequest post = requests("/v1/hours").get(0);
    assertEquals("POST", post.method());
    assertEquals("application/json", post.header("Content-Type"));
    assertEquals(
        "{\"task_log_id\":10002,\"start\":\"2024-01-18T09:00:00Z\",\"stop\":\"2024-01-18T11:30:00Z\"}",
        post.bodyUtf8());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            client.logHours(
                10002,
                Instant.parse("2024-01-18T09:00:00Z"),
                Instant.parse("2024-01-18T08:00:00Z")));
  }

  @Test
  void startTimerOmitsStop() {
    Hour h = client.startTimer(10001, Instant.parse("2024-01-18T09:00:00Z"));
    assertNull(h.stop());
    assertEquals(
        "{\"task_log_id\":10001,\"start\":\"2024-01-18T09:00:00Z\"}",
        requests("/v1/hours").get(0).bodyUtf8());
  }

  @Test
  void validationArraysBecomeValidationErrors() {
    CorApiException e =
        failing(
            () ->
                client.logHours(
                    1,
                    Instant.parse("2024-01-18T09:00:00Z"),
                    Instant.parse("2024-01-18T10:00:00Z")));
    assertEquals(417, e.status().getAsInt());
    assertEquals(CorApiException.Shape.VALIDATION, e.shape());
    assertEquals(
        List.of(
            new CorApiException.ValidationError(
                "task_log_id", "exists", "exists validation failed on task_log_id")),
        e.validationErrors());
    assertTrue(e.getMessage().contains("exists validation failed on task_log_id"));
    assertTrue(e.getMessage().startsWith("COR POST /v1/hours failed: HTTP 417"));
  }

  @Test
  void aRealBadRequestIsACustomError() {
    CorApiException e =
        failing(
            () ->
                client
                    .projects(ProjectFilter.builder().with("dateStart", "15/01/2025").build())
                    .page(1));
    assertEquals(400, e.status().getAsInt());
    assertEquals(CorApiException.Shape.CUSTOM_ERROR, e.shape());
    assertEquals("F010", e.code().orElseThrow());
    assertFalse(e.getMessage().contains("15/01/2025")); // the query is never quoted
  }

  @Test
  void everyDocumentedErrorShapeIsTyped() {
    f.sandbox.enqueue(CorFaults.forbidden());
    f.sandbox.enqueue(CorFaults.customError(400, "UP001", "Invalid position"));
    f.sandbox.enqueue(CorFaults.customError(417, "AC001", "Already exists"));
    f.sandbox.enqueue(CorFaults.errorResponse(404, "FS003", "Undefined attachment"));
    f.sandbox.enqueue(CorFaults.validation("task_id", "exists", "title", "required"));
    f.sandbox.enqueue(Fault.json(409, "{\"message\":\"Conflict here\"}"));
    f.sandbox.enqueue(Fault.html(400));

    CorApiException forbidden = failing(client::me);
    assertEquals(CorApiException.Shape.ERROR, forbidden.shape());
    assertEquals(403, forbidden.status().getAsInt());
    assertEquals("Forbidden", forbidden.corMessage().orElseThrow());

    CorApiException custom = failing(client::me);
    assertEquals(CorApiException.Shape.CUSTOM_ERROR, custom.shape());
    assertEquals("UP001", custom.code().orElseThrow());
    assertEquals(
        "COR GET /v1/me failed: HTTP 400 CORCustomError UP001: Invalid position",
        custom.getMessage());

    CorApiException custom417 = failing(client::me);
    assertEquals(417, custom417.status().getAsInt());
    assertEquals("AC001", custom417.code().orElseThrow());
    assertEquals(List.of(), custom417.validationErrors());

    CorApiException response = failing(client::me);
    assertEquals(CorApiException.Shape.ERROR_RESPONSE, response.shape());
    assertEquals("FS003", response.code().orElseThrow());

    CorApiException validation = failing(client::me);
    assertEquals(2, validation.validationErrors().size());
    assertEquals("title", validation.validationErrors().get(1).field());
    assertEquals(
        "exists validation failed on task_id; required validation failed on title",
        validation.corMessage().orElseThrow());

    CorApiException other = failing(client::me);
    assertEquals(CorApiException.Shape.OTHER_JSON, other.shape());
    assertEquals("Conflict here", other.corMessage().orElseThrow());

    CorApiException html = failing(client::me);
    assertEquals(CorApiException.Shape.NO_JSON, html.shape());
    assertTrue(html.getMessage().contains("an HTML page"));
  }

  @Test
  void aTokenRejectedMidIterationIsRefreshedOnceAndTheIterationGoesOn() {
    Iterator<Task> tasks = client.tasks().iterator();
    for (int i = 0; i < 50; i++) {
      tasks.next();
    }
    String before = f.sandbox.lastAccessToken();
    f.sandbox.invalidateAccessTokens(); // COR stops accepting the token the broker still holds

    int rest = 0;
    while (tasks.hasNext()) {
      tasks.next();
      rest++;
    }

    assertEquals(75, rest);
    assertNotEquals(before, f.sandbox.lastAccessToken());
    assertEquals(
        2, f.sandbox.requestCount("POST", "/v1/oauth/token")); // client credentials re-run once
    List<RecordedRequest> page2 =
        requests("/v1/tasks").stream()
            .filter(r -> "2".equals(r.queryParameters().get("page")))
            .toList();
    assertEquals(2, page2.size());
    assertEquals("Bearer " + before, page2.get(0).header("Authorization"));
    assertEquals("Bearer " + f.sandbox.lastAccessToken(), page2.get(1).header("Authorization"));
  }

  @Test
  void aSecond401IsReturnedAsAnErrorNotLooped() {
    client.me();
    f.sandbox.enqueue(CorFaults.unauthorized());
    f.sandbox.enqueue(CorFaults.unauthorized());

    CorApiException e = failing(client::me);

    assertEquals(401, e.status().getAsInt());
    assertEquals(CorApiException.Shape.ERROR, e.shape());
    assertEquals("Unauthorized", e.corMessage().orElseThrow());
    assertEquals(3, requests("/v1/me").size());
    assertEquals(2, f.sandbox.requestCount("POST", "/v1/oauth/token"));
  }

  @Test
  void rateLimitsWithoutHeadersArePacedAndRetried() {
    f.sandbox.enqueue(CorFaults.tooManyRequests());
    f.sandbox.enqueue(CorFaults.tooManyRequests());

    assertEquals(12345, client.me().id());
    assertEquals(3, requests("/v1/me").size());
  }

  @Test
  void rateLimitsHonourRetryAfterAndGiveUpAfterTheAttempts() {
    f.sandbox.enqueue(CorFaults.tooManyRequests().withRetryAfter("0"));
    assertEquals(12345, client.me().id());

    for (int i = 0; i < 3; i++) {
      f.sandbox.enqueue(CorFaults.tooManyRequests());
    }
    CorApiException e = failing(client::me);
    assertEquals(429, e.status().getAsInt());
    assertTrue(e.isRetryable());
    assertEquals(5, requests("/v1/me").size());
  }

  @Test
  void aRetryAfterLongerThanTheCapIsNotWaitedFor() {
    f.sandbox.enqueue(CorFaults.serviceUnavailable().withRetryAfter("300"));
    CorApiException e = failing(client::me);
    assertEquals(503, e.status().getAsInt());
    assertEquals(1, requests("/v1/me").size());
  }

  @Test
  void serverErrorsAreRetriedForGetsButNotForPosts() {
    f.sandbox.enqueue(CorFaults.serverError());
    f.sandbox.enqueue(CorFaults.serviceUnavailable());
    assertEquals(14, client.projects().page(1).total());
    assertEquals(3, requests("/v1/projects").size());

    f.sandbox.enqueue(CorFaults.serverError());
    CorApiException e =
        failing(
            () ->
                client.logHours(
                    10002,
                    Instant.parse("2024-01-18T09:00:00Z"),
                    Instant.parse("2024-01-18T10:00:00Z")));
    assertEquals(500, e.status().getAsInt());
    assertEquals(CorApiException.Shape.ERROR, e.shape());
    assertEquals(1, requests("/v1/hours").size());
  }

  @Test
  void anUnreadableSuccessIsTyped() {
    f.sandbox.enqueue(Fault.json(200, "{\"id\":\"not-a-number\"}"));
    CorApiException e = failing(client::me);
    assertEquals(CorApiException.Shape.UNREADABLE_SUCCESS, e.shape());
    f.sandbox.enqueue(Fault.json(200, "{\"total\":\"x\",\"data\":[]}"));
    assertEquals(
        CorApiException.Shape.UNREADABLE_SUCCESS, failing(() -> client.clients().page(1)).shape());
    f.sandbox.enqueue(Fault.json(200, "{\"no\":\"envelope\"}"));
    assertEquals(
        CorApiException.Shape.UNREADABLE_SUCCESS, failing(() -> client.clients().page(1)).shape());
  }

  @Test
  void anUnreachableCorIsTyped() {
    CorClient nowhere =
        CorClient.builder(f.broker, SERVICE)
            .apiBaseUri(java.net.URI.create("http://127.0.0.1:1/v1"))
            .build();
    CorApiException e = failing(nowhere::me);
    assertEquals(CorApiException.Shape.NO_RESPONSE, e.shape());
    assertTrue(e.status().isEmpty());
    assertEquals(CorApiException.Kind.NETWORK, e.kind());
    assertTrue(e.isRetryable());
  }

  @Test
  void corClientFromCorUsesItsBase() {
    assertEquals(12345, f.cor.client(f.broker, SERVICE).me().id());
    assertTrue(
        f.cor.client(f.broker, SERVICE).toString().contains(f.sandbox.apiBaseUri().toString()));
  }
}
