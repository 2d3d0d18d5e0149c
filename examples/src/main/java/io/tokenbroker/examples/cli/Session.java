package io.tokenbroker.examples.cli;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * One command's view of the world: the store and keyset chosen by the global options (or their
 * environment variables and defaults), the profile store beside it, and a broker over them.
 */
final class Session implements AutoCloseable {
  /** How a command treats a missing keyset file. */
  enum KeysetMode {
    /** Generate and save it (owner-only) on first use: {@code login}. */
    CREATE,
    /** It must exist: commands that open grants. */
    EXISTING,
    /**
     * Use it if it exists, otherwise a throwaway keyset: commands that never need to open a grant
     * ({@code remove}) or report unreadable ones ({@code status}).
     */
    OPTIONAL
  }

  static final String PROFILES_TABLE = "tokenbroker_cli_profiles";

  final CliContext ctx;
  final StoreSpec storeSpec;
  final Path keysetPath;
  final boolean keysetFound;
  final KeysetHandle keyset;
  final TokenStore store;
  final ProfileStore profiles;
  final TokenBroker broker;
  final CliListener listener;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  private Session(
      CliContext ctx, RootCommand options, KeysetMode mode, Consumer<TokenBroker.Builder> tune) {
    this.ctx = ctx;
    this.storeSpec = StoreSpec.chosen(ctx, options.store);
    this.keysetPath = ctx.keysetPath(options.keyset);
    this.keysetFound = Files.exists(keysetPath);
    this.keyset = loadKeyset(mode);
    this.listener = new CliListener(ctx.err, options.verbose);
    try {
      if (storeSpec instanceof StoreSpec.FileStore f) {
        ensurePrivateHome(f.directory());
        Path profileDir = f.directory().resolve("profiles");
        this.store = FileTokenStore.builder(f.directory()).clock(ctx.clock).build();
        this.profiles =
            new ProfileStore(
                FileTokenStore.builder(profileDir).clock(ctx.clock).build(),
                profileDir.toString(),
                keyset);
      } else {
        StoreSpec.Jdbc j = (StoreSpec.Jdbc) storeSpec;
        DataSource ds =
            new SimpleDataSource(
                j.url(),
                ctx.env.get("TOKENBROKER_JDBC_USER"),
                ctx.env.get("TOKENBROKER_JDBC_PASSWORD"));
        JdbcTokenStore grants =
            JdbcTokenStore.builder(ds).autoCreate(true).clock(ctx.clock).build();
        closeables.add(grants);
        JdbcTokenStore profileTable =
            JdbcTokenStore.builder(ds)
                .table(PROFILES_TABLE)
                .autoCreate(true)
                .clock(ctx.clock)
                .build();
        closeables.add(profileTable);
        this.store = grants;
        this.profiles = new ProfileStore(profileTable, "table " + PROFILES_TABLE, keyset);
      }
      TokenBroker.Builder builder =
          TokenBroker.builder().store(store).keyset(keyset).clock(ctx.clock).listener(listener);
      tune.accept(builder);
      this.broker = builder.build();
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  static Session open(CliContext ctx, RootCommand options, KeysetMode mode) {
    return new Session(ctx, options, mode, b -> {});
  }

  static Session open(
      CliContext ctx, RootCommand options, KeysetMode mode, Consumer<TokenBroker.Builder> tune) {
    return new Session(ctx, options, mode, tune);
  }

  String describeStore() {
    return storeSpec.describe();
  }

  /** The grant key for a command-line name; a bad name is a usage error. */
  static GrantKey key(String name) {
    try {
      return GrantKey.of(name);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("'" + name + "' cannot name a grant: " + e.getMessage(), null);
    }
  }

  /**
   * The profile {@code login} saved for {@code name}.
   *
   * @throws CliException if there is none
   */
  Profile requireProfile(String name) {
    GrantKey key = key(name);
    return profiles
        .load(name)
        .orElseThrow(
            () -> {
              boolean stored = store.load(key).isPresent();
              return stored
                  ? CliException.failure(
                      "grant '"
                          + name
                          + "' was not stored by 'tokenbroker login', so the CLI has no"
                          + " client settings to renew it with",
                      "use the application that stored it, or 'tokenbroker login "
                          + name
                          + " ...' to replace it ('tokenbroker remove "
                          + name
                          + "' deletes it)")
                  : CliException.failure(
                      "no grant named '" + name + "' in " + describeStore(),
                      "'tokenbroker status' lists the grants; 'tokenbroker login "
                          + name
                          + " --provider ...' creates it");
            });
  }

  /** Registers the profile's grant with the broker and returns its key. */
  GrantKey register(Profile profile) {
    GrantKey key = key(profile.name());
    ClientRegistration registration = Providers.registration(profile);
    broker.register(key, registration, profile.grantType());
    return key;
  }

  /**
   * How long a command keeps retrying to save new tokens the store refused before it exits
   * (TOKENBROKER_WRITE_WAIT overrides it): a short-lived process must not take a rotated refresh
   * token with it.
   */
  static final Duration DEFAULT_WRITE_WAIT = Duration.ofSeconds(30);

  /**
   * Waits, at most the write wait, until every new token is saved.
   *
   * @throws CliException ({@link ExitCodes#TRANSIENT}) naming the grant if some still are not
   */
  void awaitWrites() {
    String configured = ctx.env.get("TOKENBROKER_WRITE_WAIT");
    Duration wait;
    try {
      wait =
          configured == null || configured.isBlank()
              ? DEFAULT_WRITE_WAIT
              : Durations.parse(configured);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(
          "TOKENBROKER_WRITE_WAIT: " + e.getMessage(), "for example 30s or 2m");
    }
    Set<GrantKey> unwritten = broker.flush(wait);
    if (unwritten.isEmpty()) {
      return;
    }
    GrantKey key = unwritten.iterator().next();
    TokenStoreException failure = listener.lastWriteFailure(key);
    throw new CliException(
        ExitCodes.TRANSIENT,
        "the new tokens of '"
            + key
            + "' could not be saved to the store within "
            + Durations.format(wait)
            + (failure == null ? "" : " (" + failure.getMessage() + ")")
            + "; they are lost when tokenbroker exits",
        "fix the store, then run 'tokenbroker token "
            + key
            + "'; if the provider rotated the refresh token, 'tokenbroker login "
            + key
            + "' again");
  }

  private KeysetHandle loadKeyset(KeysetMode mode) {
    if (keysetFound) {
      return Keysets.fromFile(keysetPath);
    }
    switch (mode) {
      case CREATE -> {
        ensurePrivateHome(keysetPath);
        Path directory = keysetPath.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
          throw CliException.failure(
              "cannot create the keyset " + keysetPath + ": its directory does not exist", null);
        }
        return Keysets.loadOrCreate(keysetPath);
      }
      case OPTIONAL -> {
        return Keysets.generate();
      }
      default ->
          throw CliException.failure(
              "the keyset file " + keysetPath + " does not exist",
              "grants are sealed with the keyset they were stored with: pass it with --keyset or"
                  + " TOKENBROKER_KEYSET ('tokenbroker login' creates "
                  + keysetPath
                  + " on first use)");
    }
  }

  /** Creates the CLI's home (owner-only) if {@code path} lies in it. */
  private void ensurePrivateHome(Path path) {
    Path home = ctx.homeOrNull();
    if (home != null && path.startsWith(home)) {
      ensurePrivateDirectory(home);
    }
  }

  private static void ensurePrivateDirectory(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Path parent = dir.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      // created concurrently
    } catch (IOException e) {
      throw new TokenStoreException(
          "cannot create " + dir + ": " + e.getMessage(),
          TokenStoreException.Kind.UNAVAILABLE,
          null,
          e);
    }
  }

  private void closeQuietly() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing a store after a failure: nothing more to report
      }
    }
  }

  @Override
  public void close() {
    TokenBroker b = broker;
    if (b != null) {
      b.close();
    }
    closeQuietly();
  }
}
