package io.tokenbroker.oauth.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.Key;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.aead.AeadKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.util.Bytes;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Seals (encrypts and authenticates) grant entries before any store sees them, and opens them.
 *
 * <h2>Format</h2>
 *
 * <pre>
 *   sealed = version (1 byte, {@value #FORMAT_V1}) || Tink AEAD ciphertext
 *   associated data = "tokenbroker/v1" || 0x00 || UTF-8(grant key)
 * </pre>
 *
 * The associated data binds an entry to its grant key and format version: bytes copied onto another
 * key, or relabelled with another version, fail to open. Grant keys contain no control characters,
 * so the NUL separator keeps the encoding unambiguous. Tink ciphertexts of keys with the TINK
 * output prefix (what {@code Keysets} generates) start with {@code 0x01} and the 4-byte key id,
 * which {@link #isSealedWithPrimary} and the error messages use.
 *
 * <h2>Failures</h2>
 *
 * {@link #open} throws {@link TokenStoreException} with {@link Kind#CORRUPT} for an entry that is
 * empty, has an unknown format version or is too short to be a ciphertext, and {@link
 * Kind#CANNOT_DECRYPT} when authentication fails. Messages name the grant and never contain the
 * entry's bytes, the plaintext or key material.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenSealer {
  /** The current (and only) format version, the first byte of every sealed entry. */
  public static final byte FORMAT_V1 = 1;

  private static final byte[] AAD_PREFIX_V1 = "tokenbroker/v1\0".getBytes(UTF_8);

  /** Pending consents are bound to their id under another label: never mistaken for a grant. */
  private static final byte[] CONSENT_AAD_PREFIX_V1 = "tokenbroker/consent/v1\0".getBytes(UTF_8);

  private static final int TINK_PREFIX_SIZE = 5;

  private final Aead aead;
  private final int primaryKeyId;
  private final Bytes primaryPrefix;
  private final Set<Bytes> knownPrefixes;

  /** Whether some key's ciphertexts carry no recognisable key-id prefix (RAW or unknown keys). */
  private final boolean hasKeysWithoutPrefix;

  /** Shortest Tink ciphertext any enabled key can produce; shorter bodies are corrupt. */
  private final int minCiphertextLength;

  private final int keyCount;

  /**
   * Creates a sealer for {@code keyset}: it seals with the primary key and opens entries sealed
   * with any enabled key in it.
   *
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if {@code keyset} is not an AEAD keyset
   */
  public TokenSealer(KeysetHandle keyset) {
    requireNonNull(keyset, "keyset == null");
    try {
      this.aead = keyset.getPrimitive(Tink.configuration(), Aead.class);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new TokenStoreException(
          "the keyset is not a usable AEAD keyset ("
              + e.getClass().getSimpleName()
              + "); tokenbroker needs AEAD keys such as AES256-GCM",
          Kind.MISCONFIGURED,
          null,
          null);
    }
    KeysetHandle.Entry primary = keyset.getPrimary();
    this.primaryKeyId = primary.getId();
    this.primaryPrefix = prefixOf(primary.getKey());
    Set<Bytes> prefixes = new HashSet<>();
    boolean withoutPrefix = false;
    int minLength = Integer.MAX_VALUE;
    int enabled = 0;
    for (int i = 0; i < keyset.size(); i++) {
      KeysetHandle.Entry entry = keyset.getAt(i);
      if (!entry.getStatus().equals(KeyStatus.ENABLED)) {
        continue;
      }
      enabled++;
      Key key = entry.getKey();
      Bytes prefix = prefixOf(key);
      if (prefix.size() == 0) {
        withoutPrefix = true;
      } else {
        prefixes.add(prefix);
      }
      int overhead =
          key.getParameters() instanceof AesGcmParameters gcm
              ? gcm.getIvSizeBytes() + gcm.getTagSizeBytes()
              : 0;
      minLength = Math.min(minLength, prefix.size() + overhead);
    }
    this.knownPrefixes = Set.copyOf(prefixes);
    this.hasKeysWithoutPrefix = withoutPrefix;
    this.minCiphertextLength = Math.max(1, minLength == Integer.MAX_VALUE ? 1 : minLength);
    this.keyCount = enabled;
  }

  /**
   * Seals {@code plaintext} for {@code key} with the primary key.
   *
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the primary key cannot encrypt (for
   *     example a remote KMS key that is unreachable)
   */
  public byte[] seal(GrantKey key, byte[] plaintext) {
    requireNonNull(key, "key == null");
    requireNonNull(plaintext, "plaintext == null");
    try {
      return encrypt(plaintext, associatedData(key));
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "cannot seal the entry of grant '"
              + key
              + "' with primary key id "
              + Integer.toUnsignedString(primaryKeyId)
              + " ("
              + e.getClass().getSimpleName()
              + ")",
          Kind.MISCONFIGURED,
          key,
          null);
    }
  }

  /** The format byte followed by the AEAD ciphertext of {@code plaintext}. */
  private byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
    byte[] ciphertext = aead.encrypt(plaintext, associatedData);
    byte[] sealed = new byte[1 + ciphertext.length];
    sealed[0] = FORMAT_V1;
    System.arraycopy(ciphertext, 0, sealed, 1, ciphertext.length);
    return sealed;
  }

  /**
   * Opens an entry sealed for {@code key} with any enabled key of this sealer's keyset.
   *
   * @throws TokenStoreException {@link Kind#CORRUPT} if {@code sealed} is not a sealed entry,
   *     {@link Kind#CANNOT_DECRYPT} if it does not authenticate for {@code key} under this keyset
   */
  public byte[] open(GrantKey key, byte[] sealed) {
    requireNonNull(key, "key == null");
    requireNonNull(sealed, "sealed == null");
    if (sealed.length == 0) {
      throw corrupt(key, "it is empty");
    }
    if (sealed[0] != FORMAT_V1) {
      throw corrupt(
          key,
          "its format version "
              + Byte.toUnsignedInt(sealed[0])
              + " is unknown (expected "
              + FORMAT_V1
              + "); it was not written by this version of tokenbroker, or it is damaged");
    }
    int bodyLength = sealed.length - 1;
    if (bodyLength < minCiphertextLength) {
      throw corrupt(
          key,
          "it is "
              + sealed.length
              + " bytes long, too short to be a sealed entry; it was probably truncated");
    }
    byte[] ciphertext = Arrays.copyOfRange(sealed, 1, sealed.length);
    try {
      return aead.decrypt(ciphertext, associatedData(key));
    } catch (GeneralSecurityException e) {
      throw cannotDecrypt(key, ciphertext);
    }
  }

  /**
   * Seals a pending consent (its state, PKCE verifier, redirect URI, template and grant key) for
   * the store under {@code id}, with the primary key; bound to {@code id}.
   *
   * @throws TokenStoreException {@link Kind#MISCONFIGURED} if the primary key cannot encrypt
   */
  public byte[] sealConsent(String id, byte[] plaintext) {
    requireNonNull(id, "id == null");
    requireNonNull(plaintext, "plaintext == null");
    try {
      return encrypt(plaintext, consentAssociatedData(id));
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "cannot seal a pending consent (" + e.getClass().getSimpleName() + ")",
          Kind.MISCONFIGURED,
          null,
          null);
    }
  }

  /**
   * Opens a pending consent sealed under {@code id} by {@link #sealConsent}.
   *
   * @throws TokenStoreException {@link Kind#CORRUPT} if it is not a sealed entry, {@link
   *     Kind#CANNOT_DECRYPT} if it does not authenticate for {@code id} under this keyset
   */
  public byte[] openConsent(String id, byte[] sealed) {
    requireNonNull(id, "id == null");
    requireNonNull(sealed, "sealed == null");
    if (sealed.length < 1 + minCiphertextLength || sealed[0] != FORMAT_V1) {
      throw new TokenStoreException(
          "a pending consent in the store is corrupt: it is too short or not in format "
              + FORMAT_V1,
          Kind.CORRUPT,
          null,
          null);
    }
    try {
      return aead.decrypt(Arrays.copyOfRange(sealed, 1, sealed.length), consentAssociatedData(id));
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "cannot open a pending consent: it does not authenticate under the keyset in use"
              + " (another keyset, or the entry was tampered with)",
          Kind.CANNOT_DECRYPT,
          null,
          null);
    }
  }

  /**
   * Opens an entry sealed for {@code key} with {@code aead}, a primitive the caller built from the
   * keyset (for example with only the AES-GCM key type registered, to start faster). The same
   * format checks as {@link #open}, with shorter messages: no key ids are reported.
   *
   * @throws TokenStoreException {@link Kind#CORRUPT} if {@code sealed} is not a sealed entry,
   *     {@link Kind#CANNOT_DECRYPT} if it does not authenticate for {@code key} under {@code aead}
   */
  public static byte[] openWith(Aead aead, GrantKey key, byte[] sealed) {
    requireNonNull(aead, "aead == null");
    requireNonNull(key, "key == null");
    requireNonNull(sealed, "sealed == null");
    if (sealed.length < 2 || sealed[0] != FORMAT_V1) {
      throw corrupt(key, "it is empty or not in format " + FORMAT_V1);
    }
    try {
      return aead.decrypt(Arrays.copyOfRange(sealed, 1, sealed.length), associatedData(key));
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "cannot open the sealed entry of grant '"
              + key
              + "': it does not authenticate under the keyset in use",
          Kind.CANNOT_DECRYPT,
          key,
          null);
    }
  }

  /**
   * Whether {@code sealed} looks sealed with this keyset's primary key, judged by its key-id prefix
   * without decrypting. Used to skip entries that need no re-sealing. Always {@code false} for a
   * primary key without output prefix (RAW), whose ciphertexts do not say which key made them;
   * re-sealing those again is harmless.
   */
  public boolean isSealedWithPrimary(byte[] sealed) {
    requireNonNull(sealed, "sealed == null");
    int prefixSize = primaryPrefix.size();
    if (prefixSize == 0 || sealed.length < 1 + prefixSize || sealed[0] != FORMAT_V1) {
      return false;
    }
    return Bytes.copyFrom(sealed, 1, prefixSize).equals(primaryPrefix);
  }

  /** The id of the primary key, which seals new entries. Key ids are not secret. */
  public int primaryKeyId() {
    return primaryKeyId;
  }

  @Override
  public String toString() {
    return "TokenSealer[primaryKeyId="
        + Integer.toUnsignedString(primaryKeyId)
        + ", enabledKeys="
        + keyCount
        + "]";
  }

  static byte[] associatedData(GrantKey key) {
    return labelled(AAD_PREFIX_V1, key.value());
  }

  private static byte[] consentAssociatedData(String id) {
    return labelled(CONSENT_AAD_PREFIX_V1, id);
  }

  private static byte[] labelled(byte[] prefix, String value) {
    byte[] valueBytes = value.getBytes(UTF_8);
    byte[] aad = Arrays.copyOf(prefix, prefix.length + valueBytes.length);
    System.arraycopy(valueBytes, 0, aad, prefix.length, valueBytes.length);
    return aad;
  }

  private static Bytes prefixOf(Key key) {
    return key instanceof AeadKey aeadKey ? aeadKey.getOutputPrefix() : Bytes.copyFrom(new byte[0]);
  }

  private TokenStoreException cannotDecrypt(GrantKey key, byte[] ciphertext) {
    StringBuilder message =
        new StringBuilder("cannot open the sealed entry of grant '")
            .append(key)
            .append("': it does not authenticate under the keyset in use (primary key id ")
            .append(Integer.toUnsignedString(primaryKeyId))
            .append(", ")
            .append(keyCount)
            .append(keyCount == 1 ? " key). " : " keys). ");
    if (!hasKeysWithoutPrefix && ciphertext.length >= TINK_PREFIX_SIZE) {
      Bytes prefix = Bytes.copyFrom(ciphertext, 0, TINK_PREFIX_SIZE);
      if (!knownPrefixes.contains(prefix)) {
        int sealedWith =
            ((ciphertext[1] & 0xff) << 24)
                | ((ciphertext[2] & 0xff) << 16)
                | ((ciphertext[3] & 0xff) << 8)
                | (ciphertext[4] & 0xff);
        message
            .append("It names key id ")
            .append(Integer.toUnsignedString(sealedWith))
            .append(", which is not in this keyset: that key was retired before the entry was")
            .append(" re-sealed, this is the wrong keyset, or the entry is damaged.");
        return new TokenStoreException(message.toString(), Kind.CANNOT_DECRYPT, key, null);
      }
    }
    message.append(
        "Likely causes: a wrong or outdated keyset, the entry was tampered with or damaged, or it"
            + " was copied from another grant.");
    return new TokenStoreException(message.toString(), Kind.CANNOT_DECRYPT, key, null);
  }

  private static TokenStoreException corrupt(GrantKey key, String why) {
    return new TokenStoreException(
        "the sealed entry of grant '" + key + "' is corrupt: " + why, Kind.CORRUPT, key, null);
  }
}
