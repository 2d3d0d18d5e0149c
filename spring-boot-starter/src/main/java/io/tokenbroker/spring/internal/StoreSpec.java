package io.tokenbroker.spring.internal;

import io.tokenbroker.spring.TokenBrokerConfigurationException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The value of {@code tokenbroker.store}, checked: {@code memory}, {@code file:DIR} or {@code
 * jdbc}.
 */
public sealed interface StoreSpec {
  String PROPERTY = "tokenbroker.store";

  /** Grants in memory only. */
  record Memory() implements StoreSpec {}

  /** A FileTokenStore over {@code directory}. */
  record File(Path directory) implements StoreSpec {}

  /** A JdbcTokenStore over the application's DataSource. */
  record Jdbc() implements StoreSpec {}

  static StoreSpec parse(@Nullable String value) {
    String v = value == null ? "memory" : value.strip();
    String lower = v.toLowerCase(Locale.ROOT);
    if (lower.equals("memory") || lower.isEmpty()) {
      return new Memory();
    }
    if (lower.equals("jdbc")) {
      return new Jdbc();
    }
    if (lower.startsWith("jdbc:")) {
      // Never quoted: a JDBC URL may carry a password.
      throw new TokenBrokerConfigurationException(
          PROPERTY,
          "a JDBC URL is not accepted here; set 'jdbc' to use the application's DataSource"
              + " (configure it with spring.datasource.*)");
    }
    if (lower.startsWith("file:")) {
      String path = v.substring("file:".length());
      if (path.isBlank()) {
        throw new TokenBrokerConfigurationException(
            PROPERTY, "file: needs a directory, e.g. file:/var/lib/app/tokens");
      }
      if (path.equals("~") || path.startsWith("~/")) {
        path = System.getProperty("user.home", ".") + path.substring(1);
      }
      try {
        return new File(Path.of(path));
      } catch (InvalidPathException e) {
        throw new TokenBrokerConfigurationException(
            PROPERTY, "not a usable directory: " + e.getReason());
      }
    }
    throw new TokenBrokerConfigurationException(PROPERTY, "is not one of memory, file:DIR, jdbc");
  }
}
