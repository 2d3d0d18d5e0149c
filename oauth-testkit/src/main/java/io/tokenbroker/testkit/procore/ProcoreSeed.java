package io.tokenbroker.testkit.procore;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The user, companies and projects a {@link ProcoreSandbox} serves. Every ID of the {@link
 * #defaults() default data} is above 2<sup>31</sup>, as Procore's IDs can be, so that a client
 * storing IDs in an {@code int} fails visibly.
 *
 * <p>Immutable and thread-safe.
 */
public final class ProcoreSeed {
  /** The user who consents in the default data. */
  public static final long USER_ID = 3_000_000_001L;

  /** A company where the app is installed; it has {@value #COMPANY_PROJECTS} active projects. */
  public static final long COMPANY_ID = 5_000_000_001L;

  /** A second company where the app is installed, with two projects. */
  public static final long SECOND_COMPANY_ID = 5_000_000_002L;

  /**
   * A free company (listed only with {@code include_free_companies=true}); the app is installed.
   */
  public static final long FREE_COMPANY_ID = 5_000_000_003L;

  /** A company the user belongs to but where the app is not installed: 403 on every call. */
  public static final long UNINSTALLED_COMPANY_ID = 5_000_000_004L;

  /** How many active, readable projects {@link #COMPANY_ID} has in the default data. */
  public static final int COMPANY_PROJECTS = 45;

  /** The ID of the first project of {@link #COMPANY_ID}; the others follow consecutively. */
  public static final long FIRST_PROJECT_ID = 6_000_000_001L;

  /** An inactive project of {@link #COMPANY_ID} (listed with {@code filters[by_status]}). */
  public static final long INACTIVE_PROJECT_ID = 6_000_000_901L;

  /** A project of {@link #COMPANY_ID} the user may not read: 404, and absent from lists. */
  public static final long UNREADABLE_PROJECT_ID = 6_000_000_999L;

  /** The project of {@link #SECOND_COMPANY_ID} with the lowest ID. */
  public static final long SECOND_COMPANY_PROJECT_ID = 6_100_000_001L;

  /** A Procore user, as {@code /rest/v1.0/me} shows it. */
  public record User(long id, String login, String name) {
    public User {
      requireNonNull(login, "login == null");
      requireNonNull(name, "name == null");
    }
  }

  /**
   * A company.
   *
   * @param free free companies are left out of {@code /companies} unless {@code
   *     include_free_companies=true}
   * @param appInstalled whether the app is installed (connected); if not, calls for the company
   *     answer 403 "App is not connected to this company"
   */
  public record Company(long id, String name, boolean active, boolean free, boolean appInstalled) {
    public Company {
      requireNonNull(name, "name == null");
    }
  }

  /**
   * A project.
   *
   * @param readable whether the user may read it; unreadable projects answer 404 and are not
   *     listed, as Procore does
   */
  public record Project(
      long id, long companyId, String name, boolean active, boolean readable, Instant createdAt) {
    public Project {
      requireNonNull(name, "name == null");
      requireNonNull(createdAt, "createdAt == null");
    }
  }

  private final User user;
  private final Map<Long, Company> companies;
  private final Map<Long, Project> projects;

  private ProcoreSeed(Builder b) {
    this.user = b.user;
    this.companies = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.companies));
    this.projects = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.projects));
  }

  /** The default data described by the constants of this class. */
  public static ProcoreSeed defaults() {
    Instant created = Instant.parse("2024-03-01T12:00:00Z");
    Builder b =
        builder()
            .user(new User(USER_ID, "joe.builder@example.com", "Joe Builder"))
            .company(new Company(COMPANY_ID, "Sandbox Construction Co", true, false, true))
            .company(new Company(SECOND_COMPANY_ID, "Second Street Builders", true, false, true))
            .company(new Company(FREE_COMPANY_ID, "Free Tier Contractors", true, true, true))
            .company(new Company(UNINSTALLED_COMPANY_ID, "Not Installed Inc", true, false, false));
    for (int i = 0; i < COMPANY_PROJECTS; i++) {
      b.project(
          new Project(
              FIRST_PROJECT_ID + i,
              COMPANY_ID,
              "Project " + (i + 1),
              true,
              true,
              created.plusSeconds(86_400L * i)));
    }
    b.project(
        new Project(INACTIVE_PROJECT_ID, COMPANY_ID, "Finished Warehouse", false, true, created));
    b.project(new Project(UNREADABLE_PROJECT_ID, COMPANY_ID, "Secret Annex", true, false, created));
    b.project(
        new Project(
            SECOND_COMPANY_PROJECT_ID, SECOND_COMPANY_ID, "Harbor Bridge", true, true, created));
    b.project(
        new Project(
            SECOND_COMPANY_PROJECT_ID + 1, SECOND_COMPANY_ID, "Depot", true, true, created));
    b.project(new Project(6_200_000_001L, FREE_COMPANY_ID, "Garden Shed", true, true, created));
    b.project(
        new Project(6_300_000_001L, UNINSTALLED_COMPANY_ID, "Hidden Tower", true, true, created));
    return b.build();
  }

  /** Starts empty data; a {@link Builder#user user} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The user who consents on {@code /oauth/authorize}. */
  public User user() {
    return user;
  }

  /** All companies, in insertion order. */
  public List<Company> companies() {
    return List.copyOf(companies.values());
  }

  public Optional<Company> company(long id) {
    return Optional.ofNullable(companies.get(id));
  }

  /** All projects, in insertion order. */
  public List<Project> projects() {
    return List.copyOf(projects.values());
  }

  /** The projects of one company, in insertion order. */
  public List<Project> projects(long companyId) {
    List<Project> out = new ArrayList<>();
    for (Project p : projects.values()) {
      if (p.companyId() == companyId) {
        out.add(p);
      }
    }
    return out;
  }

  public Optional<Project> project(long id) {
    return Optional.ofNullable(projects.get(id));
  }

  @Override
  public String toString() {
    return "ProcoreSeed[" + companies.size() + " companies, " + projects.size() + " projects]";
  }

  /** Builds {@link ProcoreSeed}. Not thread-safe. */
  public static final class Builder {
    private User user = new User(USER_ID, "joe.builder@example.com", "Joe Builder");
    private final Map<Long, Company> companies = new LinkedHashMap<>();
    private final Map<Long, Project> projects = new LinkedHashMap<>();

    private Builder() {}

    /** The consenting user; default {@link #USER_ID} "Joe Builder". */
    public Builder user(User user) {
      this.user = requireNonNull(user, "user == null");
      return this;
    }

    /** Adds (or replaces) a company. */
    public Builder company(Company company) {
      companies.put(requireNonNull(company, "company == null").id(), company);
      return this;
    }

    /**
     * Adds (or replaces) a project.
     *
     * @throws IllegalArgumentException if its company was not added first
     */
    public Builder project(Project project) {
      requireNonNull(project, "project == null");
      if (!companies.containsKey(project.companyId())) {
        throw new IllegalArgumentException(
            "project " + project.id() + " belongs to unknown company " + project.companyId());
      }
      projects.put(project.id(), project);
      return this;
    }

    /** Adds {@code count} active, readable projects to a company, with IDs from {@code firstId}. */
    public Builder projects(long companyId, long firstId, int count) {
      Instant created = Instant.parse("2024-03-01T12:00:00Z");
      for (int i = 0; i < count; i++) {
        project(
            new Project(firstId + i, companyId, "Project " + (firstId + i), true, true, created));
      }
      return this;
    }

    public ProcoreSeed build() {
      return new ProcoreSeed(this);
    }
  }
}
