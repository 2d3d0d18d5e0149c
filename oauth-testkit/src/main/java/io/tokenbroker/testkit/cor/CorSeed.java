package io.tokenbroker.testkit.cor;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The data a {@link CorSandbox} serves: users, clients, projects, tasks and time entries with the
 * field names, types and enum values of COR's documentation (Spanish task statuses, {@code role_id}
 * 1–6, {@code "YYYY-MM-DD HH:MM:SS"} timestamps, {@code duration} as a string, ISO task deadlines).
 * The documented example rows (John Doe, "Website Redesign", tasks 10001/10002, clients 2001/2002)
 * come first; the rest is generated deterministically, so every sandbox built from the same seed
 * serves the same rows.
 *
 * <p>Fields whose names start with {@code _} are the sandbox's own bookkeeping (e.g. a project's
 * {@code _team_id}); they drive filters and are never served.
 *
 * <p>Immutable and thread-safe; {@link #with} returns a new seed.
 */
public final class CorSeed {
  /** The user that tokens act as unless a login names another: John Doe of the documentation. */
  public static final long ME_USER_ID = 12345;

  /** The collections a seed holds. */
  public enum Collection {
    USERS,
    CLIENTS,
    PROJECTS,
    TASKS,
    HOURS
  }

  static final ObjectMapper JSON = new ObjectMapper();
  static final DateTimeFormatter COR_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private static final DateTimeFormatter ISO_UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT);
  private static final String[] TASK_STATUSES = {"nueva", "en_proceso", "estancada", "finalizada"};
  private static final String[] HOUR_STATUSES = {"pending", "approved", "rejected", "paid"};
  private static final String[] INCOME_TYPES = {"fee", "one_time", "hourly_rate", "contract"};

  private final Map<Collection, List<ObjectNode>> rows;

  private CorSeed(Map<Collection, List<ObjectNode>> rows) {
    EnumMap<Collection, List<ObjectNode>> copy = new EnumMap<>(Collection.class);
    for (Collection c : Collection.values()) {
      List<ObjectNode> list = new ArrayList<>();
      for (ObjectNode row : rows.getOrDefault(c, List.of())) {
        list.add(row.deepCopy());
      }
      copy.put(c, List.copyOf(list));
    }
    this.rows = copy;
  }

  /**
   * The default data: 8 users (one per role, one hidden), 45 clients, 14 projects, 125 tasks and 60
   * time entries.
   */
  public static CorSeed standard() {
    return builder().build();
  }

  /** Only the {@link #ME_USER_ID} user; add rows with {@link #with}. */
  public static CorSeed empty() {
    Map<Collection, List<ObjectNode>> rows =
        builder().clients(0).projects(0).tasks(0).hours(0).build().rows;
    EnumMap<Collection, List<ObjectNode>> copy = new EnumMap<>(rows);
    copy.put(
        Collection.USERS,
        rowsOf(rows, Collection.USERS).stream()
            .filter(u -> u.get("id").asLong() == ME_USER_ID)
            .toList());
    return new CorSeed(copy);
  }

  /** Generated data with chosen sizes. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a seed with one more row in {@code collection}, given as a JSON object with a numeric
   * {@code id} (a row with the same id is replaced). Other fields are served as given.
   *
   * @throws IllegalArgumentException if {@code json} is not a JSON object with a numeric id
   */
  public CorSeed with(Collection collection, String json) {
    requireNonNull(collection, "collection == null");
    requireNonNull(json, "json == null");
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("row is not valid JSON", e);
    }
    if (node == null || !node.isObject() || !node.path("id").canConvertToLong()) {
      throw new IllegalArgumentException("row must be a JSON object with a numeric id");
    }
    EnumMap<Collection, List<ObjectNode>> copy = new EnumMap<>(rows);
    List<ObjectNode> list = new ArrayList<>(copy.get(collection));
    long id = node.get("id").asLong();
    list.removeIf(row -> row.get("id").asLong() == id);
    list.add((ObjectNode) node);
    copy.put(collection, list);
    return new CorSeed(copy);
  }

  /** How many rows {@code collection} holds. */
  public int count(Collection collection) {
    return rowsOf(rows, requireNonNull(collection, "collection == null")).size();
  }

  /** The rows of {@code collection}: every collection has a list, empty or not. */
  static List<ObjectNode> rowsOf(Map<Collection, List<ObjectNode>> rows, Collection collection) {
    return requireNonNull(rows.get(collection), collection::toString);
  }

  /** Deep copies of the rows, for a sandbox to own. */
  Map<Collection, List<ObjectNode>> copyRows() {
    EnumMap<Collection, List<ObjectNode>> copy = new EnumMap<>(Collection.class);
    rows.forEach(
        (c, list) -> {
          List<ObjectNode> l = new ArrayList<>();
          list.forEach(row -> l.add(row.deepCopy()));
          copy.put(c, l);
        });
    return copy;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("CorSeed[");
    for (Collection c : Collection.values()) {
      sb.append(c.name().toLowerCase(Locale.ROOT)).append('=').append(count(c));
      sb.append(c == Collection.HOURS ? "]" : ", ");
    }
    return sb.toString();
  }

  /** Sizes of generated data. Defaults: 45 clients, 14 projects, 125 tasks, 60 hours. */
  public static final class Builder {
    private int clients = 45;
    private int projects = 14;
    private int tasks = 125;
    private int hours = 60;

    private Builder() {}

    /** Number of clients (the two documented examples first). */
    public Builder clients(int count) {
      this.clients = nonNegative(count, "clients");
      return this;
    }

    /** Number of projects (the documented "Website Redesign" and project 5001 first). */
    public Builder projects(int count) {
      this.projects = nonNegative(count, "projects");
      return this;
    }

    /** Number of tasks (the documented tasks 10001 and 10002 first); needs a project. */
    public Builder tasks(int count) {
      this.tasks = nonNegative(count, "tasks");
      return this;
    }

    /** Number of time entries; needs a task. */
    public Builder hours(int count) {
      this.hours = nonNegative(count, "hours");
      return this;
    }

    /**
     * Builds the seed.
     *
     * @throws IllegalStateException if tasks are asked for without projects, or hours without tasks
     */
    public CorSeed build() {
      if (tasks > 0 && projects == 0) {
        throw new IllegalStateException("tasks need at least one project");
      }
      if (hours > 0 && tasks == 0) {
        throw new IllegalStateException("hours need at least one task");
      }
      if (projects > 0 && clients == 0) {
        throw new IllegalStateException("projects need at least one client");
      }
      EnumMap<Collection, List<ObjectNode>> rows = new EnumMap<>(Collection.class);
      List<ObjectNode> users = CorSeed.users();
      List<ObjectNode> clientRows = CorSeed.clients(clients);
      List<ObjectNode> projectRows = CorSeed.projects(projects, clientRows);
      List<ObjectNode> taskRows = CorSeed.tasks(tasks, projectRows);
      rows.put(Collection.USERS, users);
      rows.put(Collection.CLIENTS, clientRows);
      rows.put(Collection.PROJECTS, projectRows);
      rows.put(Collection.TASKS, taskRows);
      rows.put(Collection.HOURS, CorSeed.hours(hours, taskRows, projectRows, users));
      return new CorSeed(rows);
    }

    private static int nonNegative(int count, String what) {
      if (count < 0) {
        throw new IllegalArgumentException(what + " < 0: " + count);
      }
      return count;
    }
  }

  // ------------------------------------------------------------------ generators

  private static List<ObjectNode> users() {
    List<ObjectNode> out = new ArrayList<>();
    out.add(user(ME_USER_ID, "John", "Doe", "john.doe@company.com", 3, 5, 8, 6.5, false, null));
    out.add(user(8546, "John", "Doe", "john@company.com", 3, 5, 8, 8, false, "20-12345678-9"));
    out.add(user(1001, "Carla", "Gómez", "carla.gomez@company.com", 1, 1, 8, 2, false, null));
    out.add(user(1002, "Diego", "Pérez", "diego.perez@company.com", 2, 2, 8, 4, false, null));
    out.add(
        user(1003, "Lucía", "Fernández", "lucia.fernandez@company.com", 4, 7, 6, 1.5, false, null));
    out.add(
        user(1004, "Martín", "López", "martin.lopez@freelance.example", 5, 9, 4, 4, false, null));
    out.add(user(1005, "Sofía", "Díaz", "sofia.diaz@acme.example", 6, 11, 0, 0, false, null));
    out.add(user(1006, "Bot", "Importador", "bot@company.com", 4, 7, 8, 8, true, null));
    return out;
  }

  private static ObjectNode user(
      long id,
      String first,
      String last,
      String email,
      int role,
      int position,
      double dailyHours,
      double remaining,
      boolean hidden,
      @Nullable String cuil) {
    ObjectNode u = JSON.createObjectNode();
    u.put("id", id);
    u.put("first_name", first);
    u.put("last_name", last);
    u.put("picture", "https://cdn.projectcor.com/avatars/" + id + ".jpg");
    u.put("email", email);
    if (cuil == null) {
      u.putNull("cuil");
    } else {
      u.put("cuil", cuil);
    }
    putNumber(u, "remaining_hours", remaining);
    u.put("user_position_id", position);
    u.put("role_id", role);
    putNumber(u, "daily_hours", dailyHours);
    boolean capacity = id % 2 == 0;
    u.put("plan_id", capacity ? 5 : 4);
    u.put("plan_name", capacity ? "Capacity Planning" : "Project Management");
    u.put("hidden", hidden);
    if (role == 6) {
      u.putNull("position_name");
      u.putNull("category_id");
      u.putNull("category_name");
    } else {
      u.put(
          "position_name",
          new String[] {"", "CEO", "Director", "Project Manager", "Developer", "Designer", "Client"}
              [role]);
      u.put("category_id", 30 + role);
      u.put("category_name", role <= 2 ? "Management" : "Delivery");
    }
    u.put("gmt", "-03:00");
    u.putArray("leaves");
    ArrayNode labels = u.putArray("labels");
    if (id == 1003) {
      labels
          .addObject()
          .put("id", 7)
          .put("hex", "#4caf50")
          .putNull("hsl")
          .put("rgb", "rgb(76,175,80)")
          .put("lang", "es")
          .put("name", "Frontend")
          .put("color_id", 3);
    }
    u.put("_created_at", "2024-06-0" + (1 + id % 9) + " 10:00:00");
    return u;
  }

  private static void putNumber(ObjectNode node, String field, double value) {
    if (value == Math.rint(value)) {
      node.put(field, (long) value);
    } else {
      node.put(field, value);
    }
  }

  private static List<ObjectNode> clients(int count) {
    List<ObjectNode> out = new ArrayList<>();
    if (count >= 1) {
      out.add(
          client(
              2001,
              "Acme Corp",
              "Acme Corporation LLC",
              "Jane",
              "Smith",
              "jane.smith@acme.com",
              "+1 555-0100",
              "https://acme.com",
              "Enterprise software solutions",
              "active"));
    }
    if (count >= 2) {
      out.add(
          client(
              2002,
              "TechStart Inc",
              "TechStart Incorporated",
              "Mike",
              "Johnson",
              "mike@techstart.io",
              "+1 555-0200",
              "https://techstart.io",
              "Startup accelerator",
              "active"));
    }
    if (count >= 3) {
      out.add(
          client(
              25855,
              "Acme Corp LatAm",
              "Acme Corporation S.A.",
              "Ana",
              "Ruiz",
              "ana.ruiz@acme.com",
              "+54 11 5555-0100",
              "https://acme.com/latam",
              "Regional office",
              "active"));
    }
    for (int i = out.size(); i < count; i++) {
      long id = 2000L + i;
      out.add(
          client(
              id,
              "Client " + id,
              "Client " + id + " S.R.L.",
              "Contact" + i,
              "Person" + i,
              "contact" + i + "@client" + id + ".example",
              "+54 11 4000-" + (1000 + i),
              "https://client" + id + ".example",
              "Generated client " + id,
              i % 7 == 0 ? "inactive" : "active"));
    }
    return out;
  }

  private static ObjectNode client(
      long id,
      String name,
      String business,
      String first,
      String last,
      String email,
      String phone,
      String website,
      String description,
      String condition) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("name", name)
        .put("business_name", business)
        .put("name_contact", first)
        .put("last_name_contact", last)
        .put("email_contact", email)
        .put("phone", phone)
        .put("website", website)
        .put("description", description)
        .put("condition", condition);
  }

  private static List<ObjectNode> projects(int count, List<ObjectNode> clients) {
    List<ObjectNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long id = i == 0 ? 155693 : i == 1 ? 5001 : 155692 + i;
      ObjectNode client =
          i == 0 && clients.size() >= 3 ? clients.get(2) : clients.get(i % clients.size());
      boolean docPm = i % 2 == 0;
      String status = i % 5 == 3 ? "finished" : i % 7 == 4 ? "suspended" : "active";
      LocalDate start = LocalDate.of(2025, 1, 15).plusDays(20L * i);
      ObjectNode p = JSON.createObjectNode();
      p.put("id", id);
      p.put("name", i == 0 ? "Website Redesign" : i == 1 ? "Homepage Revamp" : "Project " + id);
      p.put("brief", i == 0 ? "Complete website overhaul for Q1" : "Brief of project " + id);
      p.put("client_id", client.get("id").asLong());
      p.put("health", 1 + i % 4);
      p.put("status", status);
      p.put("start", COR_TIME.format(start.atStartOfDay()));
      p.put("end", COR_TIME.format(start.plusDays(75).atStartOfDay()));
      p.put("estimated_time", 200 + 10 * i);
      p.put("elapsed_time", 45 + 3 * i);
      p.put("profitability_now", i == 0 ? 85 : 60.5 + i);
      p.put("estimated_profitability", 100);
      p.put("archived", i % 6 == 5);
      p.put("billable", i % 4 != 2);
      p.put("income_type", INCOME_TYPES[i % INCOME_TYPES.length]);
      p.put("pm_id", docPm ? 8546 : ME_USER_ID);
      p.put("created_by", ME_USER_ID);
      p.put("company_id", 77);
      p.put("template_id", 3);
      p.put("brand_id", 1 + i % 3);
      p.put("product_id", 10 + i % 3);
      p.put("total_estimated", 15000 + 500 * i);
      p.put(
          "created_at",
          i == 0 ? "2025-01-10 14:30:00" : COR_TIME.format(start.atTime(9, 0).minusDays(5)));
      p.put("updated_at", COR_TIME.format(start.atTime(18, 15)));
      p.putArray("labels").add(7).add(10 + i % 2);
      p.putObject("client")
          .put("id", client.get("id").asLong())
          .put("name", client.get("name").asText())
          .put("client_status_id", 1);
      ObjectNode pm = p.putObject("pm");
      pm.put("id", docPm ? 8546 : ME_USER_ID)
          .put("first_name", "John")
          .put("last_name", "Doe")
          .put("email", docPm ? "john@company.com" : "john.doe@company.com")
          .put("role_id", 3);
      p.put("estimated_by_position", i % 3 == 0);
      // Documented as bool|int and bool|str: serve both forms.
      if (i % 2 == 0) {
        p.put("estimation_by_categories", false);
        p.put("estimated_by_hourly_rates", false);
      } else {
        p.put("estimation_by_categories", i % 4 == 1 ? 1 : 0);
        p.put("estimated_by_hourly_rates", "1");
      }
      p.putNull("user_positions_header_id");
      if (i % 4 == 0) {
        p.put("fee_id", 900 + i);
      } else {
        p.putNull("fee_id");
      }
      p.putNull("contract_id");
      p.put("_team_id", 1 + i % 3);
      out.add(p);
    }
    return out;
  }

  private static List<ObjectNode> tasks(int count, List<ObjectNode> projects) {
    List<ObjectNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long id = 10001L + i;
      ObjectNode project =
          i < 2 && projects.size() > 1 ? projects.get(1) : projects.get(i % projects.size());
      ObjectNode t = JSON.createObjectNode();
      t.put("id", id);
      if (i == 0) {
        t.put("title", "Design homepage mockup");
        t.put("project_id", project.get("id").asLong());
        t.put("description", "Create wireframes and high-fidelity mockups for the new homepage");
        t.put("status", "finalizada");
        t.put("priority", 2);
        t.put("deadline", "2024-01-15T18:00:00Z");
      } else if (i == 1) {
        t.put("title", "Implement responsive navigation");
        t.put("project_id", project.get("id").asLong());
        t.put("description", "Build mobile-first navigation component with hamburger menu");
        t.put("status", "en_proceso");
        t.put("priority", 1);
        t.put("deadline", "2024-01-22T18:00:00Z");
      } else {
        t.put("title", "Task " + id);
        t.put("project_id", project.get("id").asLong());
        t.put("description", "Generated task " + id);
        t.put("status", TASK_STATUSES[i % TASK_STATUSES.length]);
        t.put("priority", (i / 2) % 4);
        t.put("deadline", ISO_UTC.format(LocalDateTime.of(2024, 2, 1, 18, 0).plusDays(i % 40)));
      }
      t.put("archived", i % 10 == 9);
      t.put("_client_id", project.get("client_id").asLong());
      t.put("_pm_id", project.get("pm_id").asLong());
      out.add(t);
    }
    return out;
  }

  private static List<ObjectNode> hours(
      int count, List<ObjectNode> tasks, List<ObjectNode> projects, List<ObjectNode> users) {
    List<ObjectNode> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ObjectNode task = tasks.get(i % tasks.size());
      long projectId = task.get("project_id").asLong();
      ObjectNode project =
          projects.stream()
              .filter(p -> p.get("id").asLong() == projectId)
              .findFirst()
              .orElseThrow();
      long userId = users.get(i % 5).get("id").asLong();
      LocalDateTime start =
          LocalDateTime.of(2024, 1, 8, 9, 0).plusDays(i / 3).plusHours(i % 3 * 3L);
      int quarters = 2 + i % 9; // 0.5 h .. 2.5 h
      LocalDateTime stop = start.plusMinutes(15L * quarters);
      String status = HOUR_STATUSES[i % HOUR_STATUSES.length];
      ObjectNode h = JSON.createObjectNode();
      h.put("id", 40001 + i);
      h.put("start", COR_TIME.format(start));
      h.put("stop", COR_TIME.format(stop));
      h.put("duration", duration(quarters * 0.25));
      h.put("cost", quarters * 12.5);
      h.put("user_id", userId);
      h.put("task_log_id", task.get("id").asLong());
      h.put("project_id", projectId);
      h.put("client_id", project.get("client_id").asLong());
      h.put("created_at", COR_TIME.format(stop.plusMinutes(1)));
      h.put("status", status);
      if (status.equals("pending")) {
        h.putNull("status_changed_by");
        h.putNull("status_changed_at");
      } else {
        h.put("status_changed_by", ME_USER_ID);
        h.put("status_changed_at", COR_TIME.format(stop.plusDays(1)));
      }
      h.put("type", "TASK");
      h.putNull("task_log_rework_id");
      if (i % 5 == 0) {
        h.put("comments", "Worked on " + task.get("title").asText());
      } else {
        h.putNull("comments");
      }
      h.put("_team_id", project.get("_team_id").asLong());
      out.add(h);
    }
    return out;
  }

  /** COR's duration format: hours with 16 decimals, e.g. {@code "2.0000000000000000"}. */
  static String duration(double hours) {
    return String.format(Locale.ROOT, "%.16f", hours);
  }
}
