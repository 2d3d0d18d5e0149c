package io.tokenbroker.oauth;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One page of stored grants, from {@link TokenStore#loadPage}.
 *
 * @param grants the grants of this page, ordered by key
 * @param next the key to pass as {@code after} for the next page; null when this was the last page
 */
public record GrantPage(List<StoredGrant> grants, @Nullable GrantKey next) {

  public GrantPage {
    grants = List.copyOf(requireNonNull(grants, "grants == null"));
  }

  /** The key to continue after, or empty when there are no more grants. */
  public Optional<GrantKey> nextKey() {
    return Optional.ofNullable(next);
  }

  static GrantPage fromAll(
      TokenStore store, String keyPrefix, @Nullable GrantKey after, int limit) {
    requireNonNull(keyPrefix, "keyPrefix == null");
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    List<GrantKey> keys = new ArrayList<>();
    for (GrantKey key : store.list()) {
      if (key.value().startsWith(keyPrefix) && (after == null || key.compareTo(after) > 0)) {
        keys.add(key);
      }
    }
    keys.sort(null);
    List<StoredGrant> page = new ArrayList<>();
    GrantKey last = null;
    for (GrantKey key : keys) {
      if (page.size() == limit) {
        return new GrantPage(page, last);
      }
      Optional<StoredGrant> grant = store.load(key);
      if (grant.isPresent()) {
        page.add(grant.get());
      }
      last = key;
    }
    return new GrantPage(page, null);
  }
}
