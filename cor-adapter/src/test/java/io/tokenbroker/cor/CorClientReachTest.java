package io.tokenbroker.cor;

import static io.tokenbroker.cor.CorFixture.SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.RateLimitedException;
import io.tokenbroker.oauth.TransientTokenException;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.LoopbackServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.cor.CorFaults;
import java.net.URI;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reaching the rest of COR: any call, any list, searches, single users, client filters, other
 * hosts, local times, and the development login's failure types.
 */
class CorClientReachTest extends CorClientTestBase {
  @Test
  void anyCallReachesAnyPathWithTheQueryEncoded() {
    JsonNode project = client.send("GET", "/projects/5001", Map.of(), null, JsonNode.class);
    assertEquals("Homepage Revamp", project.get("name").asText());
    JsonNode created =
        client.send(
            "post",
            "/tasks",
            Map.of(),
            "{\"title\":\"Raw JSON\",\"project_id\":5001}",
            JsonNode.class);
    assertEquals("Raw JSON", created.get("title").asText());
    Map<?, ?> asMap = client.send("GET", "/me", Map.of(), null, Map.class);
    assertEquals(12345, asMap.get("id"));

    CorApiException missing =
        failing(() -> client.send("GET", "/nothing", Map.of(), null, JsonNode.class));
    assertEquals(CorApiException.Kind.NOT_FOUND, missing.kind());
    assertEquals("/v1/nothing", missing.path());
    assertThrows(
        IllegalArgumentException.class,
        () -> client.send("TRACE", "/me", Map.of(), null, JsonNode.class));
    assertThrows(
        IllegalArgumentException.class,
        () -> client.send("GET", "/me?x=1", Map.of(), null, JsonNode.class));
    assertThrows(
        IllegalArgumentException.class,
        () -> client.send("GET", "me", Map.of(), null, JsonNode.class));
  }

  @Test
  void anyListPagesThroughTheEnvelope() {
    CorList<JsonNode> tasks =
        client.list("/tasks", Map.of("filters", "{\"projects\":[5001]}"), JsonNode.class);
    List<JsonNode> all = tasks.perPage(2).toList();
    assertFalse(all.isEmpty());
    all.forEach(t -> assertEquals(5001, t.get("project_id").asLong()));
    RecordedRequest first = requests("/v1/tasks").get(0);
    assertEquals("{\"projects\":[5001]}", first.queryParameters().get("filters"));
    assertEquals("2", first.queryParameters().get("perPage"));
    assertThrows(
        IllegalArgumentException.class,
        () -> client.list("/tasks", Map.of("page", "2"), JsonNode.class));

    // An unknown key is refused by COR (here, the sandbox) with its documented validation shape.
    CorApiException unknown =
        failing(
            () ->
                client
                    .list("/tasks", Map.of("filters", "{\"project_id\":5001}"), Task.class)
                    .page(1));
    assertEquals(CorApiException.Kind.VALIDATION, unknown.kind());
    assertEquals("filters.project_id", unknown.validationErrors().get(0).field());
  }

  @Test
  void searchesReturnPlainLists() {
    List<Project> projects = client.searchProjects("website redesign");
    assertEquals(List.of(155693L), projects.stream().map(Project::id).toList());
    assertEquals(
        "/v1/projects/search-by-name/website redesign",
        requests("/v1/projects/search-by-name/website redesign").get(0).path());
    assertEquals(
        List.of(10002L),
        client.searchTasks("responsive navigation").stream().map(Task::id).toList());
    assertEquals(List.of(), client.searchClients("nobody at all"));
    assertEquals(2, client.searchClients("Acme").size());
    assertThrows(IllegalArgumentException.class, () -> client.searchTasks(" "));
  }

  @Test
  void singleUsersAndClientFilters() {
    assertEquals("Carla", client.user(1001).firstName());
    assertEquals(CorApiException.Kind.NOT_FOUND, failing(() -> client.user(9)).kind());

    List<Client> inactive =
        client.clients(ClientFilter.builder().condition("inactive").build()).toList();
    assertFalse(inactive.isEmpty());
    inactive.forEach(c -> assertEquals("inactive", c.condition()));
    assertEquals(
        "{\"condition\":\"inactive\"}",
        requests("/v1/clients").get(0).queryParameters().get("filters"));
    List<Client> tasks = client.clients(ClientFilter.builder().name("TechStart").build()).toList();
    assertEquals(List.of(2002L), tasks.stream().map(Client::id).toList());
    assertEquals(
        2,
        client.tasks(TaskFilter.builder().projects(5001).pm(8546, 12345).build()).stream()
            .filter(t -> t.id() <= 10002)
            .count());
  }

  @Test
  void localTimesUseTheUsersOffset() {
    assertEquals(ZoneOffset.ofHours(-3), client.userOffset().orElseThrow());
    Hour entry =
        client.logHours(
            10002, LocalDateTime.of(2024, 1, 18, 9, 0), LocalDateTime.of(2024, 1, 18, 11, 30));
    assertEquals(
        "{\"task_log_id\":10002,\"start\":\"2024-01-18 09:00:00\",\"stop\":\"2024-01-18 11:30:00\"}",
        requests("/v1/hours").get(0).bodyUtf8());
    Hour stored =
        client.hours().stream().filter(h -> h.id() == entry.id()).findFirst().orElseThrow();
    assertEquals(LocalDateTime.of(2024, 1, 18, 9, 0), stored.start().dateTime());
    assertEquals(Instant.parse("2024-01-18T12:00:00Z"), client.toInstant(stored.start()));

    // An instant sent as UTC reads back as the user's local time, and converts back exactly.
    Hour utc =
        client.logHours(
            10002, Instant.parse("2024-01-19T12:00:00Z"), Instant.parse("2024-01-19T13:00:00Z"));
    Hour readBack =
        client.hours().stream().filter(h -> h.id() == utc.id()).findFirst().orElseThrow();
    assertEquals(LocalDateTime.of(2024, 1, 19, 9, 0), readBack.start().dateTime());
    assertEquals(Instant.parse("2024-01-19T12:00:00Z"), client.toInstant(readBack.start()));
    assertEquals(Instant.parse("2024-01-19T12:00:00Z"), client.toInstant(utc.start()));
    assertEquals(1, requests("/v1/me").size(), "the offset is read once");

    Hour timer = client.startTimer(10001, LocalDateTime.of(2024, 1, 20, 8, 15));
    assertEquals(null, timer.stop());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            client.logHours(
                10002, LocalDateTime.of(2024, 1, 18, 9, 0), LocalDateTime.of(2024, 1, 18, 8, 0)));
  }

  @Test
  void anotherHostTakesTheSameToken() throws Exception {
    try (LoopbackServer planner =
        LoopbackServer.builder()
            .name("cor-planner")
            .dispatcher(
                request ->
                    request.path().equals("/allocation/getAllocations/5001")
                            && ("Bearer " + f.sandbox.lastAccessToken())
                                .equals(request.header("Authorization"))
                        ? Reply.json(200, "[{\"id\":1,\"projectId\":5001,\"hours\":8}]")
                        : Reply.json(401, "{\"error\":401,\"message\":\"Unauthorized\"}"))
            .start()) {
      client.me(); // the token the planner checks against
      CorClient other =
          CorClient.builder(f.broker, SERVICE)
              .apiBaseUri(URI.create(planner.baseUri().toString()))
              .build();
      JsonNode allocations =
          other.send("GET", "/allocation/getAllocations/5001", Map.of(), null, JsonNode.class);
      assertEquals(8, allocations.get(0).get("hours").asInt());
      assertEquals("application/json", planner.takeRequest().header("Accept"));
    }
    assertEquals(URI.create("https://planner.svc.v2.projectcor.com"), Cor.RESOURCE_ALLOCATION_BASE);
    assertEquals(URI.create("https://integrations.projectcor.com"), Cor.INTEGRATIONS_BASE);
  }

  @Test
  void theDevLoginSaysRateLimitedWithTheSharedType() {
    f.broker.register(
        CorFixture.USER, f.cor.devLogin().registration(), GrantType.AUTHORIZATION_CODE);
    f.sandbox.enqueue(CorFaults.tooManyRequests().on("/v1/auth/login"));
    RateLimitedException limited =
        f.remember(
            assertThrows(
                RateLimitedException.class,
                () -> f.cor.devLogin().login(CorFixture.EMAIL, CorFixture.PASSWORD)));
    assertEquals(429, limited.httpStatus().getAsInt());
    assertEquals(TransientTokenException.Kind.RATE_LIMITED, limited.kind());

    f.sandbox.enqueue(CorFaults.serverError().on("/v1/auth/login"));
    TransientTokenException server =
        f.remember(
            assertThrows(
                TransientTokenException.class,
                () -> f.cor.devLogin().login(CorFixture.EMAIL, CorFixture.PASSWORD)));
    assertEquals(TransientTokenException.Kind.SERVER_ERROR, server.kind());
    assertFalse(server instanceof RateLimitedException);

    f.sandbox.enqueue(Fault.json(200, "{\"token_type\":\"bearer\"}").on("/v1/auth/login"));
    TransientTokenException unusable =
        f.remember(
            assertThrows(
                TransientTokenException.class,
                () -> f.cor.devLogin().login(CorFixture.EMAIL, CorFixture.PASSWORD)));
    assertEquals(TransientTokenException.Kind.MALFORMED_RESPONSE, unusable.kind());
    assertTrue(
        f.cor.devLogin().toString().contains(f.sandbox.apiBaseUri() + "/auth/login"),
        f.cor.devLogin().toString());
  }
}
