package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.tokenbroker.oauth.AuthorizationRequest;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientKey;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.ConsentException;
import io.tokenbroker.oauth.DeviceAuthorization;
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
      "Stores a named grant (client credentials, JWT bearer, or a consent in the browser or on"
          + " another device).",
      "",
      "The client secret comes from --client-secret-env, --client-secret-file or a no-echo"
          + " prompt, never from the command line; a private key from --private-key FILE. 'login"
          + " NAME' alone consents again with the saved settings. The authorization (or device"
          + " verification) URL is printed alone on its own line on stderr.",
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
      description =
          "client-credentials, authorization-code (default), device-code (RFC 8628: approve on"
              + " another device) or jwt-bearer (RFC 7523, with --private-key and --subject).")
  @Nullable String grant;

  @Option(
      names = "--issuer",
      paramLabel = "URL",
      description =
          "generic: the issuer; endpoints come from its metadata (RFC 8414, OpenID discovery)."
              + " --token-url, --authorize-url and --revoke-url override them.")
  @Nullable String issuer;

  @Option(
      names = "--private-key",
      paramLabel = "FILE",
      description =
          "generic: the client's private key (PEM PKCS#8, or a JWK/JWK set) for --auth-method"
              + " private-key-jwt and --grant jwt-bearer; kept encrypted with the grant.")
  @Nullable Path privateKey;

  @Option(
      names = "--key-id",
      paramLabel = "KID",
      description = "generic: the key id (kid) of --private-key; picks the key of a JWK set.")
  @Nullable String keyId;

  @Option(
      names = "--signing-alg",
      paramLabel = "ALG",
      description = "generic: RS256 (default for RSA keys), PS256 or ES256 (EC P-256 keys).")
  @Nullable String signingAlg;

  @Option(
      names = "--subject",
      paramLabel = "SUB",
      description = "generic: the sub of the --grant jwt-bearer assertion.")
  @Nullable String subject;

  @Option(
      names = "--resource",
      paramLabel = "URI",
      description = "generic: an RFC 8707 resource to request; repeatable.")
  @Nullable List<String> resources;

  @Option(
      names = "--audience",
      paramLabel = "VALUE",
      description = "generic: the audience to request (Auth0, Kinde, ...).")
  @Nullable String audience;

  @Option(
      names = "--param",
      paramLabel = "NAME=VALUE",
      description =
          "generic: another parameter for the authorization request and every token request;"
              + " repeatable.")
  @Nullable List<String> params;

  @Option(
      names = "--dpop",
      description = "generic: DPoP-bound tokens (RFC 9449); use them with 'tokenbroker headers'.")
  boolean dpop;

  @Option(
      names = "--par",
      description = "generic: push the authorization request first (RFC 9126).")
  boolean par;

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
      description =
          "generic: basic (default), post, none (a public client without secret),"
              + " private-key-jwt (with --private-key) or client-secret-jwt (HS256 with the"
              + " client secret).")
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
      if (profile.grantType().renewsByItself()) {
        // Fetched before anything is replaced: a failed login leaves an existing grant as it was.
        tokens = session.broker.obtainTokens(key);
      } else if (profile.grantType() == GrantType.DEVICE_CODE) {
        tokens = device(session, key);
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

  /**
   * RFC 8628: the verification URL alone on its own stderr line (the complete one when the server
   * gives it), then {@code Code: USER-CODE}; polls until approved or {@code --timeout}.
   */
  private TokenSet device(Session session, GrantKey key) {
    CliContext ctx = session.ctx;
    DeviceAuthorization device = session.broker.deviceAuthorization(key);
    ctx.err.println("To authorize '" + name + "', open this URL on any device and enter the code:");
    ctx.err.println(device.verificationUriComplete().orElse(device.verificationUri()));
    ctx.err.println("Code: " + device.userCode());
    ctx.err.println(
        "Waiting up to "
            + Durations.format(timeout)
            + " for the approval (polling every "
            + Durations.format(device.interval())
            + ") ...");
    ctx.err.flush();
    return device.await(timeout);
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
      URI callback = receiver.awaitCallback(request, timeout); // state, and iss (RFC 9207)
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
    String kind =
        saved == null
            ? requireNonNull(provider, "--provider").strip().toLowerCase(Locale.ROOT)
            : saved.provider();
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
        put(settings, Providers.ISSUER, issuer);
        put(settings, Providers.TOKEN_URL, tokenUrl);
        put(settings, Providers.AUTHORIZE_URL, authorizeUrl);
        put(settings, Providers.REVOKE_URL, revokeUrl);
        put(settings, Providers.SUBJECT, subject);
        if (authMethod != null) {
          String method = authMethod.strip().toLowerCase(Locale.ROOT);
          Providers.authentication(method); // validates
          settings.put(Providers.AUTH_METHOD, method);
        }
        if (dpop) {
          settings.put(Providers.DPOP, "true");
        }
        if (par) {
          settings.put(Providers.PAR, "true");
        }
        if (!settings.containsKey(Providers.TOKEN_URL) && !settings.containsKey(Providers.ISSUER)) {
          throw CliException.usage(
              "--token-url is required with --provider generic (or --issuer, to discover it)",
              null);
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
        genericOnly(kind);
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
        genericOnly(kind);
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
    if (type == GrantType.JWT_BEARER && settings.get(Providers.SUBJECT) == null) {
      throw CliException.usage("--grant jwt-bearer needs --subject SUB", null);
    }
    // Checks every setting before asking for a secret.
    Provider built = Providers.provider(kind, settings, type);
    if (type == GrantType.AUTHORIZATION_CODE
        && !built.discovers()
        && built.authorizationEndpoint().isEmpty()) {
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
    if (!Providers.needsSecret(kind, settings, type)) {
      if (clientSecretEnv != null || clientSecretFile != null) {
        throw CliException.usage(
            kind.equals(Providers.COR)
                ? "COR's consent flow uses no client secret"
                : "--auth-method "
                    + Providers.authMethod(settings, type)
                    + " uses no client secret",
            null);
      }
      secret = null;
    } else {
      ClientSecret reusable =
          saved != null && saved.clientId().equals(id) ? saved.clientSecret() : null;
      secret = readSecret(ctx, id, reusable);
    }
    ClientKey key = clientKey(saved, settings, type, id);
    Map<String, List<String>> parameters =
        resources != null || audience != null || params != null
            ? parameters()
            : saved != null ? saved.parameters() : Map.of();
    return new Profile(
        name, kind, settings, id, secret, scopeList, type, redirectMode, key, parameters);
  }

  /** Refuses the flags only the generic provider takes. */
  private void genericOnly(String kind) {
    onlyFor(
        kind,
        "--issuer",
        issuer,
        "--private-key",
        privateKey == null ? null : privateKey.toString(),
        "--key-id",
        keyId,
        "--signing-alg",
        signingAlg,
        "--subject",
        subject,
        "--audience",
        audience,
        "--resource",
        resources == null ? null : "given",
        "--param",
        params == null ? null : "given",
        "--dpop",
        dpop ? "given" : null,
        "--par",
        par ? "given" : null);
  }

  /**
   * The private key: read from {@code --private-key} (with {@code --key-id} and {@code
   * --signing-alg}, whose effective values are recorded in {@code settings}), or the saved one;
   * null when the authentication method and grant need none.
   */
  private @Nullable ClientKey clientKey(
      @Nullable Profile saved, Map<String, String> settings, GrantType type, String id) {
    boolean needed =
        type == GrantType.JWT_BEARER
            || Providers.authentication(Providers.authMethod(settings, type))
                == ClientAuthentication.PRIVATE_KEY_JWT;
    if (!needed) {
      if (privateKey != null || keyId != null || signingAlg != null) {
        throw CliException.usage(
            "--private-key is used with --auth-method private-key-jwt or --grant jwt-bearer", null);
      }
      return null;
    }
    ClientKey key;
    if (privateKey != null) {
      key = readPrivateKey();
    } else if (saved != null && saved.clientId().equals(id) && saved.privateKey() != null) {
      key = saved.privateKey();
      if (keyId != null) {
        key = key.withKeyId(keyId.strip());
      }
      if (signingAlg != null) {
        key = withAlgorithm(key);
      }
    } else {
      throw CliException.usage(
          (type == GrantType.JWT_BEARER ? "--grant jwt-bearer" : "--auth-method private-key-jwt")
              + " needs --private-key FILE",
          "a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----) or a JWK/JWK set");
    }
    settings.put(Providers.SIGNING_ALG, key.algorithm().name());
    key.keyId()
        .ifPresentOrElse(
            kid -> settings.put(Providers.KEY_ID, kid), () -> settings.remove(Providers.KEY_ID));
    return key;
  }

  private ClientKey readPrivateKey() {
    String text;
    try {
      text = Files.readString(privateKey, UTF_8);
    } catch (NoSuchFileException e) {
      throw CliException.usage("--private-key " + privateKey + " does not exist", null);
    } catch (IOException e) {
      throw CliException.usage(
          "cannot read --private-key " + privateKey + ": " + e.getClass().getSimpleName(), null);
    }
    ClientKey key;
    try {
      key =
          keyId != null && text.stripLeading().startsWith("{")
              ? ClientKey.fromJwk(text, keyId.strip())
              : ClientKey.parse(text);
      if (keyId != null) {
        key = key.withKeyId(keyId.strip());
      }
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--private-key " + privateKey + ": " + e.getMessage(), null);
    }
    return signingAlg != null ? withAlgorithm(key) : key;
  }

  private ClientKey withAlgorithm(ClientKey key) {
    ClientKey.Algorithm algorithm;
    try {
      algorithm =
          ClientKey.Algorithm.valueOf(
              requireNonNull(signingAlg, "--signing-alg").strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw CliException.usage(
          "--signing-alg '" + signingAlg + "' is not one of RS256, PS256, ES256", null);
    }
    try {
      return key.withAlgorithm(algorithm);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--signing-alg " + algorithm + ": " + e.getMessage(), null);
    }
  }

  /** {@code --resource}, {@code --audience} and {@code --param NAME=VALUE}, checked. */
  private Map<String, List<String>> parameters() {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try {
      ClientRegistration.Builder check =
          ClientRegistration.builder(
              Provider.builder("check").tokenEndpoint(URI.create("https://check.invalid/")).build(),
              "check");
      for (String resource : resources == null ? List.<String>of() : resources) {
        check.parameter("resource", resource.strip());
        out.computeIfAbsent("resource", k -> new ArrayList<>()).add(resource.strip());
      }
      if (audience != null) {
        check.parameter("audience", audience.strip());
        out.computeIfAbsent("audience", k -> new ArrayList<>()).add(audience.strip());
      }
      for (String param : params == null ? List.<String>of() : params) {
        int eq = param.indexOf('=');
        if (eq <= 0) {
          throw CliException.usage("--param '" + param + "' is not NAME=VALUE", null);
        }
        String paramName = param.substring(0, eq).strip();
        String value = param.substring(eq + 1);
        check.parameter(paramName, value);
        out.computeIfAbsent(paramName, k -> new ArrayList<>()).add(value);
      }
    } catch (IllegalArgumentException e) {
      throw CliException.usage(String.valueOf(e.getMessage()), null);
    }
    return out;
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
      case "device-code", "device_code" -> GrantType.DEVICE_CODE;
      case "jwt-bearer", "jwt_bearer" -> GrantType.JWT_BEARER;
      default ->
          throw CliException.usage(
              "--grant '"
                  + text
                  + "' is not one of client-credentials, authorization-code, device-code,"
                  + " jwt-bearer",
              null);
    };
  }

  static String grantName(@Nullable GrantType type) {
    if (type == null) {
      return "?";
    }
    return switch (type) {
      case CLIENT_CREDENTIALS -> "client-credentials";
      case AUTHORIZATION_CODE -> "authorization-code";
      case DEVICE_CODE -> "device-code";
      case JWT_BEARER -> "jwt-bearer";
    };
  }

  static String quote(String name) {
    return name.matches("[A-Za-z0-9_./@:+-]+") ? name : "'" + name.replace("'", "'\\''") + "'";
  }
}
