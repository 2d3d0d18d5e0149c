package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenbroker.cor.CorClient;
import io.tokenbroker.cor.Hour;
import io.tokenbroker.cor.Task;
import io.tokenbroker.cor.User;
import io.tokenbroker.examples.SandboxUser;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantStatus;
import io.tokenbroker.procore.Company;
import io.tokenbroker.procore.Me;
import io.tokenbroker.procore.Page;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.procore.ProcoreApiException;
import io.tokenbroker.procore.ProcoreClient;
import io.tokenbroker.procore.Project;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The offline demo's story. The CLI runs in-process against a temporary home (exactly as {@code
 * tokenbroker} would), the API calls go through the library embedded (a broker over the same
 * store), and both sandboxes run on loopback. Secrets are random per run and never printed.
 */
final class Demo {
  private static final int STEPS = 7;
  private static final String INDENT = "      ";

  private final CliContext outer;
  private final PrintStream out;
  private final Path dir;
  private final Duration procoreLifetime;
  private final Map<String, String> env = new HashMap<>();
  private final List<String[]> summary = new ArrayList<>();
  private int step;

  Demo(CliContext outer, Path dir, Duration procoreLifetime) {
    this.outer = outer;
    this.out = outer.out;
    this.dir = dir;
    this.procoreLifetime = procoreLifetime;
  }

  void run() throws Exception {
    String corSecret = randomSecret();
    String procoreSecret = randomSecret();
    env.put("TOKENBROKER_HOME", dir.toString());
    env.put("DEMO_COR_SECRET", corSecret);
    env.put("DEMO_PROCORE_SECRET", procoreSecret);

    out.println("tokenbroker demo: OAuth 2.0 tokens for COR and Procore, fully offline.");
    out.println(
        "Both vendors run as sandboxes on 127.0.0.1; the grants live in a temporary directory.");
    try (CorSandbox cor = CorSandbox.builder().rotation(CorSandbox.Rotation.STRICT).start();
        ProcoreSandbox procore =
            ProcoreSandbox.builder()
                .environment("sandbox")
                .accessTokenLifetime(procoreLifetime)
                .start()) {
      cor.registerApiKey("demo-api-key", corSecret).registerApp("Demo App");
      procore.registerClient("demo-app", procoreSecret);

      step("Start the sandboxes");
      say("COR      API " + cor.apiBaseUri() + ", consent pages " + cor.consentBaseUri());
      say(
          "Procore  login "
              + procore.loginUrl()
              + ", API "
              + procore.apiUrl()
              + " (tokens live "
              + Durations.format(procoreLifetime)
              + " here, 5400s at Procore)");
      say(
          "Store    "
              + dir.resolve("grants")
              + ", sealed with the keyset "
              + dir.resolve("keyset.json"));
      row("sandboxes", "COR and Procore on 127.0.0.1, no network needed");

      corClientCredentials(cor);
      try (Session session =
          Session.open(
              context(InputStream.nullInputStream()),
              new RootCommand(outer),
              Session.KeysetMode.EXISTING)) {
        corApi(cor, session);
        procoreConsent(procore);
        ProcoreClient client = procoreApi(session);
        refresh(procore, session, client);
      }
      store(cor, procore, corSecret, procoreSecret);
    }
    printSummary();
  }

  // ---------------------------------------------------------------------------------- the steps

  private void corClientCredentials(CorSandbox cor) throws Exception {
    step("COR: client credentials, with the CLI");
    cli(
        "login",
        "cor/acme",
        "--provider",
        "cor",
        "--grant",
        "client-credentials",
        "--api-url",
        cor.apiBaseUri().toString(),
        "--client-id",
        "demo-api-key",
        "--client-secret-env",
        "DEMO_COR_SECRET");
    say(
        "On the wire: POST /v1/oauth/token?grant_type=client_credentials with raw Basic"
            + " credentials,");
    say(
        "as COR documents it. The secret came from an environment variable and is stored"
            + " encrypted.");
    String token = cli("token", "cor/acme").strip();
    say(
        "'tokenbroker token cor/acme' printed the "
            + token.length()
            + "-character access token on stdout (not shown); scripts use it as a bearer token.");
    row("COR client credentials", "1 token request; the grant is stored as 'cor/acme'");
  }

  private void corApi(CorSandbox cor, Session session) {
    step("COR: projects across pages and a time entry, with the library");
    Profile profile = session.requireProfile("cor/acme");
    GrantKey key = session.register(profile);
    CorClient api = Providers.cor(profile.settings()).client(session.broker, key);
    say("CorClient api = cor.client(broker, GrantKey.of(\"cor/acme\"));");
    User me = api.me();
    say(
        "api.me()                    -> "
            + me.firstName()
            + " "
            + me.lastName()
            + " (user "
            + me.id()
            + ")");
    int before = cor.requestCount("GET", "/v1/projects");
    List<io.tokenbroker.cor.Project> projects = api.projects().perPage(5).toList();
    int pages = cor.requestCount("GET", "/v1/projects") - before;
    say(
        "api.projects().perPage(5)   -> "
            + projects.size()
            + " projects over "
            + pages
            + " pages: "
            + names(projects.stream().map(io.tokenbroker.cor.Project::name)));
    Task task = api.tasks().perPage(1).page(1).data().get(0);
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
    Hour hour = api.logHours(task.id(), start, start.plus(Duration.ofMinutes(150)));
    say(
        "api.logHours(task "
            + task.id()
            + ", 2h30m) -> time entry "
            + hour.id()
            + ", status "
            + hour.status());
    row(
        "COR API",
        projects.size() + " projects over " + pages + " pages; 2h30m logged as entry " + hour.id());
  }

  private void procoreConsent(ProcoreSandbox procore) throws Exception {
    step("Procore: out-of-band consent, with the CLI");
    String[] args = {
      "login",
      "procore/ops",
      "--provider",
      "procore",
      "--environment",
      "sandbox",
      "--login-url",
      procore.loginUrl().toString(),
      "--api-url",
      procore.apiUrl().toString(),
      "--client-id",
      "demo-app",
      "--client-secret-env",
      "DEMO_PROCORE_SECRET",
      "--redirect",
      "oob",
      "--no-browser"
    };
    PipedOutputStream typing = new PipedOutputStream();
    LineWatcher err = new LineWatcher();
    LineWatcher stdout = new LineWatcher();
    CliContext ctx = context(new PipedInputStream(typing), stdout, err);
    prompt(args);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(() -> TokenBrokerCli.run(ctx, args));
    String url = err.awaitLine(l -> l.startsWith("http"), Duration.ofSeconds(60));
    say(
        "The CLI printed the authorization URL alone on a line of stderr. The demo plays the"
            + " user:");
    say("it opens the URL, Procore's page shows a code, and the demo pastes it on stdin.");
    String code = SandboxUser.outOfBandCode(URI.create(url));
    typing.write((code + "\n").getBytes(UTF_8));
    typing.close();
    int status = exit.get(60, TimeUnit.SECONDS);
    echo(err.text());
    check(status, err.text());
    row(
        "Procore consent (out of band)",
        "code pasted, exchanged once; tokens stored as 'procore/ops'");
  }

  private ProcoreClient procoreApi(Session session) {
    step("Procore: companies and projects, with the library");
    Profile profile = session.requireProfile("procore/ops");
    GrantKey key = session.register(profile);
    Procore environment = Providers.procore(profile.settings());
    ProcoreClient client =
        ProcoreClient.builder(environment, session.broker, key).defaultPerPage(20).build();
    say(
        "ProcoreClient client = ProcoreClient.builder(procore, broker,"
            + " key).defaultPerPage(20).build();");
    Me me = client.me();
    say("client.me()                 -> " + me.name() + " (" + me.login() + ")");
    List<Company> companies = client.companies().toList();
    say(
        "client.companies()          -> "
            + companies.size()
            + ": "
            + names(companies.stream().map(Company::name)));
    int listed = 0;
    for (Company company : companies) {
      try {
        Iterator<Page<Project>> pages = client.company(company.id()).projects().pages();
        int count = 0;
        int pageCount = 0;
        List<String> first = new ArrayList<>();
        while (pages.hasNext()) {
          Page<Project> p = pages.next();
          pageCount++;
          count += p.items().size();
          p.items().stream()
              .limit(Math.max(0, 4 - first.size()))
              .forEach(pr -> first.add(pr.name()));
        }
        listed += count;
        say(
            "client.company("
                + company.id()
                + ").projects() -> "
                + count
                + " projects over "
                + pageCount
                + (pageCount == 1 ? " page" : " pages")
                + " (Procore-Company-Id: "
                + company.id()
                + "): "
                + names(first.stream()));
      } catch (ProcoreApiException e) {
        if (!e.isAppNotConnected()) {
          throw e;
        }
        say(
            "client.company("
                + company.id()
                + ").projects() -> 403 \"App is not connected to this"
                + " company\" (ProcoreApiException.isAppNotConnected())");
      }
    }
    row(
        "Procore API",
        companies.size() + " companies, " + listed + " projects, company header on every call");
    return client;
  }

  private void refresh(ProcoreSandbox procore, Session session, ProcoreClient client)
      throws Exception {
    step("A refresh, as it happens in a long-running application");
    GrantKey key = Session.key("procore/ops");
    GrantStatus status = session.broker.status(key);
    Instant expires = requireNonNull(status.expiresAt(), "the grant has no token");
    String oldRefresh = procore.issuedRefreshTokens().get(procore.issuedRefreshTokens().size() - 1);
    int refreshesBefore = procore.tokenRequestCount("refresh_token");
    // The broker refreshes ahead of expiry: here half the token's lifetime before it.
    Instant window = expires.minus(procoreLifetime.dividedBy(2)).plusMillis(300);
    Duration wait = Duration.between(Instant.now(), window);
    say("The access token expires at " + expires + ". The broker renews tokens ahead of expiry");
    say(
        "(5 minutes by default, at most half the lifetime); waiting "
            + Durations.format(
                wait.isNegative()
                    ? Duration.ZERO
                    : wait.plusSeconds(1).truncatedTo(ChronoUnit.SECONDS))
            + " for that window...");
    if (!wait.isNegative()) {
      Thread.sleep(wait.toMillis());
    }
    client.companies().toList();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (procore.tokenRequestCount("refresh_token") == refreshesBefore
        || session.listener.refreshes.get() == 0) {
      if (System.nanoTime() > deadline) {
        throw CliException.failure("no refresh happened within 30 s", null);
      }
      Thread.sleep(20);
    }
    say(
        "client.companies() got its answer with the still-valid token while the broker refreshed"
            + " in");
    say("the background: one refresh request, the new tokens sealed and stored before use.");
    say(
        "Procore's refresh tokens are single-use: the old one is now "
            + (procore.isRefreshTokenUsable(oldRefresh) ? "still usable" : "burned")
            + "; the store holds the new one.");
    int afterBroker = procore.tokenRequestCount("refresh_token");
    cli("token", "procore/ops", "--min-valid", "1s");
    int extra = procore.tokenRequestCount("refresh_token") - afterBroker;
    say(
        "'tokenbroker token' (its own broker, as in another process) found the refreshed token in"
            + " the");
    say("store: " + extra + " more refresh" + (extra == 1 ? "" : "es") + ".");
    row(
        "refresh",
        (afterBroker - refreshesBefore)
            + " refresh for the whole process; old refresh token "
            + (procore.isRefreshTokenUsable(oldRefresh) ? "still usable" : "burned")
            + ", new one stored first");
  }

  private void store(CorSandbox cor, ProcoreSandbox procore, String... clientSecrets)
      throws Exception {
    step("The store, as 'tokenbroker status' sees it");
    String table = cli("status");
    for (String line : table.split("\\R")) {
      say("| " + line);
    }
    List<String> secrets = new ArrayList<>(List.of(clientSecrets));
    secrets.addAll(cor.issuedAccessTokens());
    secrets.addAll(cor.issuedRefreshTokens());
    secrets.addAll(procore.issuedAccessTokens());
    secrets.addAll(procore.issuedRefreshTokens());
    int files = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        files++;
        String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        for (String secret : secrets) {
          if (content.contains(secret)) {
            throw CliException.failure(file + " holds a secret in plaintext", null);
          }
        }
      }
    }
    say(
        "Searched the "
            + files
            + " files of "
            + dir
            + " for the "
            + secrets.size()
            + " tokens and secrets of this run: none appears in plaintext.");
    row(
        "store",
        "2 grants + their CLI settings, AES256-GCM; no plaintext secret in " + files + " files");
  }

  // -------------------------------------------------------------------------------- the telling

  private void printSummary() {
    out.println();
    out.println("Summary");
    int width = "Step".length();
    for (String[] r : summary) {
      width = Math.max(width, r[0].length());
    }
    String rule = "  " + "-".repeat(width) + "-+-" + "-".repeat(60);
    out.println("  " + pad("Step", width) + " | What happened");
    out.println(rule);
    for (String[] r : summary) {
      out.println("  " + pad(r[0], width) + " | " + r[1]);
    }
    out.println();
    out.println("Done. Next: 'tokenbroker login --help' to store a grant of your own.");
  }

  private void step(String title) {
    step++;
    out.println();
    out.println("[" + step + "/" + STEPS + "] " + title);
  }

  private void say(String line) {
    out.println(INDENT + line);
  }

  private void row(String what, String result) {
    summary.add(new String[] {step + ". " + what, result});
  }

  private void prompt(String... args) {
    StringBuilder line = new StringBuilder("$ tokenbroker");
    for (String a : args) {
      line.append(' ').append(LoginCommand.quote(a));
    }
    say(line.toString());
  }

  private void echo(String stderr) {
    for (String line : stderr.split("\\R")) {
      if (!line.isBlank()) {
        say("| " + line);
      }
    }
  }

  /** Runs a CLI command in-process, prints it and its stderr; returns its stdout. */
  private String cli(String... args) {
    LineWatcher stdout = new LineWatcher();
    LineWatcher err = new LineWatcher();
    prompt(args);
    int status =
        TokenBrokerCli.run(context(new ByteArrayInputStream(new byte[0]), stdout, err), args);
    echo(err.text());
    check(status, err.text());
    return stdout.text();
  }

  private static void check(int status, String stderr) {
    if (status != ExitCodes.OK) {
      String[] lines = stderr.strip().split("\\R");
      throw new CliException(
          status, "the demo stopped: " + lines[Math.max(0, lines.length - 1)], null);
    }
  }

  private CliContext context(InputStream in) {
    return context(in, new LineWatcher(), new LineWatcher());
  }

  private CliContext context(InputStream in, LineWatcher stdout, LineWatcher stderr) {
    return new CliContext(
        in,
        new PrintStream(stdout, true, UTF_8),
        new PrintStream(stderr, true, UTF_8),
        env,
        dir,
        outer.clock,
        p -> null,
        uri -> false);
  }

  private static String names(Stream<String> names) {
    List<String> list = names.limit(4).map(n -> "\"" + n + "\"").toList();
    return String.join(", ", list.subList(0, Math.min(3, list.size())))
        + (list.size() > 3 ? ", ..." : "");
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String randomSecret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
