package io.tokenbroker.testkit.cor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenbroker.testkit.RecordedRequest;
import io.tokenbroker.testkit.Reply;
import io.tokenbroker.testkit.cor.CorResources.Rejected;
import io.tokenbroker.testkit.cor.CorSeed.Collection;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * COR's writes over the sandbox's rows, with the validations COR's OpenAPI implies: {@code POST
 * /tasks}, {@code PUT}/{@code DELETE /tasks/{id}} ({@code TaskInput}, {@code TaskUpdateInput}),
 * {@code POST /projects}, {@code PUT}/{@code DELETE /projects/{id}} ({@code ProjectInput}, {@code
 * ProjectPutUpdateBody}), {@code POST /clients}, {@code PUT /clients/{id}} ({@code ClientInput}, a
 * form) and {@code POST /hours/status-change}. Input errors get COR's 417 validation array; a body
 * in the wrong encoding gets 400 {@code CORCustomError F010}. Called under {@link CorResources}'s
 * lock.
 */
final class CorWrites {
  /** The fields of COR's {@code Client} (and {@code ClientInput}). */
  static final Set<String> CLIENT_FIELDS =
      Set.of(
          "name",
          "business_name",
          "name_contact",
          "last_name_contact",
          "email_contact",
          "website",
          "description",
          "condition",
          "phone");

  private static final Set<String> TASK_STATUSES =
      Set.of("nueva", "en_proceso", "estancada", "finalizada");
  private static final Set<String> PROJECT_STATUSES =
      Set.of("active", "finished", "suspended", "in_process");
  private static final Set<String> INCOME_TYPES =
      Set.of("fee", "one_time", "hourly_rate", "contract");
  private static final Set<String> STATUS_CHANGE =
      Set.of("pending", "approved", "discarded", "under_review", "invoiced", "paid");

  private final Clock clock;
  private final Map<Collection, List<ObjectNode>> rows;

  CorWrites(Clock clock, Map<Collection, List<ObjectNode>> rows) {
    this.clock = clock;
    this.rows = rows;
  }

  Reply create(RecordedRequest request, Collection collection) throws Rejected {
    return switch (collection) {
      case TASKS -> saveTask(request, null);
      case PROJECTS -> saveProject(request, null);
      case CLIENTS -> saveClient(request, null);
      default -> throw new IllegalArgumentException(collection.name());
    };
  }

  Reply update(RecordedRequest request, Collection collection, String idText) throws Rejected {
    ObjectNode row = find(collection, CorResources.parseId(idText));
    if (row == null) {
      return CorErrors.errorResponse(404, "NF404", "Undefined " + singular(collection));
    }
    return switch (collection) {
      case TASKS -> saveTask(request, row);
      case PROJECTS -> saveProject(request, row);
      case CLIENTS -> saveClient(request, row);
      default -> throw new IllegalArgumentException(collection.name());
    };
  }

  Reply delete(Collection collection, String idText) {
    ObjectNode row = find(collection, CorResources.parseId(idText));
    if (row == null) {
      return CorErrors.errorResponse(404, "NF404", "Undefined " + singular(collection));
    }
    CorSeed.rowsOf(rows, collection).remove(row);
    return Reply.status(204);
  }

  /** {@code POST /hours/status-change}: {@code {status, counters:[hour ids]}}. */
  Reply changeHourStatus(RecordedRequest request, long userId) throws Rejected {
    ObjectNode body = jsonBody(request);
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    String status = body.path("status").asText("");
    if (status.isEmpty()) {
      errors.add(CorErrors.validationItem("status", "required"));
    } else if (!STATUS_CHANGE.contains(status)) {
      errors.add(CorErrors.validationItem("status", "in"));
    }
    JsonNode counters = body.get("counters");
    Set<ObjectNode> hours = new HashSet<>();
    if (counters == null || !counters.isArray() || counters.isEmpty()) {
      errors.add(CorErrors.validationItem("counters", "required"));
    } else {
      for (JsonNode id : counters) {
        ObjectNode hour = id.isIntegralNumber() ? find(Collection.HOURS, id.asLong()) : null;
        if (hour == null) {
          errors.add(CorErrors.validationItem("counters", "exists"));
          break;
        }
        hours.add(hour);
      }
    }
    if (!errors.isEmpty()) {
      return CorErrors.validation(errors);
    }
    String now = CorSeed.COR_TIME.format(LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
    for (ObjectNode hour : hours) {
      hour.put("status", status);
      hour.put("status_changed_by", userId);
      hour.put("status_changed_at", now);
    }
    return Reply.json(200, CorSeed.JSON.createObjectNode());
  }

  // ---------------------------------------------------------------- tasks

  private Reply saveTask(RecordedRequest request, @Nullable ObjectNode existing) throws Rejected {
    ObjectNode body = jsonBody(request);
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    String title = text(body, "title");
    if (title == null || title.isBlank()) {
      errors.add(CorErrors.validationItem("title", "required"));
    }
    ObjectNode project = null;
    if (body.hasNonNull("project_id")) {
      JsonNode id = body.get("project_id");
      project = id.isIntegralNumber() ? find(Collection.PROJECTS, id.asLong()) : null;
      if (project == null) {
        errors.add(CorErrors.validationItem("project_id", "exists"));
      }
    }
    String status = text(body, "status");
    if (status != null && !TASK_STATUSES.contains(status)) {
      errors.add(CorErrors.validationItem("status", "in"));
    }
    JsonNode priority = body.get("priority");
    if (priority != null
        && !priority.isNull()
        && !(priority.isIntegralNumber() && priority.asInt() >= 0 && priority.asInt() <= 3)) {
      errors.add(CorErrors.validationItem("priority", "in"));
    }
    String deadline = text(body, "deadline");
    if (deadline != null && !isDateTime(deadline)) {
      errors.add(CorErrors.validationItem("deadline", "date"));
    }
    JsonNode archived = body.get("archived");
    if (archived != null && !archived.isNull() && !archived.isBoolean()) {
      errors.add(CorErrors.validationItem("archived", "boolean"));
    }
    if (!errors.isEmpty()) {
      return CorErrors.validation(errors);
    }
    ObjectNode task = existing;
    if (task == null) {
      task = CorSeed.JSON.createObjectNode();
      task.put("id", nextId(Collection.TASKS));
      task.putNull("project_id");
      task.put("description", "");
      task.putNull("deadline");
      task.put("status", "nueva");
      task.put("priority", 0);
      task.put("archived", false);
      task.put("_client_id", 0);
      task.put("_pm_id", 0);
      CorSeed.rowsOf(rows, Collection.TASKS).add(task);
    }
    task.put("title", title);
    if (project != null) {
      task.put("project_id", project.get("id").asLong());
      task.put("_client_id", project.path("client_id").asLong());
      task.put("_pm_id", project.path("pm_id").asLong());
    }
    copyText(body, task, "description");
    copyText(body, task, "deadline");
    copyText(body, task, "status");
    if (priority != null && !priority.isNull()) {
      task.put("priority", priority.asInt());
    }
    if (archived != null && !archived.isNull()) {
      task.put("archived", archived.asBoolean());
    }
    return Reply.json(200, CorResources.publicView(task));
  }

  // ---------------------------------------------------------------- projects

  private Reply saveProject(RecordedRequest request, @Nullable ObjectNode existing)
      throws Rejected {
    // COR's OpenAPI takes JSON for both and also a form for the update.
    ObjectNode body = existing != null && isForm(request) ? formBody(request) : jsonBody(request);
    boolean creating = existing == null;
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    String name = text(body, "name");
    if ((creating || body.has("name")) && (name == null || name.isBlank())) {
      errors.add(CorErrors.validationItem("name", "required"));
    }
    ObjectNode client = null;
    if (creating && !body.hasNonNull("client_id")) {
      errors.add(CorErrors.validationItem("client_id", "required"));
    } else if (body.hasNonNull("client_id")) {
      Long id = integer(body.get("client_id"));
      client = id == null ? null : find(Collection.CLIENTS, id);
      if (client == null) {
        errors.add(CorErrors.validationItem("client_id", "exists"));
      }
    }
    ObjectNode pm = null;
    if (body.hasNonNull("pm_id")) {
      Long id = integer(body.get("pm_id"));
      pm = id == null ? null : find(Collection.USERS, id);
      if (pm == null) {
        errors.add(CorErrors.validationItem("pm_id", "exists"));
      }
    }
    for (String field : List.of("start", "end")) {
      String date = text(body, field);
      if (date != null && !isDate(date)) {
        errors.add(CorErrors.validationItem(field, "date"));
      }
    }
    for (String field : List.of("template_id", "brand_id", "product_id", "fee_id", "contract_id")) {
      if (body.hasNonNull(field) && integer(body.get(field)) == null) {
        errors.add(CorErrors.validationItem(field, "integer"));
      }
    }
    String status = text(body, "status");
    if (status != null && !PROJECT_STATUSES.contains(status)) {
      errors.add(CorErrors.validationItem("status", "in"));
    }
    String incomeType = text(body, "income_type");
    if (incomeType != null && !INCOME_TYPES.contains(incomeType)) {
      errors.add(CorErrors.validationItem("income_type", "in"));
    }
    JsonNode labels = body.get("labels");
    if (labels != null && !labels.isNull() && (!labels.isArray() || labels.size() > 50)) {
      errors.add(CorErrors.validationItem("labels", "array"));
    }
    if (!errors.isEmpty()) {
      return CorErrors.validation(errors);
    }
    ObjectNode project = existing;
    if (project == null) {
      project = CorSeed.JSON.createObjectNode();
      project.put("id", nextId(Collection.PROJECTS));
      project.put("brief", "");
      project.put("health", 1);
      project.put("status", "active");
      project.putNull("start");
      project.putNull("end");
      project.put("estimated_time", 0);
      project.put("elapsed_time", 0);
      project.put("profitability_now", 0);
      project.put("estimated_profitability", 0);
      project.put("archived", false);
      project.put("billable", true);
      project.put("income_type", "fee");
      project.put("created_at", now());
      project.putArray("labels");
      project.put("_team_id", 1);
      CorSeed.rowsOf(rows, Collection.PROJECTS).add(project);
    }
    copyText(body, project, "name");
    copyText(body, project, "brief");
    copyText(body, project, "status");
    copyText(body, project, "income_type");
    for (String field : List.of("start", "end")) {
      String date = text(body, field);
      if (date != null) {
        project.put(field, date + " 00:00:00");
      }
    }
    for (String field : List.of("template_id", "brand_id", "product_id", "fee_id", "contract_id")) {
      if (body.hasNonNull(field)) {
        project.put(field, integer(body.get(field)));
      }
    }
    if (body.hasNonNull("estimated_time")) {
      project.put("estimated_time", body.get("estimated_time").asDouble());
    }
    for (String field : List.of("billable", "archived")) {
      if (body.hasNonNull(field)) {
        project.put(field, body.get(field).asBoolean());
      }
    }
    if (labels != null && labels.isArray()) {
      project.set("labels", labels.deepCopy());
    }
    if (client != null) {
      project.put("client_id", client.get("id").asLong());
      project
          .putObject("client")
          .put("id", client.get("id").asLong())
          .put("name", client.path("name").asText())
          .put("client_status_id", 1);
    }
    if (pm != null) {
      project.put("pm_id", pm.get("id").asLong());
      project
          .putObject("pm")
          .put("id", pm.get("id").asLong())
          .put("first_name", pm.path("first_name").asText())
          .put("last_name", pm.path("last_name").asText())
          .put("email", pm.path("email").asText())
          .put("role_id", pm.path("role_id").asInt());
    }
    project.put("updated_at", now());
    return Reply.json(200, CorResources.publicView(project));
  }

  // ---------------------------------------------------------------- clients

  private Reply saveClient(RecordedRequest request, @Nullable ObjectNode existing) throws Rejected {
    if (!isForm(request)) {
      // COR's OpenAPI has POST /clients and PUT /clients/{id} take a form, not JSON.
      throw new Rejected(
          CorErrors.customError(400, "F010", "Expected an application/x-www-form-urlencoded body"));
    }
    ObjectNode body = formBody(request);
    ArrayNode errors = CorSeed.JSON.createArrayNode();
    String name = text(body, "name");
    if (name == null || name.isBlank()) {
      errors.add(CorErrors.validationItem("name", "required"));
    }
    String email = text(body, "email_contact");
    if (email != null && !email.isEmpty() && !email.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      errors.add(CorErrors.validationItem("email_contact", "email"));
    }
    if (!errors.isEmpty()) {
      return CorErrors.validation(errors);
    }
    ObjectNode client = existing;
    if (client == null) {
      client = CorSeed.JSON.createObjectNode();
      client.put("id", nextId(Collection.CLIENTS));
      for (String field : CLIENT_FIELDS) {
        client.putNull(field);
      }
      CorSeed.rowsOf(rows, Collection.CLIENTS).add(client);
    }
    for (String field : CLIENT_FIELDS) {
      copyText(body, client, field);
    }
    return Reply.json(200, CorResources.publicView(client));
  }

  // ---------------------------------------------------------------- helpers

  private static boolean isForm(RecordedRequest request) {
    return request.bodyEncoding() == RecordedRequest.BodyEncoding.FORM;
  }

  private static ObjectNode jsonBody(RecordedRequest request) throws Rejected {
    if (request.bodyEncoding() != RecordedRequest.BodyEncoding.JSON) {
      throw new Rejected(CorErrors.customError(400, "F010", "Expected a JSON body"));
    }
    try {
      JsonNode node = CorSeed.JSON.readTree(request.body());
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (IOException e) {
      // answered below
    }
    throw new Rejected(CorErrors.customError(400, "F010", "Malformed JSON"));
  }

  private static ObjectNode formBody(RecordedRequest request) {
    ObjectNode body = CorSeed.JSON.createObjectNode();
    request.bodyParameters().forEach(body::put);
    return body;
  }

  private static @Nullable String text(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }

  private static void copyText(ObjectNode from, ObjectNode to, String field) {
    String value = text(from, field);
    if (value != null) {
      to.put(field, value);
    }
  }

  /** A JSON integer, or a form's string of digits. */
  private static @Nullable Long integer(JsonNode node) {
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isTextual() && node.asText().matches("\\d{1,18}")) {
      return Long.parseLong(node.asText());
    }
    return null;
  }

  private static boolean isDate(String text) {
    try {
      LocalDate.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean isDateTime(String text) {
    try {
      OffsetDateTime.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return CorResources.dateTime(text, ZoneOffset.UTC) != null;
    }
  }

  private String now() {
    return CorSeed.COR_TIME.format(LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
  }

  private long nextId(Collection collection) {
    long max = 0;
    for (ObjectNode row : CorSeed.rowsOf(rows, collection)) {
      max = Math.max(max, row.get("id").asLong());
    }
    return max + 1;
  }

  private @Nullable ObjectNode find(Collection collection, long id) {
    for (ObjectNode row : CorSeed.rowsOf(rows, collection)) {
      if (row.get("id").asLong() == id) {
        return row;
      }
    }
    return null;
  }

  private static String singular(Collection collection) {
    String what = collection.name().toLowerCase(Locale.ROOT);
    return what.substring(0, what.length() - 1);
  }
}
