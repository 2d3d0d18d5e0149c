package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadWrapper;
import com.google.crypto.tink.aead.AesGcmKeyManager;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.KeysetException;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.StoredTokens;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.store.file.FileTokenStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Serves the commands that credential helpers run on every request ({@code token}, {@code
 * git-credential}, {@code exec}, and the completion script's {@code __complete-grants}) without
 * picocli and without a broker, when that is enough: a file store whose entry for the grant holds a
 * token still valid for {@code --min-valid} (and at least {@link #MARGIN}), not marked for
 * re-authorization, a bearer token (not DPoP-bound), with the CLI's saved settings beside it, and a
 * keyset of AES-GCM keys. Such a call reads two entries, opens them with only Tink's AES-GCM key
 * type registered and decodes the grant with Jackson's streaming parser: no HTTP client, TLS,
 * Nimbus, data binding or threads.
 *
 * <p>Whenever anything else is needed (a refresh, a JDBC store, an unusual command line, help, an
 * error to explain) it returns null and the command runs the ordinary way, through picocli and a
 * {@code TokenBroker}, which then decides everything again. It never prints a token the store does
 * not hold, and never writes.
 */
final class FastPath {
  /**
   * The least time left for a token to be printed without a broker: the broker's default expiry
   * skew, within which it would refresh before handing the token out.
   */
  static final Duration MARGIN = Duration.ofSeconds(30);

  /** A keyset file is far smaller than this (as {@code Keysets} checks). */
  private static final long MAX_KEYSET_BYTES = 1 << 20;

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  /** A command line this class understands. */
  private static final class Line {
    String command = "";
    @Nullable String store;
    @Nullable String keyset;
    final List<String> positionals = new ArrayList<>();
    Duration minValid = Duration.ofMinutes(5);
    boolean json;
    String format = "plain";
    String username = "oauth2";
    String variable = ExecCommand.DEFAULT_VARIABLE;
  }

  private FastPath() {}

  /**
   * Runs {@code args} if this class can serve them.
   *
   * @return the exit code, or null if the command must run the ordinary way
   */
  static @Nullable Integer run(CliContext ctx, String... args) {
    Line line = parse(args);
    if (line == null) {
      return null;
    }
    try {
      return switch (line.command) {
        case "token" -> token(ctx, line);
        case "git-credential" -> gitCredential(ctx, line);
        case "exec" -> exec(ctx, line);
        case "__complete-grants" -> completeGrants(ctx, line);
        default -> null;
      };
    } catch (CliException
        | TokenStoreException
        | KeysetException
        | java.io.UncheckedIOException e) {
      return Failures.report(e, ctx.err, false);
    }
  }

  private static @Nullable Integer token(CliContext ctx, Line line) {
    if (line.positionals.size() != 1) {
      return null;
    }
    TokenOutput output;
    try {
      output = TokenOutput.choose(line.format, line.json);
    } catch (CliException e) {
      return null; // picocli reports it with the usage hint
    }
    TokenCommand.Issued issued = stored(ctx, line, line.positionals.get(0));
    if (issued == null) {
      return null;
    }
    output.print(
        ctx.out,
        issued.token().revealValue(),
        issued.tokenType(),
        issued.expiresAt(),
        issued.scopes());
    return ExitCodes.OK;
  }

  private static @Nullable Integer gitCredential(CliContext ctx, Line line) {
    if (line.positionals.size() != 2) {
      return null;
    }
    try {
      GitCredentialCommand.checkValue("--username", line.username);
    } catch (CliException e) {
      return null;
    }
    String action = line.positionals.get(1);
    if (!action.equals("get")) {
      GitCredentialCommand.readRequest(ctx.in);
      return ExitCodes.OK;
    }
    TokenCommand.Issued issued = stored(ctx, line, line.positionals.get(0));
    if (issued == null) {
      return null;
    }
    // The request is read only now: if the broker has to run, it reads it itself.
    GitCredentialCommand.readRequest(ctx.in);
    GitCredentialCommand.answer(ctx.out, line.username, issued);
    return ExitCodes.OK;
  }

  private static @Nullable Integer exec(CliContext ctx, Line line) {
    if (line.positionals.size() < 2) {
      return null;
    }
    try {
      ExecCommand.checkVariable(line.variable);
    } catch (CliException e) {
      return null;
    }
    TokenCommand.Issued issued = stored(ctx, line, line.positionals.get(0));
    if (issued == null) {
      return null;
    }
    List<String> command = line.positionals.subList(1, line.positionals.size());
    return ExecCommand.run(ctx, command, line.variable, issued);
  }

  private static @Nullable Integer completeGrants(CliContext ctx, Line line) {
    if (!line.positionals.isEmpty()) {
      return null;
    }
    Path grants = fileStore(ctx, line);
    if (grants == null) {
      return null;
    }
    TreeSet<String> names = new TreeSet<>();
    // Without the directories there is nothing to complete, and completion must not create them.
    for (Path dir : List.of(grants, grants.resolve("profiles"))) {
      if (Files.isDirectory(dir)) {
        for (GrantKey key : FileTokenStore.builder(dir).clock(ctx.clock).build().list()) {
          names.add(key.value());
        }
      }
    }
    CompletionCommand.Grants.print(ctx, names);
    return ExitCodes.OK;
  }

  /**
   * The stored token of {@code name} if it can be handed out without a broker, else null.
   *
   * @throws TokenStoreException if the store reports the grant's entry damaged (and moved it
   *     aside), as the broker would
   */
  private static TokenCommand.@Nullable Issued stored(CliContext ctx, Line line, String name) {
    Path grants = fileStore(ctx, line);
    if (grants == null || !Files.isDirectory(grants)) {
      return null;
    }
    Path profiles = grants.resolve("profiles");
    if (!Files.isDirectory(profiles)) {
      return null;
    }
    GrantKey key;
    try {
      key = GrantKey.of(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
    Aead aead = aead(ctx, line);
    if (aead == null) {
      return null;
    }
    Optional<StoredGrant> profile;
    Optional<StoredGrant> entry;
    try {
      profile = FileTokenStore.builder(profiles).clock(ctx.clock).build().load(key);
      entry = FileTokenStore.builder(grants).clock(ctx.clock).build().load(key);
    } catch (TokenStoreException e) {
      if (e.kind() == TokenStoreException.Kind.CORRUPT) {
        throw e; // moved aside already: the broker would now find nothing to explain it by
      }
      return null;
    }
    if (profile.isEmpty()
        || entry.isEmpty()
        || !ProfileStore.opens(aead, name, profile.get().sealed())) {
      return null;
    }
    StoredTokens tokens;
    try {
      tokens = StoredTokens.open(entry.get(), aead);
    } catch (TokenStoreException e) {
      return null;
    }
    Duration left = TokenCommand.left(ctx.clock, tokens.expiresAt());
    Duration needed = line.minValid.compareTo(MARGIN) > 0 ? line.minValid : MARGIN;
    if (tokens.reauthorizationRequired()
        || left.compareTo(needed) < 0
        || tokens.dpopBound()
        || tokens.tokenType().equalsIgnoreCase("DPoP")) {
      return null; // a DPoP-bound token is explained by the ordinary path
    }
    return new TokenCommand.Issued(
        tokens.accessToken(), tokens.tokenType(), tokens.expiresAt(), tokens.scopes());
  }

  /** The file store's directory, or null for a JDBC store or a store that needs explaining. */
  private static @Nullable Path fileStore(CliContext ctx, Line line) {
    try {
      StoreSpec spec = StoreSpec.chosen(ctx, line.store);
      return spec instanceof StoreSpec.FileStore f ? f.directory() : null;
    } catch (CliException e) {
      return null;
    }
  }

  /**
   * The keyset's AEAD primitive with only Tink's AES-GCM key type registered (what {@code Keysets}
   * generates), or null if the keyset is anything else or needs explaining (missing, readable by
   * others, encrypted, other key types): the ordinary path reports those.
   */
  private static @Nullable Aead aead(CliContext ctx, Line line) {
    try {
      Path file = ctx.keysetPath(line.keyset == null ? null : Path.of(line.keyset));
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_KEYSET_BYTES || !ownerOnly(file)) {
        return null;
      }
      String json = Files.readString(file, UTF_8);
      if (json.contains("\"encryptedKeyset\"")) {
        return null;
      }
      AesGcmKeyManager.register(true);
      AeadWrapper.register();
      KeysetHandle keyset =
          TinkJsonProtoKeysetFormat.parseKeyset(
              json, RegistryConfiguration.get(), InsecureSecretKeyAccess.get());
      return keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return null;
    }
  }

  private static boolean ownerOnly(Path file) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null) {
      return true;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    for (PosixFilePermission p : permissions) {
      if (GROUP_OR_OTHERS.contains(p)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads the command lines this class serves; null for anything else (help, {@code -v}, unknown or
   * repeated options, missing values), which picocli then handles with its messages.
   */
  static @Nullable Line parse(String... args) {
    Line line = new Line();
    boolean endOfOptions = false;
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (endOfOptions || !arg.startsWith("-") || arg.equals("-")) {
        if (line.command.isEmpty()) {
          line.command = arg;
        } else {
          line.positionals.add(arg);
        }
        continue;
      }
      if (arg.equals("--")) {
        if (!line.command.equals("exec")) {
          return null;
        }
        endOfOptions = true;
        continue;
      }
      String option = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        option = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!seen.add(option) || !allowed(line.command, option)) {
        return null;
      }
      if (option.equals("--json")) {
        if (value != null) {
          return null;
        }
        line.json = true;
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          return null;
        }
        value = args[++i];
      }
      switch (option) {
        case "--store" -> line.store = value;
        case "--keyset" -> line.keyset = value;
        case "--format" -> line.format = value;
        case "--username" -> line.username = value;
        case "--env" -> line.variable = value;
        case "--min-valid" -> {
          try {
            line.minValid = Durations.parse(value);
          } catch (IllegalArgumentException e) {
            return null;
          }
        }
        default -> {
          return null;
        }
      }
    }
    return line;
  }

  private static boolean allowed(String command, String option) {
    return switch (option) {
      case "--store", "--keyset" -> true;
      case "--min-valid" ->
          command.equals("token") || command.equals("git-credential") || command.equals("exec");
      case "--json", "--format" -> command.equals("token");
      case "--username" -> command.equals("git-credential");
      case "--env" -> command.equals("exec");
      default -> false;
    };
  }
}
