package io.tokenbroker.oauth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.tokenbroker.oauth.KeysetException.Kind;
import io.tokenbroker.oauth.internal.SecureFiles;
import io.tokenbroker.oauth.internal.Tink;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Creates, loads, saves and rotates the Tink keysets that seal every stored grant.
 *
 * <p>A keyset is a Tink {@link KeysetHandle} of AEAD keys; new keys are AES256-GCM. Sealed entries
 * record which key sealed them, so an entry keeps opening as long as its key is in the keyset. Keys
 * live in one of:
 *
 * <ul>
 *   <li>a cleartext JSON keyset file ({@link #fromFile}, {@link #toFile}, {@link #loadOrCreate}),
 *       readable by its owner only;
 *   <li>an environment variable holding the JSON keyset ({@link #fromEnvironment});
 *   <li>a keyset file encrypted by a master key from your KMS ({@link #fromEncryptedFile}, {@link
 *       #toEncryptedFile}); the recommended choice for production.
 * </ul>
 *
 * <h2>Rotation</h2>
 *
 * <ol>
 *   <li>{@link #rotate}: add a new primary key and save the keyset; restart or rebuild every broker
 *       with it. New entries are sealed with the new key, old ones still open.
 *   <li>Re-seal every stored grant under the new primary key.
 *   <li>{@link #retireOldKeys} and save: only the primary key stays. Entries that were not
 *       re-sealed can no longer be opened, so do this only after a re-seal without failures.
 * </ol>
 *
 * <h2>File permissions</h2>
 *
 * <p>Files are written atomically (temporary file in the same directory, fsync, atomic rename) and
 * created with owner-only permissions ({@code 0600} on POSIX, set at creation). {@link
 * #fromFile(Path)} refuses a cleartext keyset file that its group or others may read or write, with
 * a {@link Kind#MISCONFIGURED} error telling how to fix it; pass {@link PermissionCheck#SKIP} to
 * {@link #fromFile(Path, PermissionCheck)} where the sharing is intended (for example a
 * group-readable secret mounted by a container runtime). On file systems without POSIX permissions
 * no check is made. Encrypted keyset files are not checked: they are useless without the master
 * key.
 *
 * <h2>Failures</h2>
 *
 * <p>Every method throws {@link KeysetException}: {@link Kind#MISCONFIGURED} for a missing,
 * malformed or too widely readable keyset, or one that holds no AEAD keys; {@link
 * Kind#CANNOT_DECRYPT} when a master key cannot decrypt an encrypted keyset; {@link
 * Kind#UNAVAILABLE} for other I/O errors. Messages name the file or variable but never contain key
 * material or the keyset's content, and Tink's own exceptions (which may quote input) are not
 * attached as causes when the input is secret.
 *
 * <p>All methods are static and thread-safe; {@link KeysetHandle}s are immutable.
 */
public final class Keysets {

  /** Whether {@link #fromFile(Path, PermissionCheck)} checks the file's permissions. */
  public enum PermissionCheck {
    /**
     * Refuse a cleartext keyset file that its group or others may read or write (POSIX only). The
     * default.
     */
    OWNER_ONLY,
    /** Accept the file whatever its permissions. */
    SKIP
  }

  /** Bigger files are not keysets; refusing them avoids reading some huge file by mistake. */
  private static final long MAX_KEYSET_FILE_BYTES = 1 << 20;

  /**
   * Associated data for encrypted keysets: empty, as Tinkey and {@code KeysetHandle.write} use, so
   * files made with Tinkey's {@code --master-key-uri} load here and the other way round.
   */
  private static final byte[] ENCRYPTED_KEYSET_ASSOCIATED_DATA = new byte[0];

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private Keysets() {}

  /** Returns a new keyset holding one fresh AES256-GCM key. */
  public static KeysetHandle generate() {
    try {
      return KeysetHandle.newBuilder().addEntry(newPrimaryEntry()).build();
    } catch (GeneralSecurityException e) {
      throw new KeysetException(
          "cannot generate an AES256-GCM keyset: " + e.getMessage(), Kind.MISCONFIGURED, e);
    }
  }

  /**
   * Parses a cleartext Tink JSON keyset, for example one read from a secrets manager.
   *
   * @throws KeysetException {@link Kind#MISCONFIGURED} if it is not a valid AEAD keyset
   */
  public static KeysetHandle fromJson(String json) {
    requireNonNull(json, "json == null");
    return parse(json, "the keyset JSON");
  }

  /** Loads a cleartext JSON keyset file, refusing it if group or others can access it. */
  public static KeysetHandle fromFile(Path file) {
    return fromFile(file, PermissionCheck.OWNER_ONLY);
  }

  /**
   * Loads a cleartext JSON keyset file.
   *
   * @throws KeysetException {@link Kind#MISCONFIGURED} if the file is missing, unreadable, not a
   *     valid AEAD keyset, an encrypted keyset, or (with {@link PermissionCheck#OWNER_ONLY})
   *     accessible by group or others
   */
  public static KeysetHandle fromFile(Path file, PermissionCheck check) {
    requireNonNull(file, "file == null");
    requireNonNull(check, "check == null");
    if (check == PermissionCheck.OWNER_ONLY) {
      checkOwnerOnly(file);
    }
    SecureFiles.removeLeftoverLinks(file); // a crashed loadOrCreate may have left a second name
    String json = read(file);
    if (looksEncrypted(json)) {
      throw misconfigured(
          "keyset file "
              + file
              + " holds an encrypted keyset; load it with Keysets.fromEncryptedFile and its master"
              + " key");
    }
    return parse(json, "keyset file " + file);
  }

  /**
   * Atomically writes {@code keyset} as a cleartext JSON keyset file readable by its owner only.
   *
   * <p>An existing file is replaced only if it holds a cleartext keyset that shares at least one
   * key with {@code keyset} (as after {@link #rotate} or {@link #retireOldKeys}). An unrelated or
   * unreadable existing file is never overwritten, since the grants sealed under it could not be
   * opened any more: move it away first if you really mean to replace it.
   *
   * @throws KeysetException {@link Kind#MISCONFIGURED} if an unrelated file exists, {@link
   *     Kind#UNAVAILABLE} if the write failed (the old file is then unchanged)
   */
  public static void toFile(KeysetHandle keyset, Path file) {
    requireNonNull(keyset, "keyset == null");
    requireNonNull(file, "file == null");
    if (Files.exists(file)) {
      KeysetHandle existing;
      try {
        existing = fromFile(file, PermissionCheck.SKIP);
      } catch (KeysetException e) {
        throw refuseToReplace(file, e.getMessage());
      }
      checkRelated(existing, keyset, file);
    }
    byte[] json = serialize(keyset).getBytes(UTF_8);
    write(file, json);
  }

  /**
   * Loads the cleartext keyset file, or if it does not exist generates a keyset and saves it there
   * (owner-only). Safe when several threads or processes call it at once for the same file: one
   * creates it, the others load what it wrote. The directory must exist.
   *
   * @throws KeysetException as {@link #fromFile(Path)} and {@link #toFile}
   */
  public static KeysetHandle loadOrCreate(Path file) {
    requireNonNull(file, "file == null");
    if (Files.exists(file)) {
      return fromFile(file);
    }
    KeysetHandle fresh = generate();
    byte[] json = serialize(fresh).getBytes(UTF_8);
    boolean created;
    try {
      created = SecureFiles.createIfAbsent(file, json);
    } catch (NoSuchFileException e) {
      throw misconfigured("the directory of keyset file " + file + " does not exist", e);
    } catch (IOException e) {
      throw unavailable("cannot create keyset file " + file, e);
    }
    return created ? fresh : fromFile(file);
  }

  /**
   * Loads the keyset from the environment variable {@code variableName}, which holds the Tink JSON
   * keyset, plain or base64-encoded.
   */
  public static KeysetHandle fromEnvironment(String variableName) {
    return fromEnvironment(variableName, System::getenv);
  }

  /**
   * Loads the keyset from the variable {@code variableName} looked up with {@code environment} (for
   * example {@code Map::get}), which holds the Tink JSON keyset, plain or base64-encoded.
   *
   * @throws KeysetException {@link Kind#MISCONFIGURED} if the variable is unset, blank or does not
   *     hold a valid AEAD keyset; the message never quotes the value
   */
  public static KeysetHandle fromEnvironment(
      String variableName, Function<String, @Nullable String> environment) {
    requireNonNull(variableName, "variableName == null");
    requireNonNull(environment, "environment == null");
    String value = environment.apply(variableName);
    String source = "environment variable " + variableName;
    if (value == null || value.isBlank()) {
      throw misconfigured(source + " is not set or empty; it must hold a Tink JSON keyset");
    }
    String trimmed = value.strip();
    if (!trimmed.startsWith("{")) {
      trimmed = decodeBase64(trimmed, source);
    }
    return parse(trimmed, source);
  }

  /**
   * Loads a keyset file encrypted with {@code master}, typically an {@link Aead} backed by your KMS
   * (Tink's encrypted keyset format, as written by {@link #toEncryptedFile} or by Tinkey with
   * {@code --master-key-uri}).
   *
   * @throws KeysetException {@link Kind#CANNOT_DECRYPT} if {@code master} cannot decrypt it (wrong
   *     master key, damaged file, or the KMS refused), {@link Kind#MISCONFIGURED} if the file is
   *     missing or not an encrypted keyset
   */
  public static KeysetHandle fromEncryptedFile(Path file, Aead master) {
    requireNonNull(file, "file == null");
    requireNonNull(master, "master == null");
    String json = read(file);
    if (!looksEncrypted(json)) {
      throw misconfigured(
          "keyset file "
              + file
              + " does not hold an encrypted keyset (no \"encryptedKeyset\" field); a cleartext"
              + " keyset loads with Keysets.fromFile");
    }
    KeysetHandle keyset;
    try {
      keyset =
          TinkJsonProtoKeysetFormat.parseEncryptedKeyset(
              json, master, ENCRYPTED_KEYSET_ASSOCIATED_DATA, Tink.configuration());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new KeysetException(
          "cannot decrypt keyset file "
              + file
              + " with the given master key ("
              + e.getClass().getSimpleName()
              + "). Likely causes: a different master key than the one it was encrypted with, the"
              + " KMS refused or could not be reached, or the file is damaged",
          Kind.CANNOT_DECRYPT,
          null);
    }
    return requireAead(keyset, "keyset file " + file);
  }

  /**
   * Atomically writes {@code keyset} encrypted with {@code master} (owner-only permissions, like
   * {@link #toFile}). An existing file is replaced only if {@code master} decrypts it and it shares
   * at least one key with {@code keyset}.
   *
   * @throws KeysetException {@link Kind#CANNOT_DECRYPT} if encryption with {@code master} fails,
   *     {@link Kind#MISCONFIGURED} if an unrelated file exists, {@link Kind#UNAVAILABLE} if the
   *     write failed
   */
  public static void toEncryptedFile(KeysetHandle keyset, Path file, Aead master) {
    requireNonNull(keyset, "keyset == null");
    requireNonNull(file, "file == null");
    requireNonNull(master, "master == null");
    if (Files.exists(file)) {
      KeysetHandle existing;
      try {
        existing = fromEncryptedFile(file, master);
      } catch (KeysetException e) {
        throw refuseToReplace(file, e.getMessage());
      }
      checkRelated(existing, keyset, file);
    }
    String json;
    try {
      json =
          TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(
              keyset, master, ENCRYPTED_KEYSET_ASSOCIATED_DATA, Tink.configuration());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new KeysetException(
          "cannot encrypt the keyset for "
              + file
              + " with the given master key ("
              + e.getClass().getSimpleName()
              + "); the KMS may have refused or could not be reached",
          Kind.CANNOT_DECRYPT,
          null);
    }
    write(file, json.getBytes(UTF_8));
  }

  /**
   * Returns {@code keyset} plus a new AES256-GCM key, which becomes the primary: new entries are
   * sealed with it, and entries sealed with the old keys still open. Save the result before using
   * it.
   */
  public static KeysetHandle rotate(KeysetHandle keyset) {
    requireNonNull(keyset, "keyset == null");
    requireAead(keyset, "the keyset to rotate");
    try {
      return KeysetHandle.newBuilder(keyset).addEntry(newPrimaryEntry()).build();
    } catch (GeneralSecurityException e) {
      throw misconfigured("cannot add a new key to the keyset (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Returns {@code keyset} with every key except the primary removed. Entries sealed with a removed
   * key can no longer be opened: call this only after every stored grant was re-sealed under the
   * primary key without failures.
   */
  public static KeysetHandle retireOldKeys(KeysetHandle keyset) {
    requireNonNull(keyset, "keyset == null");
    requireAead(keyset, "the keyset to retire old keys from");
    KeysetHandle.Builder builder = KeysetHandle.newBuilder(keyset);
    for (int i = builder.size() - 1; i >= 0; i--) {
      if (!builder.getAt(i).isPrimary()) {
        builder.deleteAt(i);
      }
    }
    try {
      return builder.build();
    } catch (GeneralSecurityException e) {
      throw misconfigured("cannot remove the old keys from the keyset (" + e.getMessage() + ")", e);
    }
  }

  private static KeysetHandle.Builder.Entry newPrimaryEntry() {
    Tink.configuration(); // registers the AES-GCM key creator
    return KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
        .withRandomId()
        .makePrimary();
  }

  private static KeysetHandle parse(String json, String source) {
    KeysetHandle keyset;
    try {
      keyset =
          TinkJsonProtoKeysetFormat.parseKeyset(
              json, Tink.configuration(), InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException | RuntimeException e) {
      // The cause may quote the (secret) input, so only its type is reported.
      throw misconfigured(
          source + " is not a valid Tink JSON keyset (" + e.getClass().getSimpleName() + ")");
    }
    return requireAead(keyset, source);
  }

  private static KeysetHandle requireAead(KeysetHandle keyset, String source) {
    try {
      keyset.getPrimitive(Tink.configuration(), Aead.class);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw misconfigured(
          source
              + " is not a usable AEAD keyset ("
              + e.getClass().getSimpleName()
              + "); tokenbroker needs AEAD keys such as AES256-GCM");
    }
    return keyset;
  }

  private static String serialize(KeysetHandle keyset) {
    requireAead(keyset, "the keyset to save");
    try {
      return TinkJsonProtoKeysetFormat.serializeKeyset(
          keyset, Tink.configuration(), InsecureSecretKeyAccess.get());
    } catch (GeneralSecurityException e) {
      throw misconfigured("cannot serialize the keyset (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static String read(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_KEYSET_FILE_BYTES) {
        throw misconfigured(
            "keyset file " + file + " is " + size + " bytes long; a keyset is far smaller");
      }
      return Files.readString(file, UTF_8);
    } catch (NoSuchFileException e) {
      throw misconfigured("keyset file " + file + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw misconfigured("keyset file " + file + " cannot be read: permission denied", e);
    } catch (CharacterCodingException e) {
      throw misconfigured("keyset file " + file + " is not a valid Tink JSON keyset (not UTF-8)");
    } catch (IOException e) {
      throw unavailable("cannot read keyset file " + file, e);
    }
  }

  private static void write(Path file, byte[] content) {
    try {
      SecureFiles.replace(file, content);
    } catch (NoSuchFileException e) {
      throw misconfigured("the directory of keyset file " + file + " does not exist", e);
    } catch (IOException e) {
      throw unavailable("cannot write keyset file " + file, e);
    }
  }

  private static void checkOwnerOnly(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return;
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = view.readAttributes().permissions();
    } catch (NoSuchFileException e) {
      throw misconfigured("keyset file " + file + " does not exist", e);
    } catch (IOException e) {
      throw unavailable("cannot read the permissions of keyset file " + file, e);
    }
    Set<PosixFilePermission> shared = new HashSet<>(permissions);
    shared.retainAll(GROUP_OR_OTHERS);
    if (!shared.isEmpty()) {
      throw misconfigured(
          "keyset file "
              + file
              + " is accessible by group or others (permissions "
              + PosixFilePermissions.toString(permissions)
              + "); it holds the keys to every stored token. Run 'chmod 600 "
              + file
              + "', or load it with Keysets.PermissionCheck.SKIP if the sharing is intended");
    }
  }

  private static boolean looksEncrypted(String json) {
    return json.contains("\"encryptedKeyset\"");
  }

  private static void checkRelated(KeysetHandle existing, KeysetHandle replacement, Path file) {
    Set<Integer> existingIds = new HashSet<>();
    for (int i = 0; i < existing.size(); i++) {
      existingIds.add(existing.getAt(i).getId());
    }
    for (int i = 0; i < replacement.size(); i++) {
      if (existingIds.contains(replacement.getAt(i).getId())) {
        return;
      }
    }
    throw refuseToReplace(file, "it holds an unrelated keyset (no key in common)");
  }

  private static KeysetException refuseToReplace(Path file, @Nullable String why) {
    return misconfigured(
        "refusing to replace keyset file "
            + file
            + ": "
            + why
            + ". Grants sealed under the keyset in it could no longer be opened; move the file"
            + " away first if you really mean to replace it");
  }

  private static String decodeBase64(String value, String source) {
    String compact = value.replaceAll("\\s+", "");
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(compact);
    } catch (IllegalArgumentException standard) {
      try {
        decoded = Base64.getUrlDecoder().decode(compact);
      } catch (IllegalArgumentException urlSafe) {
        throw misconfigured(source + " holds neither a Tink JSON keyset nor a base64-encoded one");
      }
    }
    return new String(decoded, UTF_8);
  }

  private static KeysetException misconfigured(String message) {
    return new KeysetException(message, Kind.MISCONFIGURED, null);
  }

  private static KeysetException misconfigured(String message, Throwable cause) {
    return new KeysetException(message, Kind.MISCONFIGURED, cause);
  }

  private static KeysetException unavailable(String message, IOException cause) {
    return new KeysetException(
        message + ": " + cause.getClass().getSimpleName(), Kind.UNAVAILABLE, cause);
  }
}
