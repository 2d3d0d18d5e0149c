package io.tokenbroker.examples.cli;

import io.tokenbroker.cor.Cor;
import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientKey;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.procore.Procore;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Profile}'s provider kind and settings into a {@link Provider} and a {@link
 * ClientRegistration}: {@code generic} from URLs, {@code cor} and {@code procore} through their
 * adapters ({@link Cor}, {@link Procore}).
 */
final class Providers {
  static final String GENERIC = "generic";
  static final String COR = "cor";
  static final String PROCORE = "procore";

  // Setting names (profile keys). generic:
  static final String TOKEN_URL = "tokenUrl";
  static final String AUTHORIZE_URL = "authorizeUrl";
  static final String REVOKE_URL = "revokeUrl";
  static final String AUTH_METHOD = "authMethod";
  static final String ISSUER = "issuer";
  static final String KEY_ID = "keyId";
  static final String SIGNING_ALG = "signingAlg";
  static final String SUBJECT = "subject";
  static final String DPOP = "dpop";
  static final String PAR = "par";
  // cor:
  static final String SUBDOMAIN = "subdomain";
  static final String APP_NAME = "appName";
  static final String CONSENT_URL = "consentUrl";
  // cor and procore:
  static final String API_URL = "apiUrl";
  // procore:
  static final String ENVIRONMENT = "environment";
  static final String LOGIN_URL = "loginUrl";

  private Providers() {}

  static ClientRegistration registration(Profile profile) {
    Map<String, String> s = profile.settings();
    Set<String> scopes = Set.copyOf(profile.scopes());
    ClientSecret secret = profile.clientSecret();
    return guarded(
        () ->
            switch (profile.provider()) {
              case COR -> {
                Cor cor = cor(s);
                yield profile.grantType() == GrantType.CLIENT_CREDENTIALS
                    ? cor.clientCredentials(profile.clientId(), requireSecret(secret))
                        .withScopes(scopes)
                    : cor.authorizationCode(
                            required(s, SUBDOMAIN, "--subdomain"),
                            required(s, APP_NAME, "--app-name"))
                        .withScopes(scopes);
              }
              case PROCORE ->
                  procore(s)
                      .registration(profile.clientId(), requireSecret(secret))
                      .withScopes(scopes);
              default -> {
                ClientRegistration.Builder b =
                    ClientRegistration.builder(
                            provider(profile.provider(), s, profile.grantType()),
                            profile.clientId())
                        .scopes(scopes)
                        .dpop(Boolean.parseBoolean(s.get(DPOP)));
                if (secret != null) {
                  b.clientSecret(secret);
                }
                if (profile.privateKey() != null) {
                  b.clientKey(profile.privateKey());
                }
                if (s.get(SUBJECT) != null) {
                  b.assertionSubject(s.get(SUBJECT));
                }
                profile
                    .parameters()
                    .forEach((name, values) -> values.forEach(v -> b.parameter(name, v)));
                yield b.build();
              }
            });
  }

  /**
   * The private key saved with a profile (PEM PKCS#8), with the key id and algorithm {@code login}
   * recorded in the settings.
   */
  static ClientKey clientKey(String pem, Map<String, String> s) {
    ClientKey key = ClientKey.fromPem(pem);
    String alg = s.get(SIGNING_ALG);
    if (alg != null) {
      key = key.withAlgorithm(ClientKey.Algorithm.valueOf(alg));
    }
    String kid = s.get(KEY_ID);
    return kid == null ? key : key.withKeyId(kid);
  }

  /**
   * Builds the provider of {@code kind} for {@code type} from its settings.
   *
   * @throws CliException ({@link ExitCodes#USAGE}) for an unknown kind or a bad setting
   */
  static Provider provider(String kind, Map<String, String> s, GrantType type) {
    return guarded(
        () ->
            switch (kind) {
              case GENERIC -> {
                Provider.Builder b =
                    Provider.builder(GENERIC)
                        .clientAuthentication(authentication(authMethod(s, type)));
                String issuer = s.get(ISSUER);
                if (issuer != null) {
                  b.issuer(url(issuer, "--issuer")).discovery(true);
                }
                String token = s.get(TOKEN_URL);
                if (token != null || issuer == null) {
                  b.tokenEndpoint(url(token, "--token-url"));
                }
                if (Boolean.parseBoolean(s.get(PAR))) {
                  b.pushedAuthorizationRequests(true);
                }
                String authorize = s.get(AUTHORIZE_URL);
                if (authorize != null) {
                  b.authorizationEndpoint(url(authorize, "--authorize-url"));
                }
                String revoke = s.get(REVOKE_URL);
                if (revoke != null) {
                  b.revocationEndpoint(url(revoke, "--revoke-url"));
                }
                yield b.build();
              }
              case COR ->
                  type == GrantType.CLIENT_CREDENTIALS
                      ? cor(s).clientCredentialsProvider()
                      : cor(s)
                          .authorizationCodeProvider(
                              required(s, SUBDOMAIN, "--subdomain"),
                              required(s, APP_NAME, "--app-name"));
              case PROCORE -> procore(s).provider();
              default ->
                  throw CliException.usage(
                      "--provider '" + kind + "' is not known",
                      "use --provider generic, cor or procore");
            });
  }

  /** Whether {@code profile}'s client authenticates with a client secret. */
  static boolean needsSecret(String kind, Map<String, String> s, GrantType type) {
    return switch (kind) {
      case COR -> type == GrantType.CLIENT_CREDENTIALS;
      case PROCORE -> true;
      default -> authentication(authMethod(s, type)).needsClientSecret();
    };
  }

  /**
   * The generic provider's {@code --auth-method}: as saved, else {@code none} for the JWT-bearer
   * grant (RFC 7523 makes client authentication optional there) and {@code basic} otherwise.
   */
  static String authMethod(Map<String, String> s, GrantType type) {
    return s.getOrDefault(AUTH_METHOD, type == GrantType.JWT_BEARER ? "none" : "basic");
  }

  /** The {@code --auth-method} name of {@code method}. */
  static String authMethodName(ClientAuthentication method) {
    return switch (method) {
      case CLIENT_SECRET_BASIC -> "basic";
      case CLIENT_SECRET_POST -> "post";
      case CLIENT_ID_ONLY, NONE -> "none";
      case PRIVATE_KEY_JWT -> "private-key-jwt";
      case CLIENT_SECRET_JWT -> "client-secret-jwt";
    };
  }

  /** The Procore environment of a procore profile (for its typed client and revocation). */
  static Procore procore(Map<String, String> s) {
    String login = s.get(LOGIN_URL);
    String api = s.get(API_URL);
    String environment = s.getOrDefault(ENVIRONMENT, login == null ? "production" : "custom");
    if (login != null || api != null) {
      return Procore.custom(
          environment,
          url(required(s, LOGIN_URL, "--login-url"), "--login-url"),
          url(required(s, API_URL, "--api-url"), "--api-url"));
    }
    return switch (environment) {
      case "production" -> Procore.production();
      case "sandbox" -> Procore.sandbox();
      case "monthly-sandbox" -> Procore.monthlySandbox();
      default ->
          throw CliException.usage(
              "--environment '" + environment + "' is not production, sandbox or monthly-sandbox",
              "for other hosts pass --login-url and --api-url");
    };
  }

  /** COR with the profile's API and consent overrides. */
  static Cor cor(Map<String, String> s) {
    Cor.Builder b = Cor.builder();
    String api = s.get(API_URL);
    if (api != null) {
      b.apiBaseUri(url(api, "--api-url"));
    }
    String consent = s.get(CONSENT_URL);
    if (consent != null) {
      b.consentBaseUri(url(consent, "--consent-url"));
    }
    return b.build();
  }

  static ClientAuthentication authentication(String method) {
    return switch (method) {
      case "basic" -> ClientAuthentication.CLIENT_SECRET_BASIC;
      case "post" -> ClientAuthentication.CLIENT_SECRET_POST;
      case "none" -> ClientAuthentication.CLIENT_ID_ONLY;
      case "private-key-jwt" -> ClientAuthentication.PRIVATE_KEY_JWT;
      case "client-secret-jwt" -> ClientAuthentication.CLIENT_SECRET_JWT;
      default ->
          throw CliException.usage(
              "--auth-method '"
                  + method
                  + "' is not one of basic, post, none, private-key-jwt, client-secret-jwt",
              null);
    };
  }

  static URI url(@Nullable String value, String option) {
    if (value == null || value.isBlank()) {
      throw CliException.usage(option + " is required", null);
    }
    try {
      URI uri = new URI(value.strip());
      if (!uri.isAbsolute() || uri.getHost() == null) {
        throw CliException.usage(option + " '" + value + "' is not an absolute URL", null);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw CliException.usage(option + " '" + value + "' is not a URL: " + e.getReason(), null);
    }
  }

  private static String required(Map<String, String> s, String key, String option) {
    String value = s.get(key);
    if (value == null || value.isBlank()) {
      throw CliException.usage(option + " is required", null);
    }
    return value;
  }

  private static ClientSecret requireSecret(@Nullable ClientSecret secret) {
    if (secret == null) {
      throw CliException.usage("a client secret is required", null);
    }
    return secret;
  }

  /** The adapters report bad settings as IllegalArgumentException; make them usage errors. */
  private static <T> T guarded(Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      String message =
          String.valueOf(e.getMessage())
              .replace("authorizationEndpoint", "--authorize-url")
              .replace("revocationEndpoint", "--revoke-url")
              .replace("tokenEndpoint", "--token-url")
              .replace("issuer must", "--issuer must")
              .replace("apiBaseUri", "--api-url")
              .replace("consentBaseUri", "--consent-url")
              .replace("loginUrl", "--login-url")
              .replace("apiUrl", "--api-url");
      throw CliException.usage(message, null);
    }
  }
}
