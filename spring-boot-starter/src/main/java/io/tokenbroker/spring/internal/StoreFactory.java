package io.tokenbroker.spring.internal;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.KeysetException;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.spring.TokenBrokerConfigurationException;
import io.tokenbroker.spring.TokenBrokerProperties;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Builds the store and keyset that {@code tokenbroker.store}, {@code keyset} and {@code keyset-env}
 * name.
 */
public final class StoreFactory {
  private static final String FILE_STORE = "io.tokenbroker.store.file.FileTokenStore";
  private static final String JDBC_STORE = "io.tokenbroker.store.jdbc.JdbcTokenStore";

  private StoreFactory() {}

  /**
   * The store {@code tokenbroker.store} names.
   *
   * @param dataSource the application's DataSource, looked up only for {@code jdbc}; null if none
   */
  public static TokenStore store(
      TokenBrokerProperties properties,
      Supplier<@Nullable DataSource> dataSource,
      @Nullable ClassLoader loader) {
    StoreSpec spec = StoreSpec.parse(properties.getStore());
    if (spec instanceof StoreSpec.File file) {
      requireClass(FILE_STORE, "token-store-file", "file:", loader);
      return Stores.file(file.directory());
    }
    if (spec instanceof StoreSpec.Jdbc) {
      requireClass(JDBC_STORE, "token-store-jdbc", "jdbc", loader);
      DataSource ds = dataSource.get();
      if (ds == null) {
        throw new TokenBrokerConfigurationException(
            StoreSpec.PROPERTY,
            "jdbc needs one DataSource bean in the application (spring.datasource.url and a JDBC"
                + " driver)");
      }
      return Stores.jdbc(ds);
    }
    return InMemoryTokenStore.create();
  }

  /** The keyset of {@code tokenbroker.keyset} or {@code keyset-env}; null if neither is set. */
  public static @Nullable KeysetHandle keyset(TokenBrokerProperties properties) {
    String file = properties.getKeyset();
    String variable = properties.getKeysetEnv();
    if (file != null && file.isBlank()) {
      throw new TokenBrokerConfigurationException(
          "tokenbroker.keyset", "is empty, but must be a keyset file");
    }
    if (variable != null && variable.isBlank()) {
      throw new TokenBrokerConfigurationException(
          "tokenbroker.keyset-env", "is empty, but must name an environment variable");
    }
    if (file != null && variable != null) {
      throw new TokenBrokerConfigurationException(
          "tokenbroker.keyset-env", "set either keyset or keyset-env, not both");
    }
    if (file != null) {
      Path path;
      try {
        path = Path.of(file).toAbsolutePath();
      } catch (InvalidPathException e) {
        throw new TokenBrokerConfigurationException(
            "tokenbroker.keyset", "not a usable file name: " + e.getReason());
      }
      createParent(path);
      try {
        return Keysets.loadOrCreate(path);
      } catch (KeysetException e) {
        throw new TokenBrokerConfigurationException(
            "tokenbroker.keyset", ConfiguredGrants.problem(e));
      }
    }
    if (variable != null) {
      try {
        return Keysets.fromEnvironment(variable);
      } catch (KeysetException e) {
        throw new TokenBrokerConfigurationException(
            "tokenbroker.keyset-env", ConfiguredGrants.problem(e));
      }
    }
    return null;
  }

  private static void createParent(Path path) {
    Path parent = path.getParent();
    if (parent == null || Files.isDirectory(parent)) {
      return;
    }
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createDirectories(
            parent,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new TokenBrokerConfigurationException(
          "tokenbroker.keyset",
          "cannot create the directory " + parent + ": " + e.getClass().getSimpleName());
    }
  }

  private static void requireClass(
      String className, String artifact, String value, @Nullable ClassLoader loader) {
    if (!ClassUtils.isPresent(className, loader)) {
      throw new TokenBrokerConfigurationException(
          StoreSpec.PROPERTY, value + " needs io.tokenbroker:" + artifact + " on the classpath");
    }
  }

  /** Touches the store modules only when they are used (they are optional dependencies). */
  private static final class Stores {
    static TokenStore file(Path directory) {
      try {
        return FileTokenStore.create(directory);
      } catch (TokenStoreException e) {
        throw new TokenBrokerConfigurationException(
            StoreSpec.PROPERTY, ConfiguredGrants.problem(e));
      }
    }

    static TokenStore jdbc(DataSource dataSource) {
      try {
        return JdbcTokenStore.create(dataSource);
      } catch (TokenStoreException e) {
        throw new TokenBrokerConfigurationException(
            StoreSpec.PROPERTY, ConfiguredGrants.problem(e));
      }
    }
  }
}
