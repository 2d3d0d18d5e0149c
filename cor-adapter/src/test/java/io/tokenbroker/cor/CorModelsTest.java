package io.tokenbroker.cor;

import static io.tokenbroker.cor.CorFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.testkit.cor.CorSeed;
import io.tokenbroker.testkit.cor.CorSeed.Collection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Model parsing over HTTP with rows the seed does not have: unknown enum values, odd dates. */
class CorModelsTest {
  private static final CorSeed ODD =
      CorSeed.empty()
          .with(Collection.CLIENTS, "{\"id\":1,\"name\":\"Only\"}")
          .with(
              Collection.PROJECTS,
              "{\"id\":900,\"name\":\"Odd\",\"client_id\":1,\"health\":7,"
                  + "\"status\":\"archivado\",\"income_type\":\"barter\",\"start\":\"2025-01-15\",\"end\":\"2025-03-31T23:59:59.5-03:00\",\"created_at\":\"2025-01-10"
                  + " 14:30:00\","
                  + "\"estimation_by_categories\":\"\",\"estimated_by_hourly_rates\":\"false\",\"labels\":null,"
                  + "\"pm\":{\"id\":5,\"role_id\":42},\"brand_new_field\":{\"x\":1}}")
          .with(
              Collection.TASKS,
              "{\"id\":1,\"title\":\"T\",\"project_id\":900,\"status\":\"en_revision\","
                  + "\"priority\":9,\"deadline\":\"2024-01-15T18:00:00+02:00\",\"archived\":false}")
          .with(
              Collection.TASKS,
              "{\"id\":2,\"title\":\"U\",\"project_id\":900,\"status\":\"NUEVA\","
                  + "\"priority\":null,\"deadline\":null}")
          .with(
              Collection.HOURS,
              "{\"id\":3,\"start\":\"2024-01-18 09:00:00\",\"stop\":null,"
                  + "\"duration\":\"0.0000000000000000\",\"cost\":0,\"status\":\"on_hold\",\"type\":\"TASK\","
                  + "\"task_log_id\":1,\"project_id\":null,\"created_at\":\"2024-01-18T09:00:01Z\"}")
          .with(
              Collection.USERS,
              "{\"id\":77,\"first_name\":\"New\",\"role_id\":8,\"labels\":"
                  + "[{\"id\":1,\"hex\":\"#fff\",\"hsl\":null,\"rgb\":null,\"lang\":\"es\",\"name\":\"L\",\"color_id\":2}],"
                  + "\"leaves\":[{\"from\":\"2025-02-01\",\"days\":3}]}");

  @Test
  void unknownEnumValuesAndMixedDatesAreRead() {
    try (CorFixture f = CorFixture.withSeed(ODD).service()) {
      CorClient client = f.client(SERVICE);

      Project p = client.project(900);
      assertEquals(ProjectHealth.UNKNOWN, p.health());
      assertEquals(ProjectStatus.UNKNOWN, p.status());
      assertEquals(IncomeType.UNKNOWN, p.incomeType());
      assertEquals(Role.UNKNOWN, p.pm().role());
      assertEquals(LocalDateTime.of(2025, 1, 15, 0, 0), p.start().dateTime());
      assertEquals(ZoneOffset.ofHours(-3), p.end().offset());
      assertEquals(Instant.parse("2025-04-01T02:59:59.5Z"), p.end().toInstant(ZoneOffset.UTC));
      assertEquals(
          Instant.parse("2025-01-10T17:30:00Z"),
          p.createdAt().toInstant(ZoneId.of("America/Argentina/Buenos_Aires")));
      assertNull(p.estimationByCategories());
      assertEquals(Boolean.FALSE, p.estimatedByHourlyRates());
      assertEquals(List.of(), p.labels());
      assertNull(p.archived());

      List<Task> tasks = client.tasks().toList();
      assertEquals(TaskStatus.UNKNOWN, tasks.get(0).status());
      assertEquals(TaskPriority.UNKNOWN, tasks.get(0).priority());
      assertEquals(ZoneOffset.ofHours(2), tasks.get(0).deadline().offset());
      assertEquals(TaskStatus.NUEVA, tasks.get(1).status()); // case-insensitive
      assertNull(tasks.get(1).priority());
      assertNull(tasks.get(1).deadline());

      Hour h = client.hours().toList().get(0);
      assertEquals(HourStatus.UNKNOWN, h.status());
      assertNull(h.stop());
      assertNull(h.projectId());
      assertEquals("0.0000000000000000", h.duration());
      assertEquals(ZoneOffset.UTC, h.createdAt().offset());
      assertNull(h.start().offset());

      User u = client.users().stream().filter(x -> x.id() == 77).findFirst().orElseThrow();
      assertEquals(Role.UNKNOWN, u.role());
      assertEquals("#fff", u.labels().get(0).hex());
      assertEquals(2L, u.labels().get(0).colorId());
      assertEquals(Map.of("from", "2025-02-01", "days", 3), u.leaves().get(0));
      assertNull(u.email());
    }
  }

  @Test
  void anUnreadableDateFailsTheCallWithATypedError() {
    CorSeed bad =
        CorSeed.empty()
            .with(Collection.CLIENTS, "{\"id\":1,\"name\":\"Only\"}")
            .with(Collection.PROJECTS, "{\"id\":1,\"name\":\"Bad\",\"start\":\"15/01/2025\"}");
    try (CorFixture f = CorFixture.withSeed(bad).service()) {
      CorApiException e =
          f.remember(assertThrows(CorApiException.class, () -> f.client(SERVICE).project(1)));
      assertEquals(CorApiException.Shape.UNREADABLE_SUCCESS, e.shape());
      assertEquals(200, e.status().getAsInt());
    }
  }

  @Test
  void corDateTimeParsesEveryDocumentedForm() {
    assertEquals("2025-01-15 00:00:00", CorDateTime.parse("2025-01-15 00:00:00").toString());
    assertEquals("2024-01-15T18:00:00Z", CorDateTime.parse("2024-01-15T18:00:00Z").toString());
    assertEquals("2025-01-15 00:00:00", CorDateTime.parse("2025-01-15").toString());
    assertEquals(
        LocalDateTime.of(2025, 1, 15, 8, 30), CorDateTime.parse("2025-01-15T08:30").dateTime());
    assertEquals(
        LocalDateTime.of(2025, 1, 15, 8, 30, 1, 250_000_000),
        CorDateTime.parse(" 2025-01-15 08:30:01.25 ").dateTime());
    assertEquals(ZoneOffset.ofHours(5), CorDateTime.parse("2025-01-15 08:30:00+05:00").offset());
    assertEquals(LocalDate.of(2025, 1, 15), CorDateTime.parse("2025-01-15 08:30:00").date());
    assertTrue(CorDateTime.parse("2025-01-15 08:30:00").knownOffset().isEmpty());
    assertEquals(
        "2024-01-18T09:00:00Z", CorDateTime.of(Instant.parse("2024-01-18T09:00:00Z")).toString());
    for (String bad :
        new String[] {"", "15/01/2025", "2025-13-01", "yesterday", "2025-01-15 25:00:00"}) {
      assertThrows(IllegalArgumentException.class, () -> CorDateTime.parse(bad), bad);
    }
  }

  @Test
  void enumsMapTheirWireValues() {
    assertEquals(TaskStatus.EN_PROCESO, TaskStatus.fromWire("en_proceso"));
    assertEquals("estancada", TaskStatus.ESTANCADA.wireValue());
    assertEquals(TaskStatus.UNKNOWN, TaskStatus.fromWire(""));
    assertEquals(Role.CLIENT, Role.fromId(6));
    assertEquals(Role.UNKNOWN, Role.fromId(-1));
    assertEquals(TaskPriority.LOW, TaskPriority.fromId(0));
    assertEquals(ProjectHealth.CRITICAL, ProjectHealth.fromId(4));
    assertEquals(ProjectStatus.IN_PROCESS, ProjectStatus.fromWire("in_process"));
    assertEquals(IncomeType.HOURLY_RATE, IncomeType.fromWire("hourly_rate"));
    assertEquals(HourStatus.UNDER_REVIEW, HourStatus.fromWire("under_review"));
  }
}
