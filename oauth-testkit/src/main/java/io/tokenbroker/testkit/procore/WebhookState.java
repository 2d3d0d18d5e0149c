package io.tokenbroker.testkit.procore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Procore's Webhooks API ({@code /rest/v1.0/webhooks/...}) and its deliveries: hooks, triggers,
 * events raised by the sandbox's own writes, and deliveries POSTed to the hooks' destinations when
 * {@link #deliver()} is called. Thread-safe: state is guarded by this object; deliveries are sent
 * without holding the lock.
 */
final class WebhookState {
  /** A company or project scope of a webhooks request. */
  record Scope(long companyId, @Nullable Long projectId) {}

  /** Resolves {@code company_id}/{@code project_id} against the header's company; null: invalid. */
  @FunctionalInterface
  interface ScopeResolver {
    @Nullable Scope resolve(
        @Nullable String companyParam, @Nullable String projectParam, long headerCompany);
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HOOK = Pattern.compile("^/webhooks/hooks/(\\d+)$");
  private static final Pattern TRIGGERS = Pattern.compile("^/webhooks/hooks/(\\d+)/triggers$");
  private static final Pattern TRIGGER =
      Pattern.compile("^/webhooks/hooks/(\\d+)/triggers/(\\d+)$");
  private static final Pattern DELIVERIES = Pattern.compile("^/webhooks/hooks/(\\d+)/deliveries$");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9-]+");
  private static final Pattern API_VERSION = Pattern.compile("v\\d{1,2}(\\.\\d{1,2})?");
  private static final Set<String> EVENT_TYPES = Set.of("create", "update", "delete");
  private static final Set<String> STATUSES = Set.of("any", "successful", "failing", "discarded");
  private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final int MAX_RECORDED_BODY = 10_000;

  private static final class Hook {
    final long id;
    final Scope scope;
    final long ownerUserId;
    String apiVersion;
    @Nullable String namespace;
    String destinationUrl;
    Map<String, String> headers;

    Hook(
        long id,
        Scope scope,
        long ownerUserId,
        String apiVersion,
        @Nullable String namespace,
        String destinationUrl,
        Map<String, String> headers) {
      this.id = id;
      this.scope = scope;
      this.ownerUserId = ownerUserId;
      this.apiVersion = apiVersion;
      this.namespace = namespace;
      this.destinationUrl = destinationUrl;
      this.headers = headers;
    }
  }

  private record Trigger(
      long id, long hookId, String resourceName, String eventType, Scope scope, long userId) {}

  private static final class Delivery {
    final long id;
    final long hookId;
    final long eventId;
    final ObjectNode event;
    @Nullable String outcome;
    @Nullable Integer responseStatus;
    Map<String, String> responseHeaders = Map.of();
    @Nullable String responseBody;
    @Nullable String responseError;
    @Nullable Instant startedAt;
    @Nullable Instant completedAt;

    Delivery(long id, long hookId, long eventId, ObjectNode event) {
      this.id = id;
      this.hookId = hookId;
      this.eventId = eventId;
      this.event = event;
    }
  }

  private final Clock clock;
  private final Random random;
  private final Map<Long, Hook> hooks = new LinkedHashMap<>();
  private final Map<Long, Trigger> triggers = new LinkedHashMap<>();
  private final Map<Long, Delivery> deliveries = new LinkedHashMap<>();
  private final List<Delivery> pending = new ArrayList<>();
  private long nextHookId = 7_000_000_001L;
  private long nextTriggerId = 7_100_000_001L;
  private long nextEventId = 7_200_000_001L;
  private long nextDeliveryId = 7_300_000_001L;
  private @Nullable HttpClient http;

  WebhookState(Clock clock, Random random) {
    this.clock = clock;
    this.random = random;
  }

  // ---------------------------------------------------------------- routes

  synchronized Reply handle(
      RecordedRequest request,
      OAuthState.Principal principal,
      String resource,
      @Nullable Long headerCompany,
      ScopeResolver resolver) {
    if (headerCompany == null) {
      return ApiRoutes.apiError(400, ApiRoutes.MISSING_COMPANY_HEADER);
    }
    String method = request.method();
    boolean bodyScoped = method.equals("POST") || method.equals("PATCH");
    JsonNode body = bodyScoped ? jsonBody(request) : null;
    if (bodyScoped && body == null) {
      return ApiRoutes.apiError(
          400, "the body must be a JSON object (Content-Type: application/json)");
    }
    String companyParam =
        bodyScoped ? text(body, "company_id") : request.queryParameters().get("company_id");
    String projectParam =
        bodyScoped ? text(body, "project_id") : request.queryParameters().get("project_id");
    if ((companyParam == null) == (projectParam == null)) {
      return ApiRoutes.apiError(400, "You must supply either a company_id or project_id");
    }
    Scope scope = resolver.resolve(companyParam, projectParam, headerCompany);
    if (scope == null) {
      return ApiRoutes.apiError(404, "Not Found");
    }
    Matcher m;
    if (resource.equals("/webhooks/hooks")) {
      return switch (method) {
        case "GET" -> listHooks(request, scope);
        case "POST" -> saveHook(null, requireNonNull(body), scope, principal);
        default -> ApiRoutes.apiError(405, "Method Not Allowed");
      };
    }
    m = HOOK.matcher(resource);
    if (m.matches()) {
      Hook hook = hook(m.group(1), scope);
      if (hook == null) {
        return ApiRoutes.apiError(404, "Not Found");
      }
      return switch (method) {
        case "PATCH" -> saveHook(hook, requireNonNull(body), scope, principal);
        case "DELETE" -> {
          hooks.remove(hook.id);
          triggers.values().removeIf(t -> t.hookId() == hook.id);
          yield Reply.status(200);
        }
        default -> ApiRoutes.apiError(405, "Method Not Allowed");
      };
    }
    m = TRIGGERS.matcher(resource);
    if (m.matches()) {
      Hook hook = hook(m.group(1), scope);
      if (hook == null) {
        return ApiRoutes.apiError(404, "Not Found");
      }
      return switch (method) {
        case "GET" -> {
          ArrayNode out = JSON.createArrayNode();
          triggers.values().stream()
              .filter(t -> t.hookId() == hook.id)
              .forEach(t -> out.add(trigger(t)));
          yield Reply.json(200, out);
        }
        case "POST" -> createTrigger(hook, requireNonNull(body), scope, principal);
        default -> ApiRoutes.apiError(405, "Method Not Allowed");
      };
    }
    m = TRIGGER.matcher(resource);
    if (m.matches()) {
      Hook hook = hook(m.group(1), scope);
      Trigger trigger = triggers.get(parse(m.group(2)));
      if (hook == null || trigger == null || trigger.hookId() != hook.id) {
        return ApiRoutes.apiError(404, "Not Found");
      }
      if (!method.equals("DELETE")) {
        return ApiRoutes.apiError(405, "Method Not Allowed");
      }
      triggers.remove(trigger.id());
      return Reply.status(200);
    }
    m = DELIVERIES.matcher(resource);
    if (m.matches() && method.equals("GET")) {
      Hook hook = hook(m.group(1), scope);
      return hook == null ? ApiRoutes.apiError(404, "Not Found") : listDeliveries(request, hook);
    }
    return ApiRoutes.apiError(404, "Not Found");
  }

  private Reply listHooks(RecordedRequest request, Scope scope) {
    // Without a namespace, the hooks without one (UNCONFIRMED); "*" for every namespace.
    String namespace = request.queryParameters().get("namespace");
    ArrayNode out = JSON.createArrayNode();
    for (Hook hook : hooks.values()) {
      boolean namespaceMatches =
          "*".equals(namespace)
              || (namespace == null ? hook.namespace == null : namespace.equals(hook.namespace));
      if (hook.scope.equals(scope) && namespaceMatches) {
        out.add(hook(hook));
      }
    }
    return Reply.json(200, out);
  }

  private Reply saveHook(
      @Nullable Hook existing, JsonNode body, Scope scope, OAuthState.Principal principal) {
    JsonNode spec = body.get("hook");
    if (spec == null || !spec.isObject()) {
      return ApiRoutes.apiError(400, "param is missing or the value is empty: hook");
    }
    ObjectNode errors = JSON.createObjectNode();
    String apiVersion = text(spec, "api_version");
    if (existing == null && apiVersion == null) {
      errors.putArray("api_version").add("can't be blank");
    } else if (apiVersion != null && !API_VERSION.matcher(apiVersion).matches()) {
      errors.putArray("api_version").add("is not a known payload version");
    }
    String namespace = text(spec, "namespace");
    if (namespace != null && !NAMESPACE.matcher(namespace).matches()) {
      errors.putArray("namespace").add("may hold only lowercase letters, digits and dashes");
    }
    String url = text(spec, "destination_url");
    if (existing == null && url == null) {
      errors.putArray("destination_url").add("can't be blank");
    } else if (url != null && !acceptableDestination(url)) {
      errors.putArray("destination_url").add("must be an HTTPS URL");
    }
    Map<String, String> headers = null;
    JsonNode headerNode = spec.get("destination_headers");
    if (headerNode != null && !headerNode.isNull()) {
      if (!headerNode.isObject()) {
        errors.putArray("destination_headers").add("must be an object");
      } else {
        headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : headerNode.properties()) {
          headers.put(e.getKey(), e.getValue().asText());
        }
      }
    }
    if (!errors.isEmpty()) {
      return Reply.json(422, JSON.createObjectNode().set("errors", errors));
    }
    Hook hook = existing;
    if (hook == null) {
      hook =
          new Hook(
              nextHookId++,
              scope,
              principal.userId(),
              requireNonNull(apiVersion), // required for a new hook: checked above
              namespace,
              requireNonNull(url),
              headers == null ? Map.of() : headers);
      hooks.put(hook.id, hook);
      return Reply.json(201, hook(hook));
    }
    if (apiVersion != null) {
      hook.apiVersion = apiVersion;
    }
    if (namespace != null) {
      hook.namespace = namespace;
    }
    if (url != null) {
      hook.destinationUrl = url;
    }
    if (headers != null) {
      hook.headers = headers;
    }
    return Reply.json(200, hook(hook));
  }

  private Reply createTrigger(
      Hook hook, JsonNode body, Scope scope, OAuthState.Principal principal) {
    ObjectNode errors = JSON.createObjectNode();
    if (text(body, "api_version") == null) {
      errors.putArray("api_version").add("can't be blank");
    }
    JsonNode spec = body.get("trigger");
    if (spec == null || !spec.isObject()) {
      return ApiRoutes.apiError(400, "param is missing or the value is empty: trigger");
    }
    String resource = text(spec, "resource_name");
    if (resource == null || resource.isBlank()) {
      errors.putArray("resource_name").add("can't be blank");
    }
    String eventType = text(spec, "event_type");
    if (eventType == null || !EVENT_TYPES.contains(eventType)) {
      errors.putArray("event_type").add("must be create, update or delete");
    }
    if (!errors.isEmpty()) {
      return Reply.json(422, JSON.createObjectNode().set("errors", errors));
    }
    Trigger trigger =
        new Trigger(
            nextTriggerId++,
            hook.id,
            requireNonNull(resource), // both checked above
            requireNonNull(eventType),
            scope,
            principal.userId());
    triggers.put(trigger.id(), trigger);
    return Reply.json(201, trigger(trigger));
  }

  private Reply listDeliveries(RecordedRequest request, Hook hook) {
    Map<String, String> q = request.queryParameters();
    // Procore's OpenAPI names it filters[status], its guide filter[status]: both are read.
    String status = q.getOrDefault("filters[status]", q.getOrDefault("filter[status]", "any"));
    if (!STATUSES.contains(status)) {
      return ApiRoutes.apiError(400, "filters[status] must be one of " + STATUSES);
    }
    int size;
    Long start;
    try {
      size = Integer.parseInt(q.getOrDefault("page_size", "100"));
      start = q.containsKey("page_start") ? Long.parseLong(q.get("page_start")) : null;
    } catch (NumberFormatException e) {
      return ApiRoutes.apiError(400, "page_size and page_start are numbers");
    }
    if (size < 1 || size > 1000) {
      return ApiRoutes.apiError(400, "page_size must be 1..1000");
    }
    ArrayNode out = JSON.createArrayNode();
    for (Delivery d : deliveries.values()) {
      if (d.hookId != hook.id || (start != null && d.id <= start) || !matches(d, status)) {
        continue;
      }
      if (out.size() == size) {
        break;
      }
      out.add(delivery(d));
    }
    return Reply.json(200, out);
  }

  private static boolean matches(Delivery d, String status) {
    return switch (status) {
      case "successful" -> "ok".equals(d.outcome);
      case "failing" -> "retried".equals(d.outcome) || "failed".equals(d.outcome);
      case "discarded" -> "discarded".equals(d.outcome);
      default -> true;
    };
  }

  // ---------------------------------------------------------------- events and deliveries

  /**
   * Raises an event for every hook of the scope with a trigger for {@code resourceName} and {@code
   * eventType}: company-level hooks of {@code companyId}, and project-level hooks of {@code
   * projectId} when the resource is a project's.
   */
  synchronized void emit(
      long companyId,
      @Nullable Long projectId,
      String resourceName,
      String eventType,
      long resourceId,
      OAuthState.Principal principal,
      Instant now) {
    for (Hook hook : hooks.values()) {
      boolean inScope =
          hook.scope.projectId() == null
              ? hook.scope.companyId() == companyId
              : projectId != null && hook.scope.projectId().equals(projectId);
      boolean triggered =
          triggers.values().stream()
              .anyMatch(
                  t ->
                      t.hookId() == hook.id
                          && t.resourceName().equalsIgnoreCase(resourceName)
                          && t.eventType().equals(eventType));
      if (inScope && triggered) {
        long eventId = nextEventId++;
        ObjectNode event =
            event(
                hook.apiVersion,
                eventId,
                companyId,
                projectId,
                resourceName,
                eventType,
                resourceId,
                principal,
                now);
        Delivery delivery = new Delivery(nextDeliveryId++, hook.id, eventId, event);
        deliveries.put(delivery.id, delivery);
        pending.add(delivery);
      }
    }
  }

  /** POSTs every pending event to its hook's destination; returns how many were sent. */
  int deliver() {
    List<Delivery> batch;
    synchronized (this) {
      batch = new ArrayList<>(pending);
      pending.clear();
      if (http == null) {
        http =
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
      }
    }
    for (Delivery d : batch) {
      Hook hook;
      synchronized (this) {
        hook = hooks.get(d.hookId);
        d.startedAt = clock.instant();
      }
      if (hook == null) {
        continue;
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(hook.destinationUrl))
              .timeout(Duration.ofSeconds(5)) // Procore's documented delivery timeout
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(d.event.toString()));
      hook.headers.forEach(request::header);
      try {
        HttpResponse<String> response =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> headers = new LinkedHashMap<>();
        response.headers().map().forEach((k, v) -> headers.put(k, String.join(", ", v)));
        String body = response.body();
        synchronized (this) {
          d.responseStatus = response.statusCode();
          d.responseHeaders = headers;
          d.responseBody =
              body.length() > MAX_RECORDED_BODY ? body.substring(0, MAX_RECORDED_BODY) : body;
          d.outcome = response.statusCode() / 100 == 2 ? "ok" : "retried";
          d.completedAt = clock.instant();
        }
      } catch (IOException e) {
        synchronized (this) {
          d.responseError = e.getClass().getSimpleName();
          d.outcome = "retried";
          d.completedAt = clock.instant();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return batch.size();
  }

  /** The event object in the hook's payload format: v2.0 (legacy), v3.0 or v4.0. */
  private ObjectNode event(
      String apiVersion,
      long eventId,
      long companyId,
      @Nullable Long projectId,
      String resourceName,
      String eventType,
      long resourceId,
      OAuthState.Principal principal,
      Instant now) {
    ObjectNode e = JSON.createObjectNode();
    String version = apiVersion.toLowerCase(Locale.ROOT);
    if (version.startsWith("v4")) {
      e.put("id", ulid());
      e.put("timestamp", now.toString());
      e.put("reason", eventType);
      e.put("company_id", Long.toString(companyId));
      if (projectId == null) {
        e.putNull("project_id");
      } else {
        e.put("project_id", Long.toString(projectId));
      }
      e.put("user_id", Long.toString(principal.userId()));
      e.put("resource_type", resourceName);
      e.put("resource_id", Long.toString(resourceId));
      return e;
    }
    e.put("id", eventId);
    e.put("ulid", ulid());
    e.put("timestamp", now.toString());
    ObjectNode meta = e.putObject("metadata");
    meta.put("source_user_id", principal.userId());
    if (projectId == null) {
      meta.putNull("source_project_id");
    } else {
      meta.put("source_project_id", projectId);
    }
    meta.putNull("source_operation_id");
    meta.put("source_company_id", companyId);
    meta.put("source_application_id", principal.clientId());
    e.put("user_id", principal.userId());
    e.put("company_id", companyId);
    if (projectId == null) {
      e.putNull("project_id");
    } else {
      e.put("project_id", projectId);
    }
    boolean v3 = version.startsWith("v3");
    e.put("api_version", v3 ? "v3.0" : "v2.0");
    e.put("event_type", eventType);
    e.put("resource_name", resourceName);
    e.put("resource_id", resourceId);
    if (v3) {
      e.putArray("related_resources");
    }
    return e;
  }

  private String ulid() {
    StringBuilder sb = new StringBuilder(26);
    for (int i = 0; i < 26; i++) {
      sb.append(CROCKFORD.charAt(random.nextInt(CROCKFORD.length())));
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- rendering and helpers

  private static ObjectNode hook(Hook hook) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", hook.id);
    node.put("api_version", hook.apiVersion);
    ObjectNode headers = node.putObject("destination_headers");
    hook.headers.forEach(headers::put);
    node.put("destination_url", hook.destinationUrl);
    node.put("owned_by_company_id", hook.scope.companyId());
    if (hook.scope.projectId() == null) {
      node.putNull("owned_by_project_id");
    } else {
      node.put("owned_by_project_id", hook.scope.projectId());
    }
    node.put("owned_by_user_id", hook.ownerUserId);
    if (hook.namespace == null) {
      node.putNull("namespace");
    } else {
      node.put("namespace", hook.namespace);
    }
    return node;
  }

  private static ObjectNode trigger(Trigger t) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", t.id());
    node.put("webhook_hook_id", t.hookId());
    node.put("resource_name", t.resourceName());
    node.putNull("resource_id");
    node.put("event_type", t.eventType());
    if (t.scope().projectId() == null) {
      node.put("company_id", t.scope().companyId());
      node.putNull("project_id");
    } else {
      node.putNull("company_id");
      node.put("project_id", t.scope().projectId());
    }
    node.put("user_id", t.userId());
    return node;
  }

  private static ObjectNode delivery(Delivery d) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", d.id);
    node.put("event_id", d.eventId);
    node.set("event", d.event.deepCopy());
    putText(node, "outcome", d.outcome);
    if (d.responseStatus == null) {
      node.putNull("response_status");
    } else {
      node.put("response_status", d.responseStatus);
    }
    ObjectNode headers = node.putObject("response_headers");
    d.responseHeaders.forEach(headers::put);
    putText(node, "response_error", d.responseError);
    putText(node, "response_body", d.responseBody);
    putText(node, "started_at", d.startedAt == null ? null : d.startedAt.toString());
    putText(node, "completed_at", d.completedAt == null ? null : d.completedAt.toString());
    return node;
  }

  private static void putText(ObjectNode node, String field, @Nullable String value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private @Nullable Hook hook(String idText, Scope scope) {
    Hook hook = hooks.get(parse(idText));
    return hook == null || !hook.scope.equals(scope) ? null : hook;
  }

  private static long parse(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean acceptableDestination(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      String host = uri.getHost() == null ? "" : uri.getHost();
      boolean loopback = host.equals("localhost") || host.startsWith("127.");
      return !host.isEmpty() && (scheme.equals("https") || (scheme.equals("http") && loopback));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static @Nullable JsonNode jsonBody(RecordedRequest request) {
    if (request.bodyEncoding() != RecordedRequest.BodyEncoding.JSON) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(request.body());
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static @Nullable String text(@Nullable JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    return value == null || value.isNull() || !value.isValueNode() ? null : value.asText();
  }
}
