package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.cor.CorFaults;
import io.tokenbroker.testkit.cor.CorSeed;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** COR's writes through the typed client: bodies, validation errors, and the retry rules. */
class CorClientWritesTest extends CorClientTestBase {
  @Test
  void tasksAreCreatedUpdatedAndDeletedWithTheOpenApiFieldNames() {
    Task created =
        client.createTask(
            TaskInput.builder("Write the launch post")
                .projectId(5001)
                .deadline(Instant.parse("2024-03-01T18:00:00.250Z"))
                .priority(TaskPriority.HIGH)
                .build());
    assertEquals("Write the launch post", created.title());
    assertEquals(5001L, created.projectId());
    assertEquals(TaskStatus.NUEVA, created.status());
    assertEquals(
        "{\"title\":\"Write the launch post\",\"project_id\":5001,"
            + "\"deadline\":\"2024-03-01T18:00:00Z\",\"priority\":2}",
        requests("POST", "/v1/tasks").get(0).bodyUtf8());
    assertEquals("application/json", requests("POST", "/v1/tasks").get(0).header("Content-Type"));

    Task updated =
        client.updateTask(
            created.id(),
            TaskInput.builder("Write the launch post")
                .status(TaskStatus.EN_PROCESO)
                .archived(false)
                .build());
    assertEquals(TaskStatus.EN_PROCESO, updated.status());
    assertEquals(TaskStatus.EN_PROCESO, client.task(created.id()).status());

    client.deleteTask(created.id());
    assertEquals(CorApiException.Kind.NOT_FOUND, failing(() -> client.task(created.id())).kind());
  }

  @Test
  void validationErrorsComeBackTyped() {
    CorApiException e =
        failing(() -> client.createTask(TaskInput.builder("Orphan").projectId(42).build()));
    assertEquals(417, e.status().getAsInt());
    assertEquals(CorApiException.Kind.VALIDATION, e.kind());
    assertEquals("project_id", e.validationErrors().get(0).field());
    assertEquals("exists", e.validationErrors().get(0).validation());
    assertFalse(e.isRetryable());
  }

  @Test
  void projectsAreCreatedAndUpdatedWithOnlyTheFieldsSet() {
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> client.createProject(ProjectInput.builder().name("No client").build()));
    assertTrue(missing.getMessage().contains("client_id"));

    Project created =
        client.createProject(
            ProjectInput.builder()
                .name("Brand Campaign")
                .clientId(2002)
                .start(LocalDate.of(2026, 6, 1))
                .incomeType(IncomeType.FEE)
                .estimatedTime(new BigDecimal("60"))
                .labels(7, 10)
                .with("currency_id", 1)
                .build());
    assertEquals("Brand Campaign", created.name());
    assertEquals(2002L, created.clientId());
    assertEquals(LocalDate.of(2026, 6, 1), created.start().date());
    assertEquals(List.of(7L, 10L), created.labels());
    assertEquals(
        "{\"name\":\"Brand Campaign\",\"client_id\":2002,\"start\":\"2026-06-01\","
            + "\"income_type\":\"fee\",\"estimated_time\":60,\"labels\":[7,10],\"currency_id\":1}",
        requests("POST", "/v1/projects").get(0).bodyUtf8());

    Project updated =
        client.updateProject(created.id(), ProjectInput.builder().brief("Phase 2").build());
    assertEquals("Phase 2", updated.brief());
    assertEquals("Brand Campaign", updated.name());
    assertEquals(
        "{\"brief\":\"Phase 2\"}",
        requests("PUT", "/v1/projects/" + created.id()).get(0).bodyUtf8());
    assertThrows(
        IllegalArgumentException.class,
        () -> client.updateProject(created.id(), ProjectInput.builder().build()));
    assertThrows(
        IllegalArgumentException.class,
        () -> ProjectInput.builder().with("name", "typed setter exists"));
    client.deleteProject(created.id());
    assertEquals(404, failing(() -> client.project(created.id())).status().getAsInt());
  }

  @Test
  void clientsAreSentAsAForm() {
    Client created =
        client.createClient(
            ClientInput.builder("Nueva S.A.")
                .contactEmail("ana@nueva.example")
                .contactFirstName("Ana")
                .condition("active")
                .build());
    assertEquals("Nueva S.A.", created.name());
    assertEquals("ana@nueva.example", created.emailContact());
    RecordedRequest post = requests("POST", "/v1/clients").get(0);
    assertEquals("application/x-www-form-urlencoded", post.header("Content-Type"));
    assertEquals(
        Map.of(
            "name", "Nueva S.A.",
            "email_contact", "ana@nueva.example",
            "name_contact", "Ana",
            "condition", "active"),
        post.bodyParameters());

    Client renamed = client.updateClient(created.id(), ClientInput.builder("Nueva S.R.L.").build());
    assertEquals("Nueva S.R.L.", renamed.name());
    assertEquals("Nueva S.R.L.", client.client(created.id()).name());

    CorApiException bad =
        failing(
            () ->
                client.createClient(ClientInput.builder("X").contactEmail("not-an-email").build()));
    assertEquals("email_contact", bad.validationErrors().get(0).field());
  }

  @Test
  void hourStatusChangesSendTheCounters() {
    client.changeHourStatus(HourStatus.APPROVED, 40001, 40003);
    assertEquals(
        "{\"status\":\"approved\",\"counters\":[40001,40003]}",
        requests("POST", "/v1/hours/status-change").get(0).bodyUtf8());
    List<Hour> changed =
        client.hours().stream().filter(h -> h.id() == 40001 || h.id() == 40003).toList();
    changed.forEach(h -> assertEquals(HourStatus.APPROVED, h.status()));
    changed.forEach(h -> assertEquals(12345L, h.statusChangedBy()));

    assertThrows(
        IllegalArgumentException.class, () -> client.changeHourStatus(HourStatus.REJECTED, 40001));
    assertThrows(IllegalArgumentException.class, () -> client.changeHourStatus(HourStatus.PAID));
    CorApiException unknown = failing(() -> client.changeHourStatus(HourStatus.PAID, 1));
    assertEquals("counters", unknown.validationErrors().get(0).field());
  }

  @Test
  void writesAreNeverRepeatedAfterAServerError() {
    f.sandbox.enqueue(CorFaults.serverError());
    CorApiException post =
        failing(() -> client.createTask(TaskInput.builder("Once").projectId(5001).build()));
    assertEquals(CorApiException.Kind.SERVER_ERROR, post.kind());
    assertEquals(1, requests("POST", "/v1/tasks").size());

    f.sandbox.enqueue(CorFaults.serviceUnavailable());
    failing(() -> client.updateTask(10001, TaskInput.builder("Again").build()));
    assertEquals(1, requests("PUT", "/v1/tasks/10001").size());

    f.sandbox.enqueue(CorFaults.serverError());
    failing(() -> client.changeHourStatus(HourStatus.PAID, 40001));
    assertEquals(1, requests("POST", "/v1/hours/status-change").size());

    f.sandbox.enqueue(CorFaults.serverError());
    failing(() -> client.deleteTask(10002));
    assertEquals(1, requests("DELETE", "/v1/tasks/10002").size());
    assertEquals(10002, client.task(10002).id());

    f.sandbox.enqueue(CorFaults.serverError());
    failing(
        () -> client.send("PATCH", "/tasks/10002", Map.of(), Map.of("title", "x"), JsonNode.class));
    assertEquals(1, requests("PATCH", "/v1/tasks/10002").size());
  }

  @Test
  void aRateLimitedPostIsPacedButAPutIsSentOnce() {
    int before = f.sandbox.rowCount(CorSeed.Collection.TASKS);
    f.sandbox.enqueue(CorFaults.tooManyRequests());
    Task created = client.createTask(TaskInput.builder("Paced").projectId(5001).build());
    assertEquals(2, requests("POST", "/v1/tasks").size());
    assertEquals(before + 1, f.sandbox.rowCount(CorSeed.Collection.TASKS));

    f.sandbox.enqueue(CorFaults.tooManyRequests());
    CorApiException put =
        failing(() -> client.updateTask(created.id(), TaskInput.builder("Paced 2").build()));
    assertEquals(CorApiException.Kind.RATE_LIMITED, put.kind());
    assertTrue(put.isRetryable());
    assertEquals(1, requests("PUT", "/v1/tasks/" + created.id()).size());
    assertEquals("Paced", client.task(created.id()).title());
  }

  @Test
  void aStaleTokenOnAWriteIsRefreshedAndTheWriteSentOnce() {
    client.me();
    f.sandbox.invalidateAccessTokens();
    Task created = client.createTask(TaskInput.builder("After refresh").projectId(5001).build());
    assertEquals(2, requests("POST", "/v1/tasks").size()); // the 401, then the one write
    assertEquals(
        1, client.searchTasks("After refresh").size(), "the task was created exactly once");
    assertNull(client.send("DELETE", "/tasks/" + created.id(), Map.of(), null, Void.class));
  }
}
