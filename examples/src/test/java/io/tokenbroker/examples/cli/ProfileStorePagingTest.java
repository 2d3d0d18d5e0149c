package io.tokenbroker.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantPage;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.testkit.ForwardingTokenStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code status} reads the CLI's profiles page by page, never one store read per profile. */
class ProfileStorePagingTest {

  /** Counts reads; delegates everything to an in-memory store. */
  static final class CountingStore extends ForwardingTokenStore {
    final AtomicInteger loads = new AtomicInteger();
    final AtomicInteger pages = new AtomicInteger();

    CountingStore() {
      super(InMemoryTokenStore.create());
    }

    @Override
    public Optional<StoredGrant> load(GrantKey key) {
      loads.incrementAndGet();
      return super.load(key);
    }

    @Override
    public GrantPage loadPage(String keyPrefix, @Nullable GrantKey after, int limit) {
      pages.incrementAndGet();
      return super.loadPage(keyPrefix, after, limit);
    }
  }

  @Test
  @DisplayName("loadAll and names read 1,201 profiles in pages, with no read per profile")
  void profilesArePaged() {
    CountingStore store = new CountingStore();
    ProfileStore profiles = new ProfileStore(store, "memory", Keysets.generate());
    int count = 1201;
    for (int i = 0; i < count; i++) {
      profiles.save(profile(String.format("grant-%04d", i)));
    }
    ProfileStore other = new ProfileStore(store, "memory", Keysets.generate());
    store.loads.set(0);
    store.pages.set(0);

    Map<String, ProfileStore.Loaded> all = profiles.loadAll();
    assertEquals(count, all.size());
    assertEquals("client-grant-0042", all.get("grant-0042").profile().clientId());
    assertEquals(3, store.pages.get(), "pages of 500");
    assertEquals(0, store.loads.get(), "no read per profile");

    assertEquals(count, profiles.names().size());
    assertEquals(0, store.loads.get());

    // A profile sealed under another keyset is listed as unreadable, not dropped.
    other.save(profile("foreign"));
    ProfileStore.Loaded foreign = profiles.loadAll().get("foreign");
    assertNotNull(foreign);
    assertNull(foreign.profile());
    assertTrue(profiles.names().contains("foreign"));
  }

  private static Profile profile(String name) {
    return new Profile(
        name,
        Providers.GENERIC,
        Map.of(),
        "client-" + name,
        ClientSecret.of("secret-of-" + name),
        List.of("read"),
        GrantType.CLIENT_CREDENTIALS,
        "",
        null,
        Map.of());
  }
}
