package io.tokenbroker.oauth;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A grant as the store holds it: no record and version 0 when there is no entry.
 *
 * @param record the decoded entry, or null when there is none
 * @param version the entry's version, 0 when there is none
 */
record StoredState(@Nullable GrantRecord record, long version) {

  /**
   * The grant {@code key} as the store holds it now: one store read and one decryption. An entry
   * that cannot be read is reported to the listener and thrown.
   */
  static StoredState read(BrokerSettings settings, GrantKey key) {
    Optional<StoredGrant> entry;
    try {
      entry = settings.store.load(key);
    } catch (TokenStoreException e) {
      if (e.kind() == TokenStoreException.Kind.CORRUPT) {
        settings.events.storeEntryUnreadable(key, e);
      }
      throw e;
    }
    if (entry.isEmpty()) {
      return new StoredState(null, 0);
    }
    GrantRecord record;
    try {
      record = open(settings, key, entry.get());
    } catch (TokenStoreException e) {
      settings.events.storeEntryUnreadable(key, e);
      throw e;
    }
    return new StoredState(record, entry.get().version());
  }

  /**
   * The record the store holds for {@code key}, or null: one read and one decryption, without
   * telling the listener about an entry that cannot be read.
   */
  static @Nullable GrantRecord recordOrNull(BrokerSettings settings, GrantKey key) {
    Optional<StoredGrant> stored = settings.store.load(key);
    if (stored.isEmpty()) {
      return null;
    }
    return open(settings, key, stored.get());
  }

  /** The record sealed in {@code entry} of {@code key}: one decryption. */
  static GrantRecord open(BrokerSettings settings, GrantKey key, StoredGrant entry) {
    return GrantRecord.decode(key, settings.sealer().open(key, entry.sealed()));
  }
}
