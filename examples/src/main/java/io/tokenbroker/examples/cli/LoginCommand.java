package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.LoopbackReceiver;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenClient;
import io.tokenbroker.oauth.TokenSet;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code login NAME}: obtains tokens for a named grant (client credentials, or an
 * authorization-code consent in the browser) and saves them with the settings needed to renew them
 * later ({@link Profile}).
 */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    usageHelpAutoWidth = true,
    description = {
      "Stores a named grant (client credentials, or a consent in the browser).",
      "",
      "The client secret comes from --client-secret-env, --client-secret-file or a no-echo"
          + " prompt, never from the command line. 'login NAME' alone consents again with the"
          + " saved settings. The authorization URL is printed alone on its own line on stderr.",
      ""
    })
final class LoginCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description = "The grant's name, e.g. acme/reporting.")
  String name;

  @Option(names = "--provider", paramLabel = "KIND", description = "generic, cor or procore.")
  @Nullable String provider;

  @Option(
      names = "--grant",
      paramLabel = "TYPE",
      description = "client-credentials or authorization-code (default).")
  @Nullable String grant;

  @Option(names = "--client-id", paramLabel = "ID", description = "The OAuth client id.")
  @Nullable String clientId;

  @Option(
      names = "--client-secret-env",
      paramLabel = "VAR",
      description = "Read the client secret from this environment variable.")
  @Nullable String clientSecretEnv;

  @Option(
      names = "--client-secret-file",
      paramLabel = "FILE",
      description = "Read the client secret from this file (trailing newline ignored).")
  @Nullable Path clientSecretFile;

  /** Refused on purpose; declared so that the value is never echoed in an error message. */
  @Option(names = "--client-secret", hidden = true, arity = "0..1", paramLabel = "IGNORED")
  @Nullable String clientSecretOnCommandLine;

  @Option(names = "--token-url", paramLabel = "URL", description = "generic: the token endpoint.")
  @Nullable String tokenUrl;

  @Option(
      names = "--authorize-url",
      paramLabel = "URL",
      description = "generic: the authorization endpoint.")
  @Nullable String authorizeUrl;

  @Option(
      names = "--revoke-url",
      paramLabel = "URL",
      description = "generic: the RFC 7009 revocation endpoint.")
  @Nullable String revokeUrl;

  @Option(
      names = "--auth-method",
      paramLabel = "METHOD",
      description = "generic: basic (default), post, or none (a public client without secret).")
  @Nullable String authMethod;

  @Option(
      names = "--subdomain",
      paramLabel = "NAME",
      description = "cor: the account's subdomain (NAME.cor.works).")
  @Nullable String subdomain;

  @Option(
      names = "--app-name",
      paramLabel = "NAME",
      description = "cor: the app's name (COR's consent parameter).")
  @Nullable String appName;

  @Option(
      names = "--consent-url",
      paramLabel = "URL",
      description = "cor: instead of https://SUBDOMAIN.cor.works.")
  @Nullable String consentUrl;

  @Option(
      names = "--environment",
      paramLabel = "ENV",
      description = "procore: production (default), sandbox or monthly-sandbox.")
  @Nullable String environment;

  @Option(
      names = "--login-url",
      paramLabel = "URL",
      description = "procore: a custom login (OAuth) host.")
  @Nullable String loginUrl;

  @Option(
      names = "--api-url",
      paramLabel = "URL",
      description = "cor, procore: a custom API base (procore: with --login-url).")
  @Nullable String apiUrl;

  @Option(names = "--scope", paramLabel = "SCOPE", description = "A scope to request; repeatable.")
  @Nullable List<String> scopes;

  @Option(
      names = "--redirect",
      paramLabel = "MODE",
      description =
          "loopback: redirect to http://127.0.0.1:PORT/callback on a random port; loopback:PORT"
              + " fixes the port; oob: paste the code the provider shows on standard input."
              + " Default: oob for procore, else loopback.")
  @Nullable String redirect;

  @Option(names = "--no-browser", description = "Do not open the browser; only print the URL.")
  boolean noBrowser;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      defaultValue = "5m",
      description = "How long to wait for the consent (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() {
    CliContext ctx = root.ctx;
    if (clientSecretOnCommandLine != null) {
      throw CliException.usage(
          "--client-secret is not accepted: a secret on the command line ends up in shell history"
              + " and process listings",
          "use --client-secret-env VAR, --client-secret-file FILE, or the prompt");
    }
    GrantKey key = Session.key(name);
    if (timeout.isZero()) {
      throw CliException.usage("--timeout must be positive", null);
    }
    // A new definition (--provider given) is checked in full before anything is created.
    Profile fresh = provider != null ? buildProfile(null, ctx) : null;
    try (Session session = Session.open(ctx, root, Session.KeysetMode.CREATE)) {
      Profile profile = fresh != null ? fresh : buildProfile(loadSaved(session), ctx);
      ClientRegistration registration = Providers.registration(profile);
      Provider p = registration.provider();
      session.broker.register(key, registration, profile.grantType());
      TokenSet tokens;
      if (profile.grantType() == GrantType.CLIENT_CREDENTIALS) {
        // Fetch before replacing anything: a failed login leaves an existing grant as it was.
        tokens = TokenClient.builder(registration).clock(ctx.clock).build().clientCredentials();
        session.broker.saveTokens(key, tokens);
      } else {
        tokens = consent(session, key, profile, p);
      }
      session.profiles.save(profile);
      session.awaitWrites();
      Duration left = Duration.between(ctx.clock.instant(), tokens.expiresAt());
      ctx.err.println(
          "Logged in '"
              + name
              + "' ("
              + profile.provider()
              + ", "
              + grantName(profile.grantType())
              + "): access token valid until "
              + tokens.expiresAt().truncatedTo(ChronoUnit.SECONDS)
              + " ("
              + Durations.format(left)
              + ")"
              + (tokens.refreshToken() != null ? ", refresh token stored" : "")
              + ". Use it: tokenbroker token "
              + quote(name));
      return ExitCodes.OK;
    }
  }

  private TokenSet consent(Session session, GrantKey key, Profile profile, Provider p) {
    CliContext ctx = session.ctx;
    String mode = profile.redirect();
    if (mode.equals("oob")) {
      AuthorizationRequest request =
          session.broker.authorizationRequest(key, TokenClient.OUT_OF_BAND);
      announce(ctx, request.uri());
      ctx.err.println(
          "After approving, paste the code the provider shows and press Enter"
              + " (waiting "
              + Durations.format(timeout)
              + "):");
      String code = readCode(ctx);
      return request.exchange(code);
    }
    int port = loopbackPort(mode);
    try (LoopbackReceiver receiver =
        LoopbackReceiver.builder().port(port).stateRequired(p.stateRequired()).start()) {
      AuthorizationRequest request =
          session.broker.authorizationRequest(key, receiver.redirectUri());
      announce(ctx, request.uri());
      ctx.err.println(
          "Waiting up to "
              + Durations.format(timeout)
              + " for the redirect to "
              + receiver.redirectUri()
              + " ...");
      URI callback = receiver.awaitCallback(request.state(), timeout);
      return request.complete(callback);
    }
  }

  private void announce(CliContext ctx, URI uri) {
    ctx.err.println("To authorize '" + name + "', open this URL in a browser:");
    ctx.err.println(uri);
    ctx.err.flush();
    if (!noBrowser && ctx.browser.open(uri)) {
      ctx.err.println("(opened in your browser)");
    }
  }

  private String readCode(CliContext ctx) {
    FutureTask<@Nullable String> read =
        new FutureTask<>(() -> new BufferedReader(new InputStreamReader(ctx.in, UTF_8)).readLine());
    Thread reader = new Thread(read, "tokenbroker-read-code");
    reader.setDaemon(true);
    reader.start();
    String line;
    try {
      line = read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reader.interrupt();
      throw new ConsentException(
          "no authorization code was entered within " + Durations.format(timeout),
          ConsentException.Kind.TIMEOUT,
          null,
          null);
    } catch (ExecutionException e) {
      throw new UncheckedIOException(
          "cannot read the authorization code from standard input",
          e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliException.failure("interrupted while waiting for the authorization code", null);
    }
    if (line == null || line.isBlank()) {
      throw new ConsentException(
          "no authorization code on standard input",
          ConsentException.Kind.INVALID_CALLBACK,
          null,
          null);
    }
    return line.strip();
  }

  static int loopbackPort(String mode) {
    if (mode.equals("loopback")) {
      return 0;
    }
    String port = mode.substring("loopback:".length());
    try {
      int p = Integer.parseInt(port);
      if (p < 1 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw CliException.usage("--redirect loopback:" + port + ": the port must be 1..65535", null);
    }
  }

  static String normalizeRedirect(String mode) {
    String m = mode.strip().toLowerCase(Locale.ROOT);
    if (m.equals("oob") || m.equals("loopback")) {
      return m;
    }
    if (m.startsWith("loopback:")) {
      loopbackPort(m);
      return m;
    }
    throw CliException.usage(
        "--redirect '" + mode + "' is not one of loopback, loopback:PORT, oob", null);
  }

  private Profile loadSaved(Session session) {
    return session
        .profiles
        .load(name)
        .orElseThrow(
            () ->
                CliException.usage(
                    "--provider is required: there are no saved settings for '" + name + "'",
                    "e.g. tokenbroker login "
                        + quote(name)
                        + " --provider generic --token-url URL"
                        + " --client-id ID --client-secret-env VAR"));
  }

  /**
   * The settings for this login: from the flags alone when {@code saved} is null (a new definition,
   * {@code --provider} given), otherwise the saved ones with the given flags on top.
   */
  private Profile buildProfile(@Nullable Profile saved, CliContext ctx) {
    String kind = saved == null ? provider.strip().toLowerCase(Locale.ROOT) : saved.provider();
    Map<String, String> settings = new LinkedHashMap<>(saved != null ? saved.settings() : Map.of());
    switch (kind) {
      case Providers.GENERIC -> {
        onlyFor(
            kind,
            "--subdomain",
            subdomain,
            "--app-name",
            appName,
            "--consent-url",
            consentUrl,
            "--environment",
            environment,
            "--login-url",
            loginUrl,
            "--api-url",
            apiUrl);
        put(settings, Providers.TOKEN_URL, tokenUrl);
        put(settings, Providers.AUTHORIZE_URL, authorizeUrl);
        put(settings, Providers.REVOKE_URL, revokeUrl);
        if (authMethod != null) {
          String method = authMethod.strip().toLowerCase(Locale.ROOT);
          Providers.authentication(method); // validates
          settings.put(Providers.AUTH_METHOD, method);
        }
        if (!settings.containsKey(Providers.TOKEN_URL)) {
          throw CliException.usage("--token-url is required with --provider generic", null);
        }
      }
      case Providers.COR -> {
        onlyFor(
            kind,
            "--token-url",
            tokenUrl,
            "--authorize-url",
            authorizeUrl,
            "--revoke-url",
            revokeUrl,
            "--auth-method",
            authMethod,
            "--environment",
            environment,
            "--login-url",
            loginUrl);
        put(settings, Providers.SUBDOMAIN, subdomain);
        put(settings, Providers.APP_NAME, appName);
        put(settings, Providers.API_URL, apiUrl);
        put(settings, Providers.CONSENT_URL, consentUrl);
      }
      case Providers.PROCORE -> {
        onlyFor(
            kind,
            "--token-url",
            tokenUrl,
            "--authorize-url",
            authorizeUrl,
            "--revoke-url",
            revokeUrl,
            "--auth-method",
            authMethod,
            "--subdomain",
            subdomain,
            "--app-name",
            appName,
            "--consent-url",
            consentUrl);
        put(settings, Providers.ENVIRONMENT, environment);
        put(settings, Providers.LOGIN_URL, loginUrl);
        put(settings, Providers.API_URL, apiUrl);
      }
      default ->
          throw CliException.usage(
              "--provider '" + kind + "' is not known", "use --provider generic, cor or procore");
    }
    GrantType type =
        grant != null
            ? grantType(grant)
            : saved != null ? saved.grantType() : GrantType.AUTHORIZATION_CODE;
    // Checks every setting before asking for a secret.
    Provider built = Providers.provider(kind, settings, type);
    if (type == GrantType.AUTHORIZATION_CODE && built.authorizationEndpoint().isEmpty()) {
      throw CliException.usage(
          "an authorization-code grant needs the provider's authorization endpoint",
          "pass --authorize-url, or --grant client-credentials");
    }
    String id;
    if (kind.equals(Providers.COR) && type == GrantType.AUTHORIZATION_CODE) {
      if (clientId != null) {
        throw CliException.usage(
            "COR's consent identifies the app by --app-name; --client-id is not used", null);
      }
      id = settings.get(Providers.APP_NAME); // COR's own choice of client id
    } else {
      id = clientId != null ? clientId.strip() : saved != null ? saved.clientId() : null;
    }
    if (id == null || id.isEmpty()) {
      throw CliException.usage(
          "--client-id is required" + (kind.equals(Providers.COR) ? " (COR: the API key)" : ""),
          null);
    }
    List<String> scopeList =
        scopes != null ? splitScopes(scopes) : saved != null ? saved.scopes() : List.of();
    String redirectMode =
        redirect != null
            ? normalizeRedirect(redirect)
            : saved != null
                ? saved.redirect()
                : kind.equals(Providers.PROCORE) ? "oob" : "loopback";
    ClientSecret secret;
    if (Providers.isPublicClient(kind, settings, type)) {
      if (clientSecretEnv != null || clientSecretFile != null) {
        throw CliException.usage(
            kind.equals(Providers.COR)
                ? "COR's consent flow uses no client secret"
                : "a public client (--auth-method none) has no client secret",
            null);
      }
      secret = null;
    } else {
      ClientSecret reusable =
          saved != null && saved.clientId().equals(id) ? saved.clientSecret() : null;
      secret = readSecret(ctx, id, reusable);
    }
    return new Profile(name, kind, settings, id, secret, scopeList, type, redirectMode);
  }

  /** Refuses flags of another provider kind, so a typo does not go unnoticed. */
  private static void onlyFor(String kind, @Nullable String... namesAndValues) {
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        throw CliException.usage(namesAndValues[i] + " does not apply to --provider " + kind, null);
      }
    }
  }

  private ClientSecret readSecret(CliContext ctx, String id, @Nullable ClientSecret reusable) {
    if (clientSecretEnv != null && clientSecretFile != null) {
      throw CliException.usage(
          "give either --client-secret-env or --client-secret-file, not both", null);
    }
    if (clientSecretEnv != null) {
      String value = ctx.env.get(clientSecretEnv);
      if (value == null || value.isEmpty()) {
        throw CliException.usage(
            "the environment variable "
                + clientSecretEnv
                + " (--client-secret-env) is not set or empty",
            "export it first, or use --client-secret-file FILE");
      }
      return ClientSecret.of(value);
    }
    if (clientSecretFile != null) {
      String value;
      try {
        value = Files.readString(clientSecretFile, UTF_8);
      } catch (NoSuchFileException e) {
        throw CliException.usage(
            "--client-secret-file " + clientSecretFile + " does not exist", null);
      } catch (IOException e) {
        throw CliException.usage(
            "cannot read --client-secret-file "
                + clientSecretFile
                + ": "
                + e.getClass().getSimpleName(),
            null);
      }
      value = value.replaceAll("[\\r\\n]+$", "");
      if (value.isEmpty()) {
        throw CliException.usage("--client-secret-file " + clientSecretFile + " is empty", null);
      }
      return ClientSecret.of(value);
    }
    if (reusable != null) {
      return reusable;
    }
    char[] typed = ctx.prompt.read("Client secret for " + id + " (not echoed): ");
    if (typed == null) {
      throw CliException.usage(
          "no client secret: there is no terminal to prompt on",
          "pass --client-secret-env VAR or --client-secret-file FILE (or --auth-method none for a"
              + " public client)");
    }
    try {
      String value = new String(typed).strip();
      if (value.isEmpty()) {
        throw CliException.usage("the client secret is empty", null);
      }
      return ClientSecret.of(value);
    } finally {
      Arrays.fill(typed, '\0');
    }
  }

  private static List<String> splitScopes(List<String> given) {
    List<String> out = new ArrayList<>();
    for (String s : given) {
      for (String part : s.trim().split("[\\s,]+")) {
        if (!part.isEmpty() && !out.contains(part)) {
          out.add(part);
        }
      }
    }
    return out;
  }

  private static void put(Map<String, String> settings, String key, @Nullable String value) {
    if (value != null) {
      settings.put(key, value.strip());
    }
  }

  static GrantType grantType(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "client-credentials", "client_credentials" -> GrantType.CLIENT_CREDENTIALS;
      case "authorization-code", "authorization_code" -> GrantType.AUTHORIZATION_CODE;
      default ->
          throw CliException.usage(
              "--grant '" + text + "' is not one of client-credentials, authorization-code", null);
    };
  }

  static String grantName(@Nullable GrantType type) {
    if (type == null) {
      return "?";
    }
    return type == GrantType.CLIENT_CREDENTIALS ? "client-credentials" : "authorization-code";
  }

  static String quote(String name) {
    return name.matches("[A-Za-z0-9_./@:+-]+") ? name : "'" + name.replace("'", "'\\''") + "'";
  }
}
