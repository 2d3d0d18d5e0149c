package io.tokenbroker.spring.internal;

import io.tokenbroker.oauth.ClientAuthentication;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import java.util.Locale;

/**
 * The one place that maps {@code client-authentication} values to core's methods. New methods
 * (private_key_jwt, client_secret_jwt, ...) are added here when core has them.
 */
public final class ClientAuthentications {
  /** The accepted values, for messages and metadata. */
  public static final String VALUES = "basic, post, none";

  private ClientAuthentications() {}

  /**
   * Maps a property value: {@code basic} or {@code client_secret_basic}, {@code post} or {@code
   * client_secret_post}, {@code none} (a public client: only {@code client_id} is sent).
   */
  public static ClientAuthentication parse(String value, String property) {
    String v = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    return switch (v) {
      case "basic", "client-secret-basic" -> ClientAuthentication.CLIENT_SECRET_BASIC;
      case "post", "client-secret-post" -> ClientAuthentication.CLIENT_SECRET_POST;
      case "none" -> ClientAuthentication.CLIENT_ID_ONLY;
      default -> throw new TokenBrokerConfigurationException(property, "is not one of " + VALUES);
    };
  }

  /** Whether {@code method} sends a client secret. */
  public static boolean needsSecret(ClientAuthentication method) {
    return method == ClientAuthentication.CLIENT_SECRET_BASIC
        || method == ClientAuthentication.CLIENT_SECRET_POST;
  }
}
