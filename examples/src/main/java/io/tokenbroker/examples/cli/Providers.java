package io.tokenbroker.examples.cli;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.Provider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Turns a {@link Profile}'s provider kind and settings into a {@link Provider}. */
final class Providers {
  static final String GENERIC = "generic";

  /** Setting names (profile keys) of the generic provider. */
  static final String TOKEN_URL = "tokenUrl";
  static final String AUTHORIZE_URL = "authorizeUrl";
  static final String REVOKE_URL = "revokeUrl";
  static final String AUTH_METHOD = "authMethod";

  private Providers() {}

  static ClientRegistration registration(Profile profile) {
    return new ClientRegistration(
        provider(profile), profile.clientId(), profile.clientSecret(), Set.copyOf(profile.scopes()));
  }

  static Provider provider(Profile profile) {
    return provider(profile.provider(), profile.settings());
  }

  /**
   * Builds the provider of {@code kind} from its settings.
   *
   * @throws CliException ({@link ExitCodes#USAGE}) for an unknown kind or a bad setting
   */
  static Provider provider(String kind, Map<String, String> s) {
    try {
      if (GENERIC.equals(kind)) {
        Provider.Builder b =
            Provider.builder(GENERIC)
                .tokenEndpoint(url(s.get(TOKEN_URL), "--token-url"))
                .clientAuthentication(authentication(s.getOrDefault(AUTH_METHOD, "basic")));
        String authorize = s.get(AUTHORIZE_URL);
        if (authorize != null) {
          b.authorizationEndpoint(url(authorize, "--authorize-url"));
        }
        String revoke = s.get(REVOKE_URL);
        if (revoke != null) {
          b.revocationEndpoint(url(revoke, "--revoke-url"));
        }
        return b.build();
      }
    } catch (IllegalArgumentException e) {
      String message =
          String.valueOf(e.getMessage())
              .replace("authorizationEndpoint", "--authorize-url")
              .replace("revocationEndpoint", "--revoke-url")
              .replace("tokenEndpoint", "--token-url");
      throw CliException.usage(message, null);
    }
    throw CliException.usage(
        "unknown provider '" + kind + "'", "use --provider generic");
  }

  static ClientAuthentication authentication(String method) {
    return switch (method) {
      case "basic" -> ClientAuthentication.CLIENT_SECRET_BASIC;
      case "post" -> ClientAuthentication.CLIENT_SECRET_POST;
      case "none" -> ClientAuthentication.CLIENT_ID_ONLY;
      default -> throw CliException.usage(
          "--auth-method '" + method + "' is not one of basic, post, none", null);
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
}
