package io.tokenbroker.procore;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JavaType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * Procore's Webhooks API for one company or one project: hooks (where events go), triggers (which
 * resource events a hook gets) and deliveries (what was sent and how the endpoint answered). From
 * {@link CompanyClient#webhooks()} (company-level: {@code company_id}) or {@link
 * ProjectClient#webhooks()} (project-level: {@code project_id}); Procore takes one or the other per
 * request, and the company header on every one.
 *
 * <pre>{@code
 * Webhooks webhooks = client.company(companyId).webhooks();
 * WebhookHook hook = webhooks.createHook(
 *     WebhookHookSpec.of("acme-sync", URI.create("https://hooks.acme.example/procore"))
 *         .withAuthorization("Bearer " + sharedSecret));
 * webhooks.createTrigger(hook.id(), "Projects", WebhookEventType.UPDATE);
 * webhooks.deliveries(hook.id(), Webhooks.DeliveryStatus.FAILING).forEach(...);
 * }</pre>
 *
 * <table>
 *   <caption>Calls (all {@code /rest/v1.0})</caption>
 *   <tr><td>{@link #hooks()}</td><td>{@code GET /webhooks/hooks}</td></tr>
 *   <tr><td>{@link #createHook}</td><td>{@code POST /webhooks/hooks} (201)</td></tr>
 *   <tr><td>{@link #updateHook}</td><td>{@code PATCH /webhooks/hooks/{id}}</td></tr>
 *   <tr><td>{@link #deleteHook}</td><td>{@code DELETE /webhooks/hooks/{id}}</td></tr>
 *   <tr><td>{@link #triggers}</td><td>{@code GET /webhooks/hooks/{hook_id}/triggers}</td></tr>
 *   <tr><td>{@link #createTrigger}</td><td>{@code POST /webhooks/hooks/{hook_id}/triggers}
 *       (201)</td></tr>
 *   <tr><td>{@link #deleteTrigger}</td><td>{@code DELETE /webhooks/hooks/{hook_id}/triggers/{id}}
 *       </td></tr>
 *   <tr><td>{@link #deliveries}</td><td>{@code GET /webhooks/hooks/{hook_id}/deliveries}</td></tr>
 * </table>
 *
 * <p>Creates are {@code POST}s and updates {@code PATCH}es: never sent twice after an ambiguous
 * failure. Immutable and thread-safe; failures are {@link ProcoreApiException}s.
 */
public final class Webhooks {
  /** The {@code filters[status]} of the deliveries list. */
  public enum DeliveryStatus {
    /** {@code any} (Procore's default). */
    ANY("any"),
    /** {@code successful}. */
    SUCCESSFUL("successful"),
    /** {@code failing}. */
    FAILING("failing"),
    /** {@code discarded}. */
    DISCARDED("discarded");

    private final String parameter;

    DeliveryStatus(String parameter) {
      this.parameter = parameter;
    }

    /** The value sent. */
    public String parameter() {
      return parameter;
    }
  }

  /** The deliveries' page size unless told otherwise: Procore's documented default, {@value}. */
  public static final int DEFAULT_PAGE_SIZE = 100;

  private static final String HOOKS = "/webhooks/hooks";

  private final ProcoreClient client;
  private final long companyId;
  private final String scope;
  private final long scopeId;

  Webhooks(ProcoreClient client, long companyId, String scope, long scopeId) {
    this.client = client;
    this.companyId = companyId;
    this.scope = scope;
    this.scopeId = scopeId;
  }

  /** {@code company_id} or {@code project_id}: which level these hooks are at. */
  public String scopeParameter() {
    return scope;
  }

  /** The company or project ID the hooks belong to. */
  public long scopeId() {
    return scopeId;
  }

  /** The hooks of every namespace ({@code namespace=*}). */
  public List<WebhookHook> hooks() {
    return hooks("*");
  }

  /** The hooks of {@code namespace} ({@code "*"}: all). */
  public List<WebhookHook> hooks(String namespace) {
    requireNonNull(namespace, "namespace == null");
    Map<String, String> query = scopeQuery();
    query.put("namespace", namespace);
    return list(HOOKS, query, WebhookHook.class);
  }

  /** Creates a hook: {@code {company_id|project_id, hook: {…}}}. */
  public WebhookHook createHook(WebhookHookSpec spec) {
    requireNonNull(spec, "spec == null");
    Map<String, Object> body = scopeBody();
    body.put("hook", spec.toJson());
    return send("POST", HOOKS, Map.of(), body, WebhookHook.class);
  }

  /** Updates hook {@code hookId} to {@code spec}. */
  public WebhookHook updateHook(long hookId, WebhookHookSpec spec) {
    requireNonNull(spec, "spec == null");
    Map<String, Object> body = scopeBody();
    body.put("hook", spec.toJson());
    return send("PATCH", HOOKS + "/" + hookId, Map.of(), body, WebhookHook.class);
  }

  /** Deletes hook {@code hookId} (and its triggers). */
  public void deleteHook(long hookId) {
    send("DELETE", HOOKS + "/" + hookId, scopeQuery(), null, Void.class);
  }

  /** The triggers of hook {@code hookId}. */
  public List<WebhookTrigger> triggers(long hookId) {
    return list(HOOKS + "/" + hookId + "/triggers", scopeQuery(), WebhookTrigger.class);
  }

  /**
   * Adds a trigger to hook {@code hookId}: {@code eventType} events of {@code resourceName} (e.g.
   * {@code "Projects"}, {@code "RFIs"}; Procore lists the names in its webhook resources), with
   * {@code api_version} {@value WebhookHookSpec#DEFAULT_API_VERSION}.
   *
   * @throws IllegalArgumentException for {@link WebhookEventType#UNKNOWN} or a blank name
   */
  public WebhookTrigger createTrigger(
      long hookId, String resourceName, WebhookEventType eventType) {
    return createTrigger(hookId, WebhookHookSpec.DEFAULT_API_VERSION, resourceName, eventType);
  }

  /** {@link #createTrigger(long, String, WebhookEventType)} with another {@code api_version}. */
  public WebhookTrigger createTrigger(
      long hookId, String apiVersion, String resourceName, WebhookEventType eventType) {
    requireNonNull(apiVersion, "apiVersion == null");
    requireNonNull(resourceName, "resourceName == null");
    requireNonNull(eventType, "eventType == null");
    if (resourceName.isBlank()) {
      throw new IllegalArgumentException("resourceName is blank");
    }
    if (eventType == WebhookEventType.UNKNOWN) {
      throw new IllegalArgumentException("a trigger needs create, update or delete");
    }
    Map<String, Object> trigger = new LinkedHashMap<>();
    trigger.put("resource_name", resourceName);
    trigger.put("event_type", eventType.wireValue());
    Map<String, Object> body = scopeBody();
    body.put("api_version", apiVersion);
    body.put("trigger", trigger);
    return send("POST", HOOKS + "/" + hookId + "/triggers", Map.of(), body, WebhookTrigger.class);
  }

  /** Deletes trigger {@code triggerId} of hook {@code hookId}. */
  public void deleteTrigger(long hookId, long triggerId) {
    send("DELETE", HOOKS + "/" + hookId + "/triggers/" + triggerId, scopeQuery(), null, Void.class);
  }

  /**
   * One page of hook {@code hookId}'s deliveries: {@code filters[status]}, {@code page_size} and
   * {@code page_start} ("the last id of the previous page"; null for the first page).
   */
  public List<WebhookDelivery> deliveries(
      long hookId, DeliveryStatus status, @Nullable Long pageStart, int pageSize) {
    requireNonNull(status, "status == null");
    if (pageSize < 1) {
      throw new IllegalArgumentException("pageSize < 1: " + pageSize);
    }
    Map<String, String> query = scopeQuery();
    query.put("filters[status]", status.parameter());
    query.put("page_size", Integer.toString(pageSize));
    if (pageStart != null) {
      query.put("page_start", Long.toString(pageStart));
    }
    return list(HOOKS + "/" + hookId + "/deliveries", query, WebhookDelivery.class);
  }

  /**
   * Every delivery of hook {@code hookId} with {@code status}, fetched lazily, {@value
   * #DEFAULT_PAGE_SIZE} a page, each page starting after the last delivery of the one before. The
   * walk ends at a short page or a delivery without an id.
   */
  public Stream<WebhookDelivery> deliveries(long hookId, DeliveryStatus status) {
    requireNonNull(status, "status == null");
    Iterator<WebhookDelivery> iterator =
        new Iterator<>() {
          private Iterator<WebhookDelivery> page = List.<WebhookDelivery>of().iterator();
          private @Nullable Long start;
          private boolean done;

          @Override
          public boolean hasNext() {
            while (!page.hasNext() && !done) {
              List<WebhookDelivery> next = deliveries(hookId, status, start, DEFAULT_PAGE_SIZE);
              Long last = next.isEmpty() ? null : next.get(next.size() - 1).id();
              done = next.size() < DEFAULT_PAGE_SIZE || last == null;
              start = last;
              page = next.iterator();
            }
            return page.hasNext();
          }

          @Override
          public WebhookDelivery next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return page.next();
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  private Map<String, String> scopeQuery() {
    Map<String, String> query = new LinkedHashMap<>();
    query.put(scope, Long.toString(scopeId));
    return query;
  }

  private Map<String, Object> scopeBody() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(scope, scopeId);
    return body;
  }

  private <T> List<T> list(String path, Map<String, String> query, Class<T> type) {
    JavaType listType = Json.MAPPER.getTypeFactory().constructCollectionType(List.class, type);
    List<T> raw =
        client.send(
            "GET", ApiVersion.V1_0, path, CompanyClient.entries(query), companyId, null, listType);
    List<T> items = new ArrayList<>(raw.size());
    for (T item : raw) {
      if (item != null) {
        items.add(item);
      }
    }
    return List.copyOf(items);
  }

  private <T> T send(
      String method, String path, Map<String, String> query, @Nullable Object body, Class<T> type) {
    return client.send(
        method, ApiVersion.V1_0, path, CompanyClient.entries(query), companyId, body, type);
  }

  @Override
  public String toString() {
    return "Webhooks[" + scope + "=" + scopeId + "]";
  }
}
