package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.spring.TokenBrokerConfigurationException;

/** The one place that maps {@code client-authentication} values to core's methods and back. */
public final class ClientAuthentications {
  /** The accepted values, for messages and metadata. */
  public static final String VALUES = "basic, post, private-key-jwt, client-secret-jwt, none";

  private ClientAuthentications() {}

  /**
   * Maps a property value: {@code basic} or {@code client_secret_basic}, {@code post} or {@code
   * client_secret_post}, {@code private-key-jwt}, {@code client-secret-jwt}, {@code none} (only
   * {@code client_id} is sent). Underscores and hyphens are the same, as in Spring Security's
   * {@code client-authentication-method} values.
   */
  public static ClientAuthentication parse(String value, String property) {
    return switch (ConfiguredGrants.normalize(value)) {
      case "basic", "client-secret-basic" -> ClientAuthentication.CLIENT_SECRET_BASIC;
      case "post", "client-secret-post" -> ClientAuthentication.CLIENT_SECRET_POST;
      case "private-key-jwt" -> ClientAuthentication.PRIVATE_KEY_JWT;
      case "client-secret-jwt" -> ClientAuthentication.CLIENT_SECRET_JWT;
      case "none" -> ClientAuthentication.CLIENT_ID_ONLY;
      default ->
          throw new TokenBrokerConfigurationException(
              property, ConfiguredGrants.notOneOf(value, VALUES));
    };
  }

  /** The property value naming {@code method}, for messages. */
  public static String name(ClientAuthentication method) {
    return switch (method) {
      case CLIENT_SECRET_BASIC -> "basic";
      case CLIENT_SECRET_POST -> "post";
      case PRIVATE_KEY_JWT -> "private-key-jwt";
      case CLIENT_SECRET_JWT -> "client-secret-jwt";
      case CLIENT_ID_ONLY, NONE -> "none";
    };
  }
}
