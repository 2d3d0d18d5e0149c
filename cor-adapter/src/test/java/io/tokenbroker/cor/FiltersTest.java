package io.tokenbroker.cor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JSON that each filter builder puts into COR's {@code filters}/{@code order}/{@code orderBy}.
 */
class FiltersTest {
  @Test
  void projectFilterKeysAndValues() {
    ProjectFilter f =
        ProjectFilter.builder()
            .dateStart(LocalDate.of(2025, 1, 1))
            .dateEnd(LocalDate.of(2025, 12, 31))
            .clientId(25855)
            .teamId(3)
            .userId(8546)
            .brandId(1)
            .productId(10)
            .status(ProjectStatus.FINISHED)
            .health(ProjectHealth.AT_RISK)
            .archived(ProjectFilter.Archived.ARCHIVED_ONLY)
            .build();
    assertEquals(
        "{\"dateStart\":\"2025-01-01\",\"dateEnd\":\"2025-12-31\",\"client_id\":25855,\"team_id\":3,"
            + "\"user_id\":8546,\"brand_id\":1,\"product_id\":10,\"status\":\"finished\",\"health\":2,\"archived\":1}",
        f.toJson());
    assertEquals(
        "{\"status\":\"in_process\"}",
        ProjectFilter.builder().status(ProjectStatus.ACTIVE).build().toJson());
    assertEquals(
        "{\"status\":\"in_process\"}",
        ProjectFilter.builder().status(ProjectStatus.IN_PROCESS).build().toJson());
    assertTrue(ProjectFilter.none().isEmpty());
    assertEquals("{}", ProjectFilter.none().toJson());
    assertThrows(
        IllegalArgumentException.class,
        () -> ProjectFilter.builder().status(ProjectStatus.UNKNOWN));
    assertThrows(
        IllegalArgumentException.class,
        () -> ProjectFilter.builder().health(ProjectHealth.UNKNOWN));
  }

  @Test
  void taskFilterOneOrMany() {
    assertEquals("{\"projects\":5001}", TaskFilter.builder().projects(5001).build().toJson());
    assertEquals(
        "{\"projects\":[5001,5002],\"status\":\"nueva\",\"priority\":[2,3],\"pm\":7,\"labels\":[1],"
            + "\"categories\":[2,3],\"clients\":[4],\"collaborator\":5,\"sprints\":[6]}",
        TaskFilter.builder()
            .projects(5001, 5002)
            .status(TaskStatus.NUEVA)
            .priority(TaskPriority.HIGH, TaskPriority.URGENT)
            .pm(7)
            .labels(1)
            .categories(2, 3)
            .clients(4)
            .collaborator(5)
            .sprints(6)
            .build()
            .toJson());
    assertThrows(IllegalArgumentException.class, () -> TaskFilter.builder().projects());
    assertThrows(IllegalArgumentException.class, () -> TaskFilter.builder().status());
    assertThrows(
        IllegalArgumentException.class, () -> TaskFilter.builder().status(TaskStatus.UNKNOWN));
    assertThrows(
        IllegalArgumentException.class, () -> TaskFilter.builder().priority(TaskPriority.UNKNOWN));
  }

  @Test
  void hourAndUserFilters() {
    assertEquals(
        "{\"dateStart\":\"2024-01-01\",\"dateDeadline\":\"2024-01-31\",\"clients\":[1],\"projects\":[2,3],"
            + "\"users\":[4],\"labels\":[5],\"teams\":[6]}",
        HourFilter.builder()
            .dateStart(LocalDate.of(2024, 1, 1))
            .dateDeadline(LocalDate.of(2024, 1, 31))
            .clients(1)
            .projects(2, 3)
            .users(4)
            .labels(5)
            .teams(6)
            .build()
            .toJson());
    assertEquals(
        "{\"withHiddenUsers\":true,\"withPosition\":false,\"createdAt\":\"2024-01-01\",\"updatedAt\":\"2024-02-01\"}",
        UserFilter.builder()
            .withHiddenUsers(true)
            .withPosition(false)
            .createdAt(LocalDate.of(2024, 1, 1))
            .updatedAt(LocalDate.of(2024, 2, 1))
            .build()
            .toJson());
  }

  @Test
  void ordersAreJsonObjects() {
    assertEquals(
        "{\"deadline\":\"ASC\",\"priority\":\"DESC\"}",
        TaskOrder.by(TaskOrder.Field.DEADLINE, SortDirection.ASC)
            .then(TaskOrder.Field.PRIORITY, SortDirection.DESC)
            .toJson());
    assertEquals(
        "{\"by\":\"start\",\"order\":\"ASC\"}", HourOrder.byStart(SortDirection.ASC).toJson());
    assertEquals(
        "{\"by\":\"created_at\",\"order\":\"DESC\"}",
        HourOrder.by("created_at", SortDirection.DESC).toJson());
    assertThrows(IllegalArgumentException.class, () -> HourOrder.by(" ", SortDirection.ASC));
  }

  @Test
  void escapeHatchTakesPlainValuesOfDocumentedKeysOnly() {
    assertEquals(
        "{\"dateStart\":\"a \\\"quoted\\\" value\",\"client_id\":[1,\"two\",true]}",
        ProjectFilter.builder()
            .with("dateStart", "a \"quoted\" value")
            .with("client_id", List.of(1, "two", true))
            .build()
            .toJson());
    assertThrows(
        IllegalArgumentException.class, () -> TaskFilter.builder().with("pm", new Object()));
    assertThrows(
        IllegalArgumentException.class,
        () -> HourFilter.builder().with("users", List.of(List.of(1))));
    assertThrows(NullPointerException.class, () -> UserFilter.builder().with("createdAt", null));
  }

  @Test
  void unknownKeysAreRefusedWithAPointerToTheDocumentedOne() {
    IllegalArgumentException projectId =
        assertThrows(
            IllegalArgumentException.class, () -> TaskFilter.builder().with("project_id", 5001));
    assertTrue(projectId.getMessage().contains("projects("), projectId.getMessage());
    IllegalArgumentException other =
        assertThrows(
            IllegalArgumentException.class, () -> ProjectFilter.builder().with("colour", "red"));
    assertTrue(other.getMessage().contains("client_id"), other.getMessage());
    assertTrue(other.getMessage().contains("CorClient.list(\"/projects\""), other.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HourFilter.builder().with("user_id", 1));
    assertThrows(IllegalArgumentException.class, () -> UserFilter.builder().with("hidden", true));
    // COR documents no keys for /clients, so none is refused there.
    assertEquals(
        "{\"name\":\"Acme\",\"condition\":\"active\",\"website\":\"https://acme.com\"}",
        ClientFilter.builder()
            .name("Acme")
            .condition("active")
            .with("website", "https://acme.com")
            .build()
            .toJson());
  }

  @Test
  void pmTakesOneOrSeveralUsers() {
    assertEquals("{\"pm\":7}", TaskFilter.builder().pm(7).build().toJson());
    assertEquals("{\"pm\":[7,8]}", TaskFilter.builder().pm(7, 8).build().toJson());
    assertThrows(IllegalArgumentException.class, () -> TaskFilter.builder().pm());
  }

  @Test
  void everyFilterSharesOneShape() {
    CorFilter a = TaskFilter.builder().projects(1).status(TaskStatus.NUEVA).build();
    CorFilter b = TaskFilter.builder().projects(1).status(TaskStatus.NUEVA).build();
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(java.util.Set.of("projects", "status"), a.keys());
    assertEquals("TaskFilter{\"projects\":1,\"status\":\"nueva\"}", a.toString());
    assertTrue(ClientFilter.none().isEmpty());
    assertFalse(a.equals(HourFilter.builder().projects(1).build()));
  }
}
