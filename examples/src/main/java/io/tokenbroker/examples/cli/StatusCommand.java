package io.tokenbroker.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.UnknownGrantException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code status [NAME] [--json]}: what is stored, never a secret. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the stored grants; never a token or secret.",
      "",
      "Provider, grant type, expiry, refresh token held, re-authorization required; the"
          + " client authentication, DPoP binding, resources and audience below the table (for"
          + " every grant with NAME, otherwise for grants beyond a plain secret). With NAME, exits"
          + " 3 if that grant needs re-authorization and 1 if it is unknown or cannot be opened."
    })
final class StatusCommand implements Callable<Integer> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  @ParentCommand RootCommand root;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Only this grant.")
  @Nullable String name;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  /** One line of the listing. */
  record Row(
      String name,
      @Nullable String provider,
      @Nullable String grantType,
      @Nullable String clientId,
      List<String> scopes,
      @Nullable Instant expiresAt,
      boolean refreshToken,
      boolean reauthorizationRequired,
      boolean cliProfile,
      String state,
      @Nullable String clientAuthentication,
      boolean dpop,
      List<String> resources,
      List<String> audience) {

    /** Whether the grant is more than a plain secret-authenticated bearer grant. */
    boolean hasDetails() {
      return dpop
          || !resources.isEmpty()
          || !audience.isEmpty()
          || (clientAuthentication != null
              && !List.of("basic", "post", "none").contains(clientAuthentication));
    }
  }

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    try (Session session = Session.open(ctx, root, Session.KeysetMode.OPTIONAL)) {
      List<Row> rows = new ArrayList<>();
      if (name != null) {
        GrantKey key = Session.key(name);
        Row row = row(session, key);
        if (row == null) {
          throw new UnknownGrantException(key);
        }
        rows.add(row);
      } else {
        // Page through both stores: one read per page, not one per grant.
        Map<GrantKey, GrantStatus> statuses = new TreeMap<>();
        for (GrantStatus status : session.broker.grants()) {
          statuses.put(status.key(), status);
        }
        Map<String, ProfileStore.Loaded> profiles = session.profiles.loadAll();
        TreeSet<GrantKey> keys = new TreeSet<>(statuses.keySet());
        for (String profile : profiles.keySet()) {
          keys.add(GrantKey.of(profile));
        }
        for (GrantKey key : keys) {
          ProfileStore.Loaded loaded = profiles.get(key.value());
          Row row =
              row(
                  session,
                  key,
                  statuses.get(key),
                  loaded != null,
                  loaded == null || loaded.profile() != null,
                  loaded == null ? null : loaded.profile());
          if (row != null) {
            rows.add(row);
          }
        }
      }
      if (json) {
        printJson(session, rows);
      } else {
        printTable(session, rows);
      }
      if (name != null) {
        Row only = rows.get(0);
        if (only.state().equals("unreadable")) {
          return ExitCodes.FAILURE;
        }
        if (only.reauthorizationRequired()) {
          return ExitCodes.REAUTHORIZE;
        }
      }
      return ExitCodes.OK;
    }
  }

  private @Nullable Row row(Session session, GrantKey key) {
    Profile profile = null;
    boolean profileStored;
    boolean profileReadable = true;
    try {
      Optional<Profile> p = session.profiles.load(key.value());
      profileStored = p.isPresent();
      profile = p.orElse(null);
    } catch (TokenStoreException e) {
      if (e.isTransient()) {
        throw e;
      }
      profileStored = true;
      profileReadable = false;
    }
    GrantStatus status;
    try {
      status = session.broker.status(key);
    } catch (UnknownGrantException e) {
      status = null;
    }
    return row(session, key, status, profileStored, profileReadable, profile);
  }

  private static @Nullable Row row(
      Session session,
      GrantKey key,
      @Nullable GrantStatus status,
      boolean profileStored,
      boolean profileReadable,
      @Nullable Profile profile) {
    if (status == null && !profileStored) {
      return null;
    }
    boolean readable = profileReadable && (status == null || status.provider() != null);
    String state;
    if (!readable) {
      state = "unreadable";
    } else if (status == null) {
      state = "no-tokens";
    } else if (status.reauthorizationRequired()) {
      state = "reauthorization-required";
    } else if (status.expiresAt() != null
        && !status.expiresAt().isAfter(session.ctx.clock.instant())) {
      state = "expired";
    } else {
      state = "valid";
    }
    // The broker's name is the more precise one (procore-sandbox rather than procore).
    String provider =
        status != null && status.provider() != null
            ? status.provider()
            : profile != null ? profile.provider() : null;
    String authentication =
        status != null && status.clientAuthentication() != null
            ? Providers.authMethodName(status.clientAuthentication())
            : profile != null && profile.provider().equals(Providers.GENERIC)
                ? Providers.authMethod(profile.settings(), profile.grantType())
                : null;
    boolean dpop =
        (status != null && status.dpopBound())
            || (profile != null && Boolean.parseBoolean(profile.settings().get(Providers.DPOP)));
    List<String> resources =
        status != null && !status.resources().isEmpty()
            ? status.resources()
            : profile == null
                ? List.of()
                : profile.parameters().getOrDefault("resource", List.of());
    List<String> audience =
        status != null && !status.audience().isEmpty()
            ? status.audience()
            : profile == null
                ? List.of()
                : profile.parameters().getOrDefault("audience", List.of());
    return new Row(
        key.value(),
        provider,
        status != null && status.grantType() != null
            ? LoginCommand.grantName(status.grantType())
            : profile != null ? LoginCommand.grantName(profile.grantType()) : null,
        profile == null ? null : profile.clientId(),
        profile == null ? List.of() : profile.scopes(),
        status == null ? null : status.expiresAt(),
        status != null && status.refreshTokenPresent(),
        status != null && status.reauthorizationRequired(),
        profile != null,
        state,
        authentication,
        dpop,
        resources,
        audience);
  }

  private void printTable(Session session, List<Row> rows) {
    CliContext ctx = session.ctx;
    if (rows.isEmpty()) {
      ctx.out.println("No grants in " + session.describeStore() + ".");
      return;
    }
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"NAME", "PROVIDER", "GRANT", "EXPIRES", "REFRESH TOKEN", "STATE"});
    Instant now = ctx.clock.instant();
    for (Row r : rows) {
      String expires =
          r.expiresAt() == null
              ? "-"
              : TIME.format(r.expiresAt()) + " (" + relative(now, r.expiresAt()) + ")";
      lines.add(
          new String[] {
            r.name(),
            r.provider() == null ? "?" : r.provider(),
            r.grantType() == null ? "?" : r.grantType(),
            expires,
            r.state().equals("unreadable") ? "?" : r.refreshToken() ? "yes" : "no",
            r.state()
                + (r.cliProfile() || r.state().equals("unreadable") ? "" : " (no CLI settings)")
          });
    }
    int[] widths = new int[6];
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    for (String[] line : lines) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < line.length; i++) {
        sb.append(line[i]);
        if (i < line.length - 1) {
          sb.append(" ".repeat(widths[i] - line[i].length() + 2));
        }
      }
      ctx.out.println(sb.toString().stripTrailing());
    }
    List<Row> detailed =
        rows.stream()
            .filter(r -> (name != null || r.hasDetails()) && !r.state().equals("unreadable"))
            .toList();
    if (!detailed.isEmpty()) {
      ctx.out.println();
      for (Row r : detailed) {
        ctx.out.println(
            r.name()
                + ": client authentication "
                + (r.clientAuthentication() == null ? "?" : r.clientAuthentication())
                + "; DPoP "
                + (r.dpop() ? "bound" : "no")
                + "; resource "
                + (r.resources().isEmpty() ? "-" : String.join(" ", r.resources()))
                + "; audience "
                + (r.audience().isEmpty() ? "-" : String.join(" ", r.audience())));
      }
    }
    long unreadable = rows.stream().filter(r -> r.state().equals("unreadable")).count();
    if (unreadable > 0) {
      ctx.out.println();
      ctx.out.println(
          unreadable
              + " grant(s) cannot be opened with the keyset "
              + session.keysetPath
              + (session.keysetFound ? "" : " (which does not exist)")
              + ": pass the keyset they were stored with (--keyset or TOKENBROKER_KEYSET).");
    }
  }

  private void printJson(Session session, List<Row> rows) {
    Instant now = session.ctx.clock.instant();
    List<Map<String, Object>> grants = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("name", r.name());
      g.put("provider", r.provider());
      g.put("grantType", r.grantType());
      g.put("clientId", r.clientId());
      g.put("scopes", r.scopes());
      g.put("expiresAt", r.expiresAt() == null ? null : r.expiresAt().toString());
      g.put(
          "expiresInSeconds",
          r.expiresAt() == null ? null : Duration.between(now, r.expiresAt()).toSeconds());
      g.put("refreshToken", r.refreshToken());
      g.put("reauthorizationRequired", r.reauthorizationRequired());
      g.put("cliProfile", r.cliProfile());
      g.put("state", r.state());
      g.put("clientAuthentication", r.clientAuthentication());
      g.put("dpop", r.dpop());
      g.put("resources", r.resources());
      g.put("audience", r.audience());
      grants.add(g);
    }
    Object document;
    if (name != null) {
      document = grants.get(0);
    } else {
      Map<String, Object> all = new LinkedHashMap<>();
      all.put("store", session.describeStore());
      all.put("keyset", session.keysetPath.toString());
      all.put("grants", grants);
      document = all;
    }
    try {
      session.ctx.out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(document));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String relative(Instant now, Instant then) {
    Duration d = Duration.between(now, then);
    return d.isNegative() ? Durations.format(d.negated()) + " ago" : "in " + Durations.format(d);
  }
}
