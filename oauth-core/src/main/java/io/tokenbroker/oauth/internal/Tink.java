package io.tokenbroker.oauth.internal;

import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import java.security.GeneralSecurityException;

/**
 * The one place that registers Tink's AEAD key types. Tink's registry is process-global; {@link
 * AeadConfig#register()} is idempotent, and the holder idiom makes us call it once.
 */
public final class Tink {
  private Tink() {}

  /** The Tink configuration to parse, serialize and build primitives with; AEAD registered. */
  public static Configuration configuration() {
    return Holder.CONFIGURATION;
  }

  private static final class Holder {
    static final Configuration CONFIGURATION = load();

    private static Configuration load() {
      try {
        AeadConfig.register();
        return RegistryConfiguration.get();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot register Tink's AEAD key types", e);
      }
    }
  }
}
