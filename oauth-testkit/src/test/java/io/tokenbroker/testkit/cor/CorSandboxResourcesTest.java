package io.tokenbroker.testkit.cor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.Fault;
import io.tokenbroker.testkit.cor.CorSeed.Collection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's REST resources: envelopes, filters, single GETs, POST /hours, error shapes. */
class CorSandboxResourcesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeClock clock = FakeClock.create();
  private final HttpClient http = HttpClient.newHttpClient();
  private CorSandbox cor;
  private String bearer;

  @BeforeEach
  void start() throws Exception {
    cor = CorSandbox.builder().clock(clock).start();
    cor.registerApiKey("k", "s");
    bearer = token();
  }

  private String token() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(cor.apiBaseUri() + "/oauth/token?grant_type=client_credentials"))
                .header("Authorization", CorSandboxAuthTest.basic("k", "s"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return "Bearer " + JSON.readTree(r.body()).get("access_token").asText();
  }

  @AfterEach
  void stop() {
    cor.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cor.apiBaseUri() + path))
            .header("Authorization", bearer)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode ok(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static String enc(String json) {
    return URLEncoder.encode(json, UTF_8);
  }

  private HttpResponse<String> postHours(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cor.apiBaseUri() + "/hours"))
            .header("Authorization", bearer)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cor.apiBaseUri() + path))
            .header("Authorization", bearer)
            .header("Content-Type", contentType)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<Long> ids(JsonNode envelope) {
    List<Long> ids = new ArrayList<>();
    envelope.get("data").forEach(row -> ids.add(row.get("id").asLong()));
    return ids;
  }

  @Test
  void meIsTheDocumentedUser() throws Exception {
    JsonNode me = ok("/me");
    assertEquals(12345, me.get("id").asLong());
    assertEquals("John", me.get("first_name").asText());
    assertEquals(3, me.get("role_id").asInt());
    assertTrue(me.get("cuil").isNull());
    assertTrue(me.get("labels").isArray());
    assertFalse(me.has("_created_at"));
  }

  @Test
  void listsUseTheEnvelopeWithAStringTotal() throws Exception {
    JsonNode page = ok("/projects");
    assertEquals("14", page.get("total").asText());
    assertTrue(page.get("total").isTextual());
    assertEquals(20, page.get("perPage").asInt());
    assertEquals(1, page.get("page").asInt());
    assertTrue(page.get("page").isInt());
    assertEquals(1, page.get("lastPage").asInt());
    assertEquals("30.00", page.at("/meta_data/profitability_limit").asText());
    assertEquals(14, page.get("data").size());
    JsonNode first = page.get("data").get(0);
    assertEquals("Website Redesign", first.get("name").asText());
    assertEquals("2025-01-15 00:00:00", first.get("start").asText());
    assertEquals(25855, first.at("/client/id").asLong());
    assertFalse(first.has("_team_id"));
  }

  @Test
  void pagesAreSlicedAndPerPageIsClampedTo50() throws Exception {
    JsonNode p1 = ok("/tasks?page=1&perPage=50");
    JsonNode p3 = ok("/tasks?page=3&perPage=50");
    assertEquals("125", p1.get("total").asText());
    assertEquals(3, p1.get("lastPage").asInt());
    assertEquals(50, p1.get("data").size());
    assertEquals(25, p3.get("data").size());
    assertEquals(10001L, ids(p1).get(0));
    assertEquals(10101L, ids(p3).get(0));

    JsonNode big = ok("/tasks?perPage=500");
    assertEquals(50, big.get("perPage").asInt());
    assertEquals(50, big.get("data").size());

    JsonNode past = ok("/tasks?page=9&perPage=50");
    assertEquals(0, past.get("data").size());
    assertEquals(9, past.get("page").asInt());
    assertEquals(3, past.get("lastPage").asInt());
  }

  @Test
  void pageFalseReturnsEverythingInOneEnvelope() throws Exception {
    JsonNode all = ok("/tasks?page=false");
    assertEquals(125, all.get("data").size());
    assertEquals(1, all.get("lastPage").asInt());
    assertEquals("125", all.get("total").asText());
  }

  @Test
  void badPageParametersAreCustomErrors() throws Exception {
    for (String query : new String[] {"page=abc", "page=0", "perPage=-1", "perPage=x"}) {
      HttpResponse<String> r = get("/clients?" + query);
      assertEquals(400, r.statusCode(), query);
      assertEquals("CORCustomError", JSON.readTree(r.body()).get("name").asText());
    }
  }

  @Test
  void hoursSendPageAsAStringAndTotals() throws Exception {
    JsonNode page = ok("/hours?perPage=10");
    assertEquals("1", page.get("page").asText());
    assertTrue(page.get("page").isTextual());
    assertTrue(page.get("total_hours").isTextual());
    assertTrue(page.get("total_cost").isNumber());
    JsonNode hour = page.get("data").get(0);
    assertTrue(hour.get("duration").isTextual());
    assertTrue(hour.get("duration").asText().matches("\\d+\\.\\d{16}"));
    assertTrue(hour.get("start").asText().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
    assertEquals("TASK", hour.get("type").asText());
  }

  @Test
  void seedUsesTheDocumentedEnums() throws Exception {
    Set<String> statuses = new HashSet<>();
    ok("/tasks?page=false").get("data").forEach(t -> statuses.add(t.get("status").asText()));
    assertEquals(Set.of("nueva", "en_proceso", "estancada", "finalizada"), statuses);
    Set<Integer> roles = new HashSet<>();
    ok("/users?filters=" + enc("{\"withHiddenUsers\":true}"))
        .get("data")
        .forEach(u -> roles.add(u.get("role_id").asInt()));
    assertEquals(Set.of(1, 2, 3, 4, 5, 6), roles);
    JsonNode task = ok("/tasks/10001");
    assertEquals("2024-01-15T18:00:00Z", task.get("deadline").asText());
    assertEquals(5001, task.get("project_id").asLong());
  }

  @Test
  void projectFilters() throws Exception {
    JsonNode byClient = ok("/projects?filters=" + enc("{\"client_id\":25855}"));
    assertEquals(155693L, ids(byClient).get(0));
    byClient.get("data").forEach(p -> assertEquals(25855, p.get("client_id").asLong()));
    // The example query of COR's quickstart.
    JsonNode quickstart =
        ok(
            "/projects?page=1&filters=%7B%22client_id%22%3A25855%2C%22status%22%3A%22in_process%22%2C%22archived%22%3A2%7D");
    assertEquals(155693L, ids(quickstart).get(0));
    quickstart
        .get("data")
        .forEach(
            p -> {
              assertEquals("active", p.get("status").asText());
              assertFalse(p.get("archived").asBoolean());
            });
    JsonNode active = ok("/projects?filters=" + enc("{\"status\":\"active\"}"));
    JsonNode inProcess = ok("/projects?filters=" + enc("{\"status\":\"in_process\"}"));
    assertEquals(ids(active), ids(inProcess));
    JsonNode archived = ok("/projects?filters=" + enc("{\"archived\":1}"));
    archived.get("data").forEach(p -> assertTrue(p.get("archived").asBoolean()));
    assertFalse(archived.get("data").isEmpty());
    JsonNode health = ok("/projects?filters=" + enc("{\"health\":4}"));
    health.get("data").forEach(p -> assertEquals(4, p.get("health").asInt()));
    JsonNode dated =
        ok("/projects?filters=" + enc("{\"dateStart\":\"2025-03-01\",\"dateEnd\":\"2025-09-30\"}"));
    dated
        .get("data")
        .forEach(
            p -> {
              assertTrue(p.get("start").asText().compareTo("2025-03-01") >= 0);
              assertTrue(p.get("end").asText().compareTo("2025-09-30 99") <= 0);
            });
    assertFalse(dated.get("data").isEmpty());
    assertEquals(
        400, get("/projects?filters=" + enc("{\"dateStart\":\"15/01/2025\"}")).statusCode());
  }

  @Test
  void taskFiltersAndOrder() throws Exception {
    JsonNode one = ok("/tasks?page=false&filters=" + enc("{\"projects\":5001}"));
    one.get("data").forEach(t -> assertEquals(5001, t.get("project_id").asLong()));
    JsonNode two = ok("/tasks?page=false&filters=" + enc("{\"projects\":[5001,155693]}"));
    assertTrue(two.get("data").size() > one.get("data").size());
    // The outdated key is refused the way COR documents validation errors, not ignored.
    HttpResponse<String> legacy = get("/tasks?filters=" + enc("{\"project_id\":5001}"));
    assertEquals(417, legacy.statusCode());
    assertEquals(
        "[{\"field\":\"filters.project_id\",\"validation\":\"in\","
            + "\"message\":\"in validation failed on filters.project_id\"}]",
        legacy.body());

    JsonNode statuses =
        ok("/tasks?page=false&filters=" + enc("{\"status\":[\"nueva\",\"estancada\"]}"));
    statuses
        .get("data")
        .forEach(t -> assertTrue(Set.of("nueva", "estancada").contains(t.get("status").asText())));

    JsonNode ordered = ok("/tasks?perPage=50&order=" + enc("{\"priority\":\"DESC\"}"));
    assertEquals(3, ordered.get("data").get(0).get("priority").asInt());
    assertEquals(400, get("/tasks?order=" + enc("{\"priority\":\"UP\"}")).statusCode());
  }

  @Test
  void malformedFilterJsonIsACustomError() throws Exception {
    HttpResponse<String> r = get("/projects?filters=" + enc("{client_id:"));
    assertEquals(400, r.statusCode());
    JsonNode body = JSON.readTree(r.body());
    assertEquals(400, body.get("status").asInt());
    assertEquals("CORCustomError", body.get("name").asText());
    assertEquals("F010", body.get("code").asText());
    assertEquals(400, get("/tasks?filters=" + enc("[1,2]")).statusCode());
    assertEquals(400, get("/hours?orderBy=" + enc("{")).statusCode());
  }

  @Test
  void hourFiltersAndOrderBy() throws Exception {
    JsonNode mine = ok("/hours?page=false&filters=" + enc("{\"users\":[12345]}"));
    assertFalse(mine.get("data").isEmpty());
    mine.get("data").forEach(h -> assertEquals(12345, h.get("user_id").asLong()));
    JsonNode desc = ok("/hours?perPage=5&orderBy=" + enc("{\"by\":\"start\",\"order\":\"DESC\"}"));
    String first = desc.get("data").get(0).get("start").asText();
    String second = desc.get("data").get(1).get("start").asText();
    assertTrue(first.compareTo(second) >= 0);
  }

  @Test
  void hiddenUsersNeedTheFilter() throws Exception {
    assertEquals("7", ok("/users").get("total").asText());
    assertEquals(
        "8", ok("/users?filters=" + enc("{\"withHiddenUsers\":true}")).get("total").asText());
  }

  @Test
  void singleProjectHasTheExtraMembersAndUnknownIdsAre404() throws Exception {
    JsonNode project = ok("/projects/155693");
    assertTrue(project.get("usersPositionsProject").isArray());
    assertTrue(project.get("ratecard").isObject());
    HttpResponse<String> missing = get("/projects/999");
    assertEquals(404, missing.statusCode());
    JsonNode body = JSON.readTree(missing.body());
    assertEquals("ERROR", body.get("status").asText());
    assertEquals("Undefined project", body.get("message").asText());
    assertEquals(404, get("/clients/abc").statusCode());
    assertEquals("Acme Corp", ok("/clients/2001").get("name").asText());
  }

  @Test
  void postHoursLogsTimeAndAnswersTheDocumentedShape() throws Exception {
    int before = cor.rowCount(Collection.HOURS);
    HttpResponse<String> r =
        postHours(
            "{\"task_log_id\":10002,\"start\":\"2024-01-18T09:00:00Z\",\"stop\":\"2024-01-18T11:30:00Z\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(
        "{\"id\":50001,\"task_log_id\":10002,\"start\":\"2024-01-18T09:00:00Z\","
            + "\"stop\":\"2024-01-18T11:30:00Z\",\"status\":\"pending\"}",
        r.body());
    assertEquals(before + 1, cor.rowCount(Collection.HOURS));

    JsonNode last =
        ok("/hours?page=false&orderBy=" + enc("{\"by\":\"id\",\"order\":\"DESC\"}"))
            .get("data")
            .get(0);
    assertEquals(50001, last.get("id").asLong());
    // Read back zone-less, in the user's gmt (-03:00).
    assertEquals("2024-01-18 06:00:00", last.get("start").asText());
    assertEquals("2.5000000000000000", last.get("duration").asText());
    assertEquals(12345, last.get("user_id").asLong());
  }

  @Test
  void postHoursWithoutStopStartsATimer() throws Exception {
    HttpResponse<String> r = postHours("{\"task_log_id\":10001,\"start\":\"2024-01-18 09:00:00\"}");
    assertEquals(200, r.statusCode());
    assertTrue(JSON.readTree(r.body()).get("stop").isNull());
  }

  @Test
  void postHoursValidates() throws Exception {
    HttpResponse<String> empty = postHours("{}");
    assertEquals(417, empty.statusCode());
    JsonNode errors = JSON.readTree(empty.body());
    assertEquals(2, errors.size());
    assertEquals("task_log_id", errors.get(0).get("field").asText());
    assertEquals("required validation failed on start", errors.get(1).get("message").asText());

    JsonNode unknown =
        JSON.readTree(postHours("{\"task_log_id\":1,\"start\":\"2024-01-18T09:00:00Z\"}").body());
    assertEquals("exists", unknown.get(0).get("validation").asText());
    JsonNode backwards =
        JSON.readTree(
            postHours(
                    "{\"task_log_id\":10001,\"start\":\"2024-01-18T09:00:00Z\",\"stop\":\"2024-01-18T08:00:00Z\"}")
                .body());
    assertEquals("stop", backwards.get(0).get("field").asText());
    HttpResponse<String> malformed = postHours("{\"task_log_id\":");
    assertEquals(400, malformed.statusCode());
    assertEquals("CORCustomError", JSON.readTree(malformed.body()).get("name").asText());
  }

  @Test
  void faultsReproduceEveryDocumentedShape() throws Exception {
    cor.enqueue(CorFaults.customError(400, "UC010", "bad"));
    cor.enqueue(CorFaults.errorResponse(404, "FS003", "Undefined attachment"));
    cor.enqueue(CorFaults.validation("task_id", "exists"));
    cor.enqueue(CorFaults.forbidden());
    cor.enqueue(CorFaults.serviceUnavailable());
    cor.enqueue(Fault.html(502));
    cor.enqueue(CorFaults.unauthorized().withRetryAfter("0"));

    assertEquals(
        "{\"status\":400,\"name\":\"CORCustomError\",\"code\":\"UC010\",\"message\":\"bad\"}",
        get("/me").body());
    assertEquals(
        "{\"status\":\"ERROR\",\"code\":\"FS003\",\"message\":\"Undefined attachment\"}",
        get("/me").body());
    HttpResponse<String> validation = get("/me");
    assertEquals(417, validation.statusCode());
    assertEquals(
        "[{\"field\":\"task_id\",\"validation\":\"exists\",\"message\":\"exists validation failed"
            + " on task_id\"}]",
        validation.body());
    assertEquals("{\"error\":403,\"message\":\"Forbidden\"}", get("/me").body());
    HttpResponse<String> unavailable = get("/me");
    assertEquals(503, unavailable.statusCode());
    assertTrue(unavailable.body().isEmpty());
    assertTrue(get("/me").body().startsWith("<!DOCTYPE html>"));
    assertEquals("0", get("/me").headers().firstValue("Retry-After").orElseThrow());
    assertEquals(200, get("/me").statusCode());
  }

  @Test
  void customSeeds() throws Exception {
    cor.close();
    CorSeed seed =
        CorSeed.empty()
            .with(Collection.CLIENTS, "{\"id\":7,\"name\":\"Solo\",\"condition\":\"odd\"}");
    assertEquals(1, seed.count(Collection.CLIENTS));
    assertEquals(1, seed.count(Collection.USERS));
    cor = CorSandbox.builder().clock(clock).seed(seed).start();
    cor.registerApiKey("k", "s");
    bearer = token();
    JsonNode clients = ok("/clients");
    assertEquals("1", clients.get("total").asText());
    assertEquals("odd", clients.get("data").get(0).get("condition").asText());
    assertEquals(0, ok("/projects").get("data").size());
    assertEquals(1, ok("/projects").get("lastPage").asInt());
    assertThrows(
        IllegalArgumentException.class, () -> CorSeed.empty().with(Collection.TASKS, "[1]"));
    assertThrows(IllegalStateException.class, () -> CorSeed.builder().projects(0).build());
  }

  @Test
  void unknownFilterKeysAreValidationErrorsOnEveryList() throws Exception {
    for (String path : List.of("/projects", "/tasks", "/hours", "/users", "/clients")) {
      HttpResponse<String> r = get(path + "?filters=" + enc("{\"nope\":1}"));
      assertEquals(417, r.statusCode(), path);
      assertEquals("filters.nope", JSON.readTree(r.body()).get(0).get("field").asText());
    }
    JsonNode active = ok("/clients?page=false&filters=" + enc("{\"condition\":\"inactive\"}"));
    assertFalse(active.get("data").isEmpty());
    active.get("data").forEach(c -> assertEquals("inactive", c.get("condition").asText()));
    assertEquals(
        List.of(2001L, 25855L),
        ids(ok("/clients?page=false&filters=" + enc("{\"name\":\"acme\"}"))));
    JsonNode pms = ok("/tasks?page=false&filters=" + enc("{\"pm\":[8546,12345]}"));
    assertEquals(125, pms.get("data").size());
  }

  @Test
  void searchesAnswerPlainArrays() throws Exception {
    JsonNode projects = ok("/projects/search-by-name/" + "website%20redesign");
    assertTrue(projects.isArray());
    assertEquals(155693, projects.get(0).get("id").asLong());
    JsonNode tasks = ok("/tasks/search-by-title/Mockup");
    assertEquals(List.of(10001L), List.of(tasks.get(0).get("id").asLong()));
    assertEquals(1, tasks.size());
    assertEquals(0, ok("/clients/search-by-name/zzz").size());
    JsonNode users = ok("/users/search-by-name/carla");
    assertEquals("1", users.get("total").asText());
  }

  @Test
  void aSingleUserIsServed() throws Exception {
    assertEquals("Carla", ok("/users/1001").get("first_name").asText());
    HttpResponse<String> missing = get("/users/999");
    assertEquals(404, missing.statusCode());
    assertEquals("NF404", JSON.readTree(missing.body()).get("code").asText());
  }

  @Test
  void tasksAreCreatedUpdatedAndDeletedAsDocumented() throws Exception {
    HttpResponse<String> created =
        send("POST", "/tasks", "application/json", "{\"title\":\"New task\",\"project_id\":5001}");
    assertEquals(200, created.statusCode(), created.body());
    JsonNode task = JSON.readTree(created.body());
    long id = task.get("id").asLong();
    assertEquals("nueva", task.get("status").asText());
    assertFalse(task.has("_pm_id"));
    assertEquals(5001, ok("/tasks/" + id).get("project_id").asLong());

    HttpResponse<String> updated =
        send(
            "PUT",
            "/tasks/" + id,
            "application/json",
            "{\"title\":\"Renamed\",\"status\":\"en_proceso\",\"priority\":3,"
                + "\"deadline\":\"2024-02-01T18:00:00Z\"}");
    assertEquals(200, updated.statusCode(), updated.body());
    assertEquals("en_proceso", JSON.readTree(updated.body()).get("status").asText());

    HttpResponse<String> invalid =
        send("PUT", "/tasks/" + id, "application/json", "{\"status\":\"done\",\"priority\":9}");
    assertEquals(417, invalid.statusCode());
    assertEquals(3, JSON.readTree(invalid.body()).size()); // title required, status in, priority in
    assertEquals(
        417,
        send("POST", "/tasks", "application/json", "{\"title\":\"x\",\"project_id\":42}")
            .statusCode());
    assertEquals(
        400, send("POST", "/tasks", "application/x-www-form-urlencoded", "title=x").statusCode());

    assertEquals(204, send("DELETE", "/tasks/" + id, "application/json", "").statusCode());
    assertEquals(404, get("/tasks/" + id).statusCode());
    assertEquals(404, send("DELETE", "/tasks/" + id, "application/json", "").statusCode());
  }

  @Test
  void projectsNeedANameAndAnExistingClient() throws Exception {
    HttpResponse<String> missing = send("POST", "/projects", "application/json", "{}");
    assertEquals(417, missing.statusCode());
    assertEquals(2, JSON.readTree(missing.body()).size());
    HttpResponse<String> created =
        send(
            "POST",
            "/projects",
            "application/json",
            "{\"name\":\"Campaign\",\"client_id\":2002,\"start\":\"2026-05-01\","
                + "\"income_type\":\"hourly_rate\",\"labels\":[1,2]}");
    assertEquals(200, created.statusCode(), created.body());
    JsonNode project = JSON.readTree(created.body());
    assertEquals("2026-05-01 00:00:00", project.get("start").asText());
    assertEquals("TechStart Inc", project.get("client").get("name").asText());
    long id = project.get("id").asLong();
    HttpResponse<String> form =
        send("PUT", "/projects/" + id, "application/x-www-form-urlencoded", "brief=Phase+2");
    assertEquals(200, form.statusCode(), form.body());
    assertEquals("Phase 2", ok("/projects/" + id).get("brief").asText());
    assertEquals(
        417,
        send("PUT", "/projects/" + id, "application/json", "{\"income_type\":\"barter\"}")
            .statusCode());
    assertEquals(204, send("DELETE", "/projects/" + id, "application/json", "").statusCode());
  }

  @Test
  void clientsTakeAFormAsDocumented() throws Exception {
    HttpResponse<String> json =
        send("POST", "/clients", "application/json", "{\"name\":\"Json Inc\"}");
    assertEquals(400, json.statusCode());
    assertEquals("F010", JSON.readTree(json.body()).get("code").asText());
    HttpResponse<String> bad =
        send("POST", "/clients", "application/x-www-form-urlencoded", "email_contact=nope");
    assertEquals(417, bad.statusCode());
    assertEquals(2, JSON.readTree(bad.body()).size());
    HttpResponse<String> created =
        send(
            "POST",
            "/clients",
            "application/x-www-form-urlencoded",
            "name=Form+Inc&email_contact=ana%40form.example&condition=active");
    assertEquals(200, created.statusCode(), created.body());
    long id = JSON.readTree(created.body()).get("id").asLong();
    assertEquals("ana@form.example", ok("/clients/" + id).get("email_contact").asText());
    assertEquals(
        200,
        send("PUT", "/clients/" + id, "application/x-www-form-urlencoded", "name=Renamed")
            .statusCode());
    assertEquals("Renamed", ok("/clients/" + id).get("name").asText());
  }

  @Test
  void hourStatusChangesValidateTheInputEnumAndTheIds() throws Exception {
    HttpResponse<String> ok =
        send(
            "POST",
            "/hours/status-change",
            "application/json",
            "{\"status\":\"invoiced\",\"counters\":[40001,40002]}");
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode hours = ok("/hours?page=false&orderBy=" + enc("{\"by\":\"id\",\"order\":\"ASC\"}"));
    assertEquals("invoiced", hours.get("data").get(0).get("status").asText());
    assertEquals(12345, hours.get("data").get(1).get("status_changed_by").asLong());
    HttpResponse<String> rejected =
        send(
            "POST",
            "/hours/status-change",
            "application/json",
            "{\"status\":\"rejected\",\"counters\":[99]}");
    assertEquals(417, rejected.statusCode());
    assertEquals(2, JSON.readTree(rejected.body()).size());
  }
}
