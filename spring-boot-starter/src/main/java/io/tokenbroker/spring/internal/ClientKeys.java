package io.tokenbroker.spring.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tokenbroker.oauth.ClientKey;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import io.tokenbroker.spring.TokenBrokerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;

/**
 * A grant's private key from {@code private-key-location}, {@code key-id} and {@code
 * signing-algorithm}. Messages name the property and the location, never key material (core's
 * parsers never quote their input).
 */
final class ClientKeys {
  private ClientKeys() {}

  /** Refuses {@code key-id} and {@code signing-algorithm} without a private key. */
  static void requireUnset(String prefix, TokenBrokerProperties.Grant grant) {
    if (grant.getKeyId() != null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".key-id", "is used only with private-key-location");
    }
    if (grant.getSigningAlgorithm() != null) {
      throw new TokenBrokerConfigurationException(
          prefix + ".signing-algorithm", "is used only with private-key-location");
    }
  }

  /** Reads the key {@code private-key-location} names (the caller checked it is set). */
  static ClientKey load(String prefix, TokenBrokerProperties.Grant grant) {
    Resource location = grant.getPrivateKeyLocation();
    String property = prefix + ".private-key-location";
    if (location == null || !location.exists()) {
      throw new TokenBrokerConfigurationException(
          property,
          "does not exist"
              + (location == null ? "" : ": " + location.getDescription())
              + (location instanceof ClassPathResource
                  ? " (a location without a prefix is on the classpath; prefix a file with file:)"
                  : ""));
    }
    String text;
    try (InputStream in = location.getInputStream()) {
      text = new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new TokenBrokerConfigurationException(
          property,
          "cannot be read (" + e.getClass().getSimpleName() + "): " + location.getDescription());
    }
    String keyId = grant.getKeyId();
    if (keyId != null && keyId.isBlank()) {
      throw new TokenBrokerConfigurationException(prefix + ".key-id", "is empty");
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
      throw new TokenBrokerConfigurationException(
          property, location.getDescription() + ": " + e.getMessage());
    }
    String algorithm = grant.getSigningAlgorithm();
    if (algorithm == null) {
      return key;
    }
    String signing = prefix + ".signing-algorithm";
    ClientKey.Algorithm chosen;
    try {
      chosen = ClientKey.Algorithm.valueOf(algorithm.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(
          signing, ConfiguredGrants.notOneOf(algorithm, "RS256, PS256, ES256"));
    }
    try {
      return key.withAlgorithm(chosen);
    } catch (IllegalArgumentException e) {
      throw new TokenBrokerConfigurationException(signing, ConfiguredGrants.problem(e));
    }
  }
}
