package io.tokenbroker.oauth;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** The non-secret status of a broker's grants: one, or every registered or stored grant. */
final class GrantStatuses {

  /** How many grants {@link #all()} reads from the store at a time. */
  private static final int STATUS_PAGE = 1000;

  private final BrokerSettings settings;
  private final GrantCache grants;
  private final ClientTemplates templates;

  GrantStatuses(BrokerSettings settings, GrantCache grants, ClientTemplates templates) {
    this.settings = settings;
    this.grants = grants;
    this.templates = templates;
  }

  /** Non-secret status of one grant, registered or only stored. */
  GrantStatus status(GrantKey key) {
    Grant grant = grants.get(key);
    GrantRecord record = null;
    boolean stored;
    try {
      record = StoredState.recordOrNull(settings, key);
      stored = record != null;
    } catch (TokenStoreException e) {
      stored = true;
    }
    return statusOf(key, grant, record, stored);
  }

  /** Status of every registered or stored grant, sorted by key, read from the store by pages. */
  List<GrantStatus> all() {
    TreeMap<GrantKey, GrantStatus> result = new TreeMap<>();
    GrantKey after = null;
    do {
      GrantPage page = settings.store.loadPage("", after, STATUS_PAGE);
      for (StoredGrant entry : page.grants()) {
        GrantKey key = entry.key();
        GrantRecord record;
        try {
          record = StoredState.open(settings, key, entry);
        } catch (TokenStoreException e) {
          record = null; // unreadable: reported as stored, without details
        }
        result.put(key, statusOf(key, grants.get(key), record, true));
      }
      after = page.next();
    } while (after != null);
    for (GrantKey key : grants.keys()) {
      result.computeIfAbsent(key, k -> statusOf(k, grants.get(k), null, false));
    }
    return new ArrayList<>(result.values());
  }

  private GrantStatus statusOf(
      GrantKey key, @Nullable Grant grant, @Nullable GrantRecord record, boolean stored) {
    if (record == null && grant != null) {
      record = grant.currentRecord();
    }
    if (grant == null && !stored) {
      throw new UnknownGrantException(key);
    }
    ClientAuthentication authentication =
        record != null && record.clientAuthentication() != null
            ? record.clientAuthentication()
            : grant != null ? grant.registration().provider().clientAuthentication() : null;
    return new GrantStatus(
        key,
        grant != null
            ? grant.registration().provider().name()
            : record != null ? record.provider() : null,
        grant != null ? grant.type() : record != null ? record.grantType() : null,
        record == null ? null : record.tokens().expiresAt(),
        record != null && record.tokens().refreshToken() != null,
        record != null && record.reauthorizationRequired(),
        // Registered here: on its own, or through the template its entry names.
        grant != null
            || (record != null
                && record.template() != null
                && templates.contains(record.template())),
        stored,
        authentication,
        record != null ? record.dpopKey() != null : grant != null && grant.registration().dpop(),
        record != null
            ? record.resources()
            : grant != null ? grant.registration().resources() : List.of(),
        record != null
            ? record.audience()
            : grant != null ? grant.registration().audience() : List.of(),
        record == null ? java.util.Set.of() : record.tokens().scopes());
  }
}
