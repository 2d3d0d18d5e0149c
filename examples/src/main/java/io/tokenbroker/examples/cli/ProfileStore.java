package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.oauth.TokenStoreException;
import io.tokenbroker.oauth.TokenStoreException.Kind;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Keeps {@link Profile}s in a second {@link TokenStore} beside the grants' store (a {@code
 * profiles} subdirectory of a file store, or the table {@code tokenbroker_cli_profiles} next to a
 * JDBC store's table), so the broker never mistakes a profile for a grant.
 *
 * <p>Each profile, client secret and private key included, is encrypted with the keyset's AEAD
 * primitive (Tink AES256-GCM); the associated data binds it to the profile's name, so an entry
 * copied under another name does not open. Nothing is written in plaintext. Thread-safe as the
 * store is.
 */
final class ProfileStore {
  private static final int FORMAT = 1;

  /** Lazily, so that {@link #opens} (the fast path) loads no data binding. */
  private static final class Json {
    static final ObjectMapper MAPPER =
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  }

  private final TokenStore store;
  private final String where;
  private volatile Aead aead;

  ProfileStore(TokenStore store, String where, KeysetHandle keyset) {
    this.store = requireNonNull(store, "store == null");
    this.where = requireNonNull(where, "where == null");
    this.aead = aead(keyset);
  }

  TokenStore store() {
    return store;
  }

  Optional<Profile> load(String name) {
    GrantKey key = GrantKey.of(name);
    return store.load(key).map(entry -> open(name, entry.sealed()));
  }

  void save(Profile profile) {
    GrantKey key = GrantKey.of(profile.name());
    byte[] sealed = seal(profile, aead);
    try (TokenStore.Lease lease = lease(key)) {
      long expected = store.load(key).map(StoredGrant::version).orElse(0L);
      if (store.compareAndSet(lease, expected, sealed, null).isPresent()) {
        return;
      }
    }
    throw new TokenStoreException(
        "could not save the CLI profile of '" + profile.name() + "': it keeps changing",
        Kind.UNAVAILABLE,
        key,
        null);
  }

  boolean delete(String name) {
    GrantKey key = GrantKey.of(name);
    try (TokenStore.Lease lease = lease(key)) {
      return store.delete(lease);
    }
  }

  /** The profile's store lease (every store write is fenced by one), waiting up to 10 s. */
  private TokenStore.Lease lease(GrantKey key) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Optional<TokenStore.Lease> lease = store.tryAcquireLease(key, Duration.ofMinutes(1));
      if (lease.isPresent()) {
        return lease.get();
      }
      if (System.nanoTime() - deadline > 0) {
        throw new TokenStoreException(
            "the CLI profile of '" + key + "' is being written by another process",
            Kind.UNAVAILABLE,
            key,
            null);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TokenStoreException(
            "interrupted while waiting to write the CLI profile of '" + key + "'",
            Kind.UNAVAILABLE,
            key,
            e);
      }
    }
  }

  /** Profiles read per page, not per name. */
  private static final int PAGE = 500;

  List<String> names() {
    List<String> names = new ArrayList<>();
    GrantKey after = null;
    do {
      GrantPage page = store.loadPage("", after, PAGE);
      for (StoredGrant entry : page.grants()) {
        names.add(entry.key().value());
      }
      after = page.next();
    } while (after != null);
    return names;
  }

  /** A profile as read by {@link #loadAll}: null if it cannot be opened with this keyset. */
  record Loaded(@Nullable Profile profile) {}

  /**
   * Every stored profile by name, read page by page (one store read per page). A profile that
   * cannot be opened maps to a {@link Loaded} without a profile.
   *
   * @throws TokenStoreException if the store is unavailable
   */
  Map<String, Loaded> loadAll() {
    Map<String, Loaded> all = new TreeMap<>();
    GrantKey after = null;
    do {
      GrantPage page = store.loadPage("", after, PAGE);
      for (StoredGrant entry : page.grants()) {
        String name = entry.key().value();
        Profile profile;
        try {
          profile = open(name, entry.sealed());
        } catch (TokenStoreException e) {
          if (e.isTransient()) {
            throw e;
          }
          profile = null;
        }
        all.put(name, new Loaded(profile));
      }
      after = page.next();
    } while (after != null);
    return all;
  }

  /**
   * Re-encrypts every profile under {@code next}'s primary key (after a key rotation).
   *
   * @return how many profiles were re-encrypted; those that cannot be opened are left as they are
   */
  int reencryptAll(KeysetHandle next) {
    Aead nextAead = aead(next);
    int done = 0;
    for (String name : names()) {
      GrantKey key = GrantKey.of(name);
      Optional<StoredGrant> entry = store.load(key);
      if (entry.isEmpty()) {
        continue;
      }
      Profile profile;
      try {
        profile = open(name, entry.get().sealed());
      } catch (TokenStoreException e) {
        continue;
      }
      long version = entry.get().version();
      try (TokenStore.Lease lease = lease(key)) {
        if (store.compareAndSet(lease, version, seal(profile, nextAead), null).isPresent()) {
          done++;
        }
      }
    }
    aead = nextAead;
    return done;
  }

  private byte[] seal(Profile p, Aead with) {
    Wire wire =
        new Wire(
            FORMAT,
            p.name(),
            p.provider(),
            p.settings(),
            p.clientId(),
            p.clientSecret() == null ? null : p.clientSecret().revealValue(),
            p.scopes(),
            p.grantType().name(),
            p.redirect(),
            p.privateKey() == null ? null : p.privateKey().revealPkcs8Pem(),
            p.parameters().isEmpty() ? null : p.parameters());
    try {
      return with.encrypt(Json.MAPPER.writeValueAsBytes(wire), associatedData(p.name()));
    } catch (GeneralSecurityException | IOException e) {
      throw new TokenStoreException(
          "could not encrypt the CLI profile of '" + p.name() + "'",
          Kind.MISCONFIGURED,
          GrantKey.of(p.name()),
          null);
    }
  }

  private Profile open(String name, byte[] sealed) {
    byte[] plain;
    try {
      plain = aead.decrypt(sealed, associatedData(name));
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "the CLI profile of '"
              + name
              + "' in "
              + where
              + " cannot be decrypted with this keyset (it was saved with another keyset, or it is"
              + " damaged)",
          Kind.CANNOT_DECRYPT,
          GrantKey.of(name),
          null);
    }
    try {
      Wire w = Json.MAPPER.readValue(plain, Wire.class);
      if (w.format() != FORMAT || !name.equals(w.name())) {
        throw new IOException("unexpected format");
      }
      Map<String, String> settings = w.settings() == null ? Map.of() : w.settings();
      return new Profile(
          w.name(),
          w.provider(),
          settings,
          w.clientId(),
          w.clientSecret() == null ? null : ClientSecret.of(w.clientSecret()),
          w.scopes() == null ? List.of() : w.scopes(),
          GrantType.valueOf(w.grantType()),
          w.redirect(),
          w.privateKey() == null ? null : Providers.clientKey(w.privateKey(), settings),
          w.parameters() == null ? Map.of() : w.parameters());
    } catch (IOException | RuntimeException e) {
      // Never attach the cause: Jackson quotes input, and the input holds the client secret and
      // the private key.
      throw new TokenStoreException(
          "the CLI profile of '" + name + "' in " + where + " is damaged",
          Kind.CORRUPT,
          GrantKey.of(name),
          null);
    }
  }

  /**
   * Whether {@code sealed} is the profile of {@code name} sealed under {@code aead}'s keyset (it
   * decrypts; its content is not read).
   */
  static boolean opens(Aead aead, String name, byte[] sealed) {
    try {
      aead.decrypt(sealed, associatedData(name));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static byte[] associatedData(String name) {
    return ("tokenbroker-cli-profile/" + FORMAT + "/" + name).getBytes(UTF_8);
  }

  static Aead aead(KeysetHandle keyset) {
    try {
      AeadConfig.register();
      return keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
    } catch (GeneralSecurityException e) {
      throw new TokenStoreException(
          "the keyset holds no usable AEAD key", Kind.MISCONFIGURED, null, null);
    }
  }

  /**
   * The JSON inside the encryption. {@code privateKey} (PEM PKCS#8) and {@code parameters} came
   * later: older profiles lack them and still open.
   */
  record Wire(
      int format,
      String name,
      String provider,
      @Nullable Map<String, String> settings,
      String clientId,
      @Nullable String clientSecret,
      @Nullable List<String> scopes,
      String grantType,
      String redirect,
      @Nullable String privateKey,
      @Nullable Map<String, List<String>> parameters) {
    /** Names the profile and leaves the client secret and private key out. */
    @Override
    public String toString() {
      return "Wire[name="
          + name
          + ", provider="
          + provider
          + ", clientId="
          + clientId
          + ", clientSecret="
          + (clientSecret == null ? "none" : "[redacted]")
          + ", privateKey="
          + (privateKey == null ? "none" : "[redacted]")
          + ", grantType="
          + grantType
          + "]";
    }
  }
}
