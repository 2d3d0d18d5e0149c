package io.tokenbroker.testkit.procore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenbroker.testkit.FakeClock;
import io.tokenbroker.testkit.procore.SandboxHttp.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's API host against Procore's documented REST behaviour (vendors.md §4.2 7–11). */
class ProcoreSandboxApiTest {
  private static final String APP = "app-client-id";
  private static final String SECRET = "app-secret-0123456789";
  private static final String DMSA = "dmsa-client-id";
  private static final String DMSA_SECRET = "dmsa-secret-0123456789";
  private static final String C1 = Long.toString(ProcoreSeed.COMPANY_ID);

  private final FakeClock clock = FakeClock.create();
  private final SandboxHttp http = new SandboxHttp();
  private ProcoreSandbox sandbox;
  private String token;

  @BeforeEach
  void start() throws Exception {
    sandbox =
        ProcoreSandbox.builder()
            .clock(clock)
            .rateLimits(3600, Duration.ofHours(1), 1000, Duration.ofSeconds(10))
            .start();
    sandbox.registerClient(APP, SECRET);
    sandbox.registerServiceAccount(DMSA, DMSA_SECRET);
    token = http.consent(sandbox, APP, SECRET).text("access_token");
  }

  @AfterEach
  void stop() {
    sandbox.close();
  }

  private Response get(String pathAndQuery, String... headers) throws Exception {
    return http.api(sandbox, pathAndQuery, token, headers);
  }

  @Test
  void bearerIsChecked() throws Exception {
    assertEquals(401, http.api(sandbox, "/rest/v1.0/me", null).status());
    Response garbage = http.api(sandbox, "/rest/v1.0/me", "garbage");
    assertEquals(401, garbage.status());
    assertTrue(garbage.body().contains("The access token is invalid"));
    assertTrue(
        garbage.header("X-Rate-Limit-Limit") != null, "rate-limit headers on every response");
    clock.advance(Duration.ofSeconds(5400));
    assertEquals(401, get("/rest/v1.0/me").status(), "expired");
  }

  @Test
  void meNeedsNoCompanyHeaderForUsers() throws Exception {
    Response me = get("/rest/v1.0/me");
    assertEquals(200, me.status());
    assertEquals(ProcoreSeed.USER_ID, me.json().get("id").asLong());
    assertEquals("Joe Builder", me.text("name"));
    assertEquals("joe.builder@example.com", me.text("login"));
    Response withParam = get("/rest/v1.0/me?company_id=" + C1);
    assertEquals(400, withParam.status(), "company_id on /me needs the header");
    assertEquals(200, get("/rest/v1.0/me?company_id=" + C1, "Procore-Company-Id", C1).status());
  }

  @Test
  void serviceAccountsNeedTheHeaderEverywhere() throws Exception {
    String dmsa = http.clientCredentials(sandbox, DMSA, DMSA_SECRET).text("access_token");
    assertEquals(400, http.api(sandbox, "/rest/v1.0/me", dmsa).status());
    assertEquals(400, http.api(sandbox, "/rest/v1.0/companies", dmsa).status());
    Response me = http.api(sandbox, "/rest/v1.0/me", dmsa, "Procore-Company-Id", C1);
    assertEquals(200, me.status());
    Response companies = http.api(sandbox, "/rest/v1.0/companies", dmsa, "Procore-Company-Id", C1);
    List<Long> ids = ids(companies.json());
    assertEquals(
        List.of(ProcoreSeed.COMPANY_ID, ProcoreSeed.SECOND_COMPANY_ID, ProcoreSeed.FREE_COMPANY_ID),
        ids,
        "a service account lists the companies it is installed in");
  }

  @Test
  void missingHeaderHasTheDocumentedTextAndAConfigurableStatus() throws Exception {
    Response r = get("/rest/v1.0/projects?company_id=" + C1);
    assertEquals(400, r.status());
    assertTrue(r.text("errors").startsWith("Missing Procore-Company-Id header!"));
    try (ProcoreSandbox strict = ProcoreSandbox.builder().missingCompanyHeaderStatus(403).start()) {
      strict.registerClient(APP, SECRET);
      String t = http.consent(strict, APP, SECRET).text("access_token");
      assertEquals(403, http.api(strict, "/rest/v1.0/projects?company_id=" + C1, t).status());
    }
  }

  @Test
  void headerNameIsCaseInsensitive() throws Exception {
    assertEquals(
        200, get("/rest/v1.0/projects?company_id=" + C1, "procore-company-id", C1).status());
    assertEquals(
        200, get("/rest/v1.0/projects?company_id=" + C1, "Procore-Company-ID", C1).status());
    // What the Ruby SDK also sends is tolerated.
    assertEquals(
        200,
        get(
                "/rest/v1.0/projects?company_id=" + C1,
                "procore-company-id",
                C1,
                "Accepts",
                "application/json",
                "Procore-Sdk-Version",
                "v1.3.1",
                "Procore-Sdk-Language",
                "ruby")
            .status());
  }

  @Test
  void uninstalledOrUnknownCompaniesAre403AndUnreadableProjects404() throws Exception {
    String uninstalled = Long.toString(ProcoreSeed.UNINSTALLED_COMPANY_ID);
    Response r =
        get("/rest/v1.0/projects?company_id=" + uninstalled, "Procore-Company-Id", uninstalled);
    assertEquals(403, r.status());
    assertEquals("App is not connected to this company", r.text("errors"));
    assertEquals(403, get("/rest/v1.0/projects?company_id=1", "Procore-Company-Id", "1").status());
    assertEquals(
        404,
        get(
                "/rest/v1.0/projects/" + ProcoreSeed.UNREADABLE_PROJECT_ID + "?company_id=" + C1,
                "Procore-Company-Id",
                C1)
            .status());
    assertEquals(
        404,
        get(
                "/rest/v1.0/projects/"
                    + ProcoreSeed.SECOND_COMPANY_PROJECT_ID
                    + "?company_id="
                    + C1,
                "Procore-Company-Id",
                C1)
            .status(),
        "a project of another company");
    sandbox.setAppInstalled(ProcoreSeed.COMPANY_ID, false);
    assertEquals(403, get("/rest/v1.0/me?company_id=" + C1, "Procore-Company-Id", C1).status());
  }

  @Test
  void headerMustMatchCompanyIdParameter() throws Exception {
    Response r =
        get(
            "/rest/v1.0/projects?company_id=" + C1,
            "Procore-Company-Id",
            Long.toString(ProcoreSeed.SECOND_COMPANY_ID));
    assertEquals(400, r.status());
  }

  @Test
  void companiesAreABareArrayWithoutFreeCompaniesByDefault() throws Exception {
    Response r = get("/rest/v1.0/companies");
    assertTrue(r.json().isArray());
    assertEquals(
        List.of(
            ProcoreSeed.COMPANY_ID,
            ProcoreSeed.SECOND_COMPANY_ID,
            ProcoreSeed.UNINSTALLED_COMPANY_ID),
        ids(r.json()));
    JsonNode first = r.json().get(0);
    assertTrue(first.get("is_active").asBoolean());
    assertTrue(first.get("my_company").asBoolean());
    assertTrue(first.has("logo_url"));
    assertTrue(first.has("pcn_business_experience"));
    assertEquals(4, ids(get("/rest/v1.0/companies?include_free_companies=true").json()).size());
  }

  @Test
  void projectsFilterAndCompactView() throws Exception {
    Response active = get("/rest/v1.0/projects?company_id=" + C1, "Procore-Company-Id", C1);
    assertEquals(ProcoreSeed.COMPANY_PROJECTS, active.json().size());
    assertEquals(Integer.toString(ProcoreSeed.COMPANY_PROJECTS), active.header("Total"));
    JsonNode p = active.json().get(0);
    assertEquals(ProcoreSeed.FIRST_PROJECT_ID, p.get("id").asLong());
    assertTrue(p.get("id").asLong() > Integer.MAX_VALUE);
    for (String field :
        List.of(
            "name",
            "display_name",
            "project_number",
            "address",
            "city",
            "state_code",
            "country_code",
            "zip",
            "latitude",
            "longitude",
            "stage",
            "created_at",
            "updated_at",
            "active",
            "origin_id",
            "company",
            "custom_fields",
            "start_date",
            "time_zone")) {
      assertTrue(p.has(field), field);
    }
    assertEquals(ProcoreSeed.COMPANY_ID, p.get("company").get("id").asLong());
    Response inactive =
        get(
            "/rest/v1.0/projects?company_id=" + C1 + "&filters%5Bby_status%5D=Inactive",
            "Procore-Company-Id",
            C1);
    assertEquals(List.of(ProcoreSeed.INACTIVE_PROJECT_ID), ids(inactive.json()));
    Response all =
        get(
            "/rest/v1.0/projects?company_id=" + C1 + "&filters%5Bby_status%5D=All",
            "Procore-Company-Id",
            C1);
    assertEquals(
        ProcoreSeed.COMPANY_PROJECTS + 1, all.json().size(), "the unreadable one is never listed");
    Response compact =
        get(
            "/rest/v1.1/projects?company_id=" + C1 + "&serializer_view=compact",
            "Procore-Company-Id",
            C1);
    JsonNode c = compact.json().get(0);
    assertEquals(3, c.size());
    assertTrue(c.has("id") && c.has("name") && c.has("display_name"));
    assertEquals(
        400,
        get("/rest/v1.0/projects", "Procore-Company-Id", C1).status(),
        "company_id is required");
  }

  @Test
  void projectById() throws Exception {
    Response r =
        get(
            "/rest/v1.1/projects/" + ProcoreSeed.FIRST_PROJECT_ID + "?company_id=" + C1,
            "Procore-Company-Id",
            C1);
    assertEquals(200, r.status());
    assertEquals("Project 1", r.text("name"));
    assertEquals(404, get("/rest/v1.0/nothing", "Procore-Company-Id", C1).status());
    assertEquals(404, get("/rest/v2.0/me").status());
  }

  @Test
  void paginationHeadersFollowTheDocumentedLinkRules() throws Exception {
    String base = sandbox.apiUrl() + "/rest/v1.0/projects?company_id=" + C1;
    Response p1 =
        get("/rest/v1.0/projects?company_id=" + C1 + "&per_page=10", "Procore-Company-Id", C1);
    assertEquals("45", p1.header("Total"));
    assertEquals("10", p1.header("Per-Page"));
    assertEquals(10, p1.json().size());
    assertEquals(
        "<"
            + base
            + "&page=5&per_page=10>; rel=\"last\", <"
            + base
            + "&page=2&per_page=10>; rel=\"next\"",
        p1.header("Link"));
    Response p2 =
        get(
            "/rest/v1.0/projects?company_id=" + C1 + "&per_page=10&page=2",
            "Procore-Company-Id",
            C1);
    assertEquals(List.of("first", "last", "next"), rels(p2.header("Link")));
    Response p3 =
        get(
            "/rest/v1.0/projects?company_id=" + C1 + "&page=3&per_page=10",
            "Procore-Company-Id",
            C1);
    assertEquals(List.of("first", "prev", "last", "next"), rels(p3.header("Link")));
    assertTrue(p3.header("Link").contains("/rest/v1.0/"));
    Response p5 =
        get(
            "/rest/v1.0/projects?company_id=" + C1 + "&page=5&per_page=10",
            "Procore-Company-Id",
            C1);
    assertEquals(List.of("first", "prev", "last"), rels(p5.header("Link")));
    assertEquals(5, p5.json().size());
    Response single = get("/rest/v1.0/companies");
    assertEquals("", single.header("Link"), "Link is present but empty on a single page");
  }

  @Test
  void perPageDefaultAndCapAreConfigurable() throws Exception {
    try (ProcoreSandbox small = ProcoreSandbox.builder().defaultPerPage(7).maxPerPage(20).start()) {
      small.registerClient(APP, SECRET);
      String t = http.consent(small, APP, SECRET).text("access_token");
      Response r =
          http.api(small, "/rest/v1.0/projects?company_id=" + C1, t, "Procore-Company-Id", C1);
      assertEquals(7, r.json().size());
      Response capped =
          http.api(
              small,
              "/rest/v1.0/projects?company_id=" + C1 + "&per_page=5000",
              t,
              "Procore-Company-Id",
              C1);
      assertEquals("20", capped.header("Per-Page"));
    }
  }

  @Test
  void prevOnSecondPageIsAnOption() throws Exception {
    try (ProcoreSandbox ruby = ProcoreSandbox.builder().prevOnSecondPage(true).start()) {
      ruby.registerClient(APP, SECRET);
      String t = http.consent(ruby, APP, SECRET).text("access_token");
      Response r =
          http.api(
              ruby,
              "/rest/v1.0/projects?company_id=" + C1 + "&page=2&per_page=10",
              t,
              "Procore-Company-Id",
              C1);
      assertEquals(List.of("first", "prev", "last", "next"), rels(r.header("Link")));
    }
  }

  /** {@code X-Rate-Limit-Reset} minus the answer's {@code Date}, in seconds. */
  private static long secondsUntilReset(Response r) {
    long date =
        java.time.ZonedDateTime.parse(
                r.header("Date"), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
            .toEpochSecond();
    return Long.parseLong(r.header("X-Rate-Limit-Reset")) - date;
  }

  private static void assertBetween(long low, long high, long actual) {
    assertTrue(low <= actual && actual <= high, actual + " is not in " + low + ".." + high);
  }

  @Test
  void rateLimitsUseTwoWindowsAndAnswer429InPlainText() throws Exception {
    try (ProcoreSandbox limited =
        ProcoreSandbox.builder()
            .clock(clock)
            .rateLimits(8, Duration.ofHours(1), 3, Duration.ofSeconds(10))
            .start()) {
      limited.registerClient(APP, SECRET);
      String t = http.consent(limited, APP, SECRET).text("access_token");
      long now = clock.instant().getEpochSecond();
      Response first = http.api(limited, "/rest/v1.0/me", t);
      assertEquals(
          "3", first.header("X-Rate-Limit-Limit"), "the spike window is nearer exhaustion");
      assertEquals("2", first.header("X-Rate-Limit-Remaining"));
      // The reset is on the clock of the Date header (the system's, which the JDK server stamps):
      // the window's 10 s on the injected clock, to the headers' one-second resolution.
      assertBetween(10, 11, secondsUntilReset(first));
      assertTrue(now > 0);
      http.api(limited, "/rest/v1.0/me", t);
      http.api(limited, "/rest/v1.0/me", t);
      Response limitedResponse = http.api(limited, "/rest/v1.0/me", t);
      assertEquals(429, limitedResponse.status());
      assertEquals(ApiRoutes.RATE_LIMITED, limitedResponse.body());
      assertTrue(limitedResponse.header("Content-Type").startsWith("text/plain"));
      assertEquals("0", limitedResponse.header("X-Rate-Limit-Remaining"));
      assertNull(limitedResponse.header("Retry-After"));
      clock.advance(Duration.ofSeconds(10));
      for (int i = 0; i < 3; i++) {
        assertEquals(200, http.api(limited, "/rest/v1.0/me", t).status());
      }
      clock.advance(Duration.ofSeconds(10));
      Response hourly = http.api(limited, "/rest/v1.0/me", t);
      assertEquals(200, hourly.status());
      assertEquals(
          "8", hourly.header("X-Rate-Limit-Limit"), "now the hourly window is nearer exhaustion");
      assertEquals("1", hourly.header("X-Rate-Limit-Remaining"));
      http.api(limited, "/rest/v1.0/me", t);
      Response hourLimited = http.api(limited, "/rest/v1.0/me", t);
      assertEquals(429, hourLimited.status());
      assertBetween(3580, 3581, secondsUntilReset(hourLimited)); // 20 s of the hour have passed
      // Another token has its own counters.
      String other = http.consent(limited, APP, SECRET).text("access_token");
      assertEquals(200, http.api(limited, "/rest/v1.0/me", other).status());
    }
  }

  @Test
  void retryAfterOn429IsAnOption() throws Exception {
    try (ProcoreSandbox limited =
        ProcoreSandbox.builder()
            .clock(clock)
            .retryAfterOn429(true)
            .rateLimits(100, Duration.ofHours(1), 1, Duration.ofSeconds(10))
            .start()) {
      limited.registerClient(APP, SECRET);
      String t = http.consent(limited, APP, SECRET).text("access_token");
      http.api(limited, "/rest/v1.0/me", t);
      assertEquals("10", http.api(limited, "/rest/v1.0/me", t).header("Retry-After"));
    }
  }

  @Test
  void serviceAccountsHaveAPerCompanyLimit() throws Exception {
    try (ProcoreSandbox limited =
        ProcoreSandbox.builder()
            .clock(clock)
            .rateLimits(100, Duration.ofHours(1), 1, Duration.ofSeconds(10))
            .start()) {
      limited.registerServiceAccount(DMSA, DMSA_SECRET);
      String t = http.clientCredentials(limited, DMSA, DMSA_SECRET).text("access_token");
      assertEquals(200, http.api(limited, "/rest/v1.0/me", t, "Procore-Company-Id", C1).status());
      assertEquals(429, http.api(limited, "/rest/v1.0/me", t, "Procore-Company-Id", C1).status());
      assertEquals(
          200,
          http.api(
                  limited,
                  "/rest/v1.0/me",
                  t,
                  "Procore-Company-Id",
                  Long.toString(ProcoreSeed.SECOND_COMPANY_ID))
              .status());
    }
  }

  @Test
  void injected503CarriesRetryAfterAndRateLimitHeaders() throws Exception {
    sandbox.enqueue(ProcoreFaults.serviceUnavailable(7));
    Response r = get("/rest/v1.0/me");
    assertEquals(503, r.status());
    assertEquals("7", r.header("Retry-After"));
    assertTrue(r.header("X-Rate-Limit-Reset") != null);
    assertEquals(200, get("/rest/v1.0/me").status());
  }

  @Test
  void rateLimitHeadersOnEveryApiResponse() throws Exception {
    List<Response> responses =
        List.of(
            get("/rest/v1.0/me"),
            get("/rest/v1.0/projects?company_id=" + C1),
            get("/rest/v1.0/nothing"),
            get("/rest/v1.0/projects?company_id=1", "Procore-Company-Id", "1"));
    for (Response r : responses) {
      assertTrue(r.header("X-Rate-Limit-Limit") != null, "status " + r.status());
      assertTrue(r.header("X-Rate-Limit-Remaining") != null);
      assertTrue(r.header("X-Rate-Limit-Reset") != null);
    }
    assertFalse(responses.isEmpty());
  }

  private static List<Long> ids(JsonNode array) {
    List<Long> ids = new ArrayList<>();
    array.forEach(n -> ids.add(n.get("id").asLong()));
    return ids;
  }

  private static List<String> rels(String link) {
    List<String> rels = new ArrayList<>();
    for (String part : link.split(", ")) {
      rels.add(part.substring(part.indexOf("rel=\"") + 5, part.length() - 1));
    }
    return rels;
  }
}
