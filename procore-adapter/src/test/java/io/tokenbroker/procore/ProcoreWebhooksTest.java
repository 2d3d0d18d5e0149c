package io.tokenbroker.procore;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tokenbroker.testkit.LoopbackServer;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: hooks, triggers and deliveries through the typed API, company- and
 * project-level, and events the sandbox POSTs to a real receiver that the verifier checks.
 */
class ProcoreWebhooksTest extends ProcoreClientTestBase {
  private static final String SECRET = "Bearer whk-7f3c9a1e-shared-secret-for-tests";

  private final List<WebhookEvent> received = new CopyOnWriteArrayList<>();
  private final List<WebhookVerificationException> refused = new CopyOnWriteArrayList<>();
  private final WebhookVerifier verifier =
      WebhookVerifier.builder().requireHeader("Authorization", SECRET).build();
  private LoopbackServer receiver;
  private CompanyClient company;

  @BeforeEach
  void start() {
    company = client.company(C1);
    receiver =
        LoopbackServer.builder()
            .name("webhook-receiver")
            .dispatcher(
                request -> {
                  try {
                    received.add(verifier.verify(request.headers(), request.body()));
                    return Reply.status(204);
                  } catch (WebhookVerificationException e) {
                    refused.add(e);
                    return Reply.status(401);
                  }
                })
            .start();
  }

  @AfterEach
  void stop() {
    receiver.close();
    messages.add(String.valueOf(refused));
  }

  private URI destination() {
    return receiver.baseUri().resolve("/procore/events");
  }

  @Test
  void companyHooksTriggersAndDeliveriesEndToEnd() throws Exception {
    Webhooks webhooks = company.webhooks();
    assertEquals("company_id", webhooks.scopeParameter());
    WebhookHook hook =
        webhooks.createHook(
            WebhookHookSpec.of("acme-sync", destination()).withAuthorization(SECRET));
    assertEquals("acme-sync", hook.namespace());
    assertEquals("v2", hook.apiVersion());
    assertEquals(C1, hook.ownedByCompanyId());
    assertNull(hook.ownedByProjectId());
    assertEquals(SECRET, hook.destinationHeaders().get("Authorization"));
    assertFalse(hook.toString().contains(SECRET), hook.toString());
    RecordedRequest create =
        f.sandbox.requests(ProcoreSandbox.Host.API).stream()
            .filter(r -> r.method().equals("POST"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        "{\"company_id\":"
            + C1
            + ",\"hook\":{\"api_version\":\"v2\",\"namespace\":\"acme-sync\","
            + "\"destination_url\":\""
            + destination()
            + "\",\"destination_headers\":"
            + "{\"Authorization\":\""
            + SECRET
            + "\"}}}",
        create.bodyUtf8());

    WebhookTrigger trigger = webhooks.createTrigger(hook.id(), "Projects", WebhookEventType.UPDATE);
    webhooks.createTrigger(hook.id(), "Projects", WebhookEventType.CREATE);
    assertEquals("Projects", trigger.resourceName());
    assertEquals(WebhookEventType.UPDATE, trigger.eventType());
    assertEquals(hook.id(), trigger.webhookHookId());
    assertEquals(2, webhooks.triggers(hook.id()).size());
    assertEquals(List.of(hook.id()), webhooks.hooks().stream().map(WebhookHook::id).toList());
    assertEquals(1, webhooks.hooks("acme-sync").size());
    assertEquals(0, webhooks.hooks("someone-else").size());

    // A change in Procore raises an event; the sandbox delivers it to the receiver.
    Project created =
        company.post(
            ApiVersion.V1_0,
            "/projects",
            Map.of("company_id", C1, "project", Map.of("name", "Hooked")),
            Project.class);
    company.patch(
        ApiVersion.V1_0,
        "/projects/" + created.id(),
        Map.of("project", Map.of("name", "Hooked 2")),
        Project.class);
    assertEquals(2, f.sandbox.deliverWebhooks());
    assertEquals(2, received.size());
    WebhookEvent update = received.get(1);
    assertEquals(WebhookEventType.UPDATE, update.eventType());
    assertEquals("Projects", update.resourceName());
    assertEquals(created.id(), update.resourceId());
    assertEquals(C1, update.companyId());
    assertEquals(ProcoreSeed.USER_ID, update.userId());
    assertEquals("v2.0", update.apiVersion());
    assertEquals(SandboxFixture.APP_ID, update.metadata().sourceApplicationId());
    assertEquals(26, update.dedupeKey().length());
    assertEquals(f.clock.instant(), update.timestamp());
    RecordedRequest posted = receiver.takeRequest();
    assertEquals("POST", posted.method());
    assertEquals("application/json", posted.header("Content-Type"));

    List<WebhookDelivery> all =
        webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.ANY).toList();
    assertEquals(2, all.size());
    assertEquals(WebhookDelivery.Outcome.OK, all.get(0).outcome());
    assertEquals(204, all.get(0).statusCode().getAsInt());
    assertEquals(WebhookEventType.CREATE, all.get(0).event().eventType());
    assertEquals(1, webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.ANY, null, 1).size());
    assertEquals(
        List.of(all.get(1).id()),
        webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.ANY, all.get(0).id(), 1).stream()
            .map(WebhookDelivery::id)
            .toList());
    assertEquals(0, webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.FAILING).count());
    RecordedRequest listed =
        f.sandbox.requests(ProcoreSandbox.Host.API).stream()
            .filter(r -> r.path().endsWith("/deliveries"))
            .findFirst()
            .orElseThrow();
    assertEquals("any", listed.queryParameters().get("filters[status]"));
    assertEquals("100", listed.queryParameters().get("page_size"));

    webhooks.deleteTrigger(hook.id(), trigger.id());
    assertEquals(1, webhooks.triggers(hook.id()).size());
    webhooks.deleteHook(hook.id());
    assertEquals(List.of(), webhooks.hooks());
    assertEquals(
        ProcoreApiException.Kind.NOT_FOUND, fails(() -> webhooks.triggers(hook.id())).kind());
  }

  @Test
  void aDeliveryWithTheWrongSecretIsRefusedAndListedAsFailing() throws Exception {
    Webhooks webhooks = company.webhooks();
    WebhookHook hook =
        webhooks.createHook(
            WebhookHookSpec.of("acme-sync", destination())
                .withAuthorization("Bearer not-the-shared-secret"));
    webhooks.createTrigger(hook.id(), "Projects", WebhookEventType.CREATE);
    company.post(
        ApiVersion.V1_0,
        "/projects",
        Map.of("company_id", C1, "project", Map.of("name", "Forged?")),
        Project.class);
    assertEquals(1, f.sandbox.deliverWebhooks());
    assertEquals(List.of(), received);
    assertEquals(WebhookVerificationException.Reason.WRONG_HEADER, refused.get(0).reason());
    assertFalse(refused.get(0).getMessage().contains("not-the-shared-secret"));
    List<WebhookDelivery> failing =
        webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.FAILING).toList();
    assertEquals(1, failing.size());
    assertEquals(WebhookDelivery.Outcome.RETRIED, failing.get(0).outcome());
    assertEquals(401, failing.get(0).statusCode().getAsInt());

    // Updating the hook's header fixes the next delivery.
    WebhookHook fixed =
        webhooks.updateHook(
            hook.id(),
            WebhookHookSpec.of("acme-sync", destination())
                .withApiVersion("v4.0")
                .withAuthorization(SECRET));
    assertEquals("v4.0", fixed.apiVersion());
    company.post(
        ApiVersion.V1_0,
        "/projects",
        Map.of("company_id", C1, "project", Map.of("name", "Real")),
        Project.class);
    f.sandbox.deliverWebhooks();
    WebhookEvent v4 = received.get(0);
    assertEquals(WebhookEventType.CREATE, v4.eventType());
    assertEquals("create", v4.reason());
    assertEquals("Projects", v4.resourceName());
    assertNull(v4.apiVersion());
    assertEquals(v4.id(), v4.dedupeKey());
    assertEquals(C1, v4.companyId());
  }

  @Test
  void projectLevelHooksNameTheProject() {
    ProjectClient project = company.projectScope(ProcoreSeed.FIRST_PROJECT_ID);
    Webhooks webhooks = project.webhooks();
    assertEquals("project_id", webhooks.scopeParameter());
    WebhookHook hook = webhooks.createHook(WebhookHookSpec.of("acme-sync", destination()));
    assertEquals(ProcoreSeed.FIRST_PROJECT_ID, hook.ownedByProjectId());
    WebhookTrigger trigger = webhooks.createTrigger(hook.id(), "RFIs", WebhookEventType.CREATE);
    assertEquals(ProcoreSeed.FIRST_PROJECT_ID, trigger.projectId());
    assertEquals(1, webhooks.hooks("*").size());
    assertEquals(0, company.webhooks().hooks().size(), "company and project hooks are apart");
    RecordedRequest list =
        f.sandbox.requests(ProcoreSandbox.Host.API).stream()
            .filter(r -> r.method().equals("GET") && r.path().equals("/rest/v1.0/webhooks/hooks"))
            .findFirst()
            .orElseThrow();
    assertEquals(
        Long.toString(ProcoreSeed.FIRST_PROJECT_ID), list.queryParameters().get("project_id"));
    assertNull(list.queryParameters().get("company_id"));
    assertEquals(Long.toString(C1), list.header("Procore-Company-Id"));
    assertEquals(
        ProcoreApiException.Kind.NOT_FOUND,
        fails(() -> company.projectScope(ProcoreSeed.UNREADABLE_PROJECT_ID).webhooks().hooks())
            .kind());
  }

  @Test
  void hookInputIsValidatedHereAndThere() {
    assertThrows(
        IllegalArgumentException.class, () -> WebhookHookSpec.of("Acme Sync", destination()));
    assertThrows(
        IllegalArgumentException.class,
        () -> WebhookHookSpec.of("acme", URI.create("http://hooks.example.com/x")));
    assertThrows(
        IllegalArgumentException.class,
        () -> company.webhooks().createTrigger(1, "Projects", WebhookEventType.UNKNOWN));
    WebhookHook hook = company.webhooks().createHook(WebhookHookSpec.of("acme", destination()));
    assertThrows(
        IllegalArgumentException.class,
        () -> company.webhooks().createTrigger(hook.id(), "v2", " ", WebhookEventType.CREATE));

    // What the typed API never sends, the sandbox refuses as Procore documents.
    ProcoreApiException invalid =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0,
                    "/webhooks/hooks",
                    Map.of(
                        "company_id",
                        C1,
                        "hook",
                        Map.of(
                            "api_version",
                            "v2",
                            "namespace",
                            "Not Valid",
                            "destination_url",
                            "ftp://x")),
                    WebhookHook.class));
    assertEquals(ProcoreApiException.Kind.VALIDATION, invalid.kind());
    assertEquals(
        java.util.Set.of("namespace", "destination_url"), invalid.validationErrors().keySet());
    ProcoreApiException bothScopes =
        fails(
            () ->
                company.get(
                    ApiVersion.V1_0,
                    "/webhooks/hooks",
                    Map.of("company_id", Long.toString(C1), "project_id", "1"),
                    com.fasterxml.jackson.databind.JsonNode.class));
    assertEquals(400, bothScopes.status().getAsInt());
    ProcoreApiException badEvent =
        fails(
            () ->
                company.post(
                    ApiVersion.V1_0,
                    "/webhooks/hooks/" + hook.id() + "/triggers",
                    Map.of(
                        "company_id",
                        C1,
                        "api_version",
                        "v2",
                        "trigger",
                        Map.of("resource_name", "Projects", "event_type", "archive")),
                    WebhookTrigger.class));
    assertEquals(
        List.of("must be create, update or delete"), badEvent.validationErrors().get("event_type"));
  }

  @Test
  void theVerifierReadsEveryPayloadVersionAndRefusesTheRest() {
    Map<String, List<String>> headers =
        Map.of("authorization", List.of(SECRET), "content-type", List.of("application/json"));
    WebhookEvent v3 =
        verifier.verify(
            headers,
            ("{\"id\":123456789,\"ulid\":\"0A1B2C3D4F5G6H7I8J9K0LMN12\",\"timestamp\":"
                    + "\"2025-02-06T23:34:12.246562Z\",\"metadata\":{\"source_user_id\":987654321,"
                    + "\"source_project_id\":2468013579,\"source_operation_id\":null,"
                    + "\"source_company_id\":1357908642,\"source_application_id\":null},"
                    + "\"user_id\":987654321,\"company_id\":1357908642,\"project_id\":2468013579,"
                    + "\"api_version\":\"v3.0\",\"event_type\":\"update\",\"resource_name\":"
                    + "\"Direct Cost Line Items\",\"resource_id\":379913,\"related_resources\":"
                    + "[{\"id\":1234,\"name\":\"Direct Costs\"}]}")
                .getBytes(UTF_8));
    assertEquals("123456789", v3.id());
    assertEquals(2468013579L, v3.projectId());
    assertEquals(Instant.parse("2025-02-06T23:34:12.246562Z"), v3.timestamp());
    assertEquals(
        List.of(new WebhookEvent.RelatedResource(1234L, "Direct Costs")), v3.relatedResources());
    assertEquals(987654321L, v3.metadata().sourceUserId());

    assertEquals(
        WebhookVerificationException.Reason.MISSING_HEADER,
        assertThrows(
                WebhookVerificationException.class,
                () -> verifier.verify(Map.of(), "{\"id\":1}".getBytes(UTF_8)))
            .reason());
    assertEquals(
        WebhookVerificationException.Reason.MISSING_HEADER,
        assertThrows(
                WebhookVerificationException.class,
                () ->
                    verifier.verify(
                        Map.of("Authorization", List.of(SECRET, SECRET)),
                        "{\"id\":1}".getBytes(UTF_8)))
            .reason());
    assertEquals(
        WebhookVerificationException.Reason.NOT_JSON,
        assertThrows(
                WebhookVerificationException.class,
                () ->
                    verifier.verify(
                        Map.of("Authorization", List.of(SECRET)), "id=1".getBytes(UTF_8)))
            .reason());
    assertEquals(
        WebhookVerificationException.Reason.NOT_AN_EVENT,
        assertThrows(
                WebhookVerificationException.class,
                () ->
                    verifier.verify(Map.of("Authorization", List.of(SECRET)), "{}".getBytes(UTF_8)))
            .reason());
    assertEquals(
        WebhookVerificationException.Reason.TOO_LARGE,
        assertThrows(
                WebhookVerificationException.class,
                () ->
                    WebhookVerifier.builder()
                        .requireHeader("Authorization", SECRET)
                        .maxBodyBytes(1024)
                        .build()
                        .verify(Map.of("Authorization", List.of(SECRET)), new byte[2048]))
            .reason());
    assertThrows(IllegalStateException.class, () -> WebhookVerifier.builder().build());
    assertFalse(verifier.toString().contains(SECRET));
  }
}
