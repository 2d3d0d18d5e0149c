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
    JsonNode legacy = ok("/tasks?filters=" + enc("{\"project_id\":5001}"));
    assertEquals("125", legacy.get("total").asText()); // ignored, as documented

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
    assertEquals("2024-01-18 09:00:00", last.get("start").asText());
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
}
