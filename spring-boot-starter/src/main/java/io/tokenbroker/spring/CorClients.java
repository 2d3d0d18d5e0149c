package io.tokenbroker.spring;

import io.tokenbroker.cor.CorClient;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.internal.ConfiguredGrant;
import io.tokenbroker.spring.internal.ConfiguredGrants;
import io.tokenbroker.spring.internal.CorGrants;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link CorClient}s for the grants configured with {@code provider: cor}, by grant name; a bean
 * when cor-adapter is on the classpath.
 *
 * <pre>{@code
 * CorClient cor = corClients.client("cor");   // tokenbroker.grants.cor.provider: cor
 * for (Project p : cor.projects()) { ... }
 * }</pre>
 *
 * <p>Each client is built once, against the grant's {@code cor.api-url} (or COR's), and shared.
 * Thread-safe.
 */
public final class CorClients {
  private final TokenBroker broker;
  private final ConfiguredGrants grants;
  private final ConcurrentMap<String, CorClient> clients = new ConcurrentHashMap<>();

  CorClients(TokenBroker broker, ConfiguredGrants grants) {
    this.broker = broker;
    this.grants = grants;
  }

  /**
   * The client of the COR grant {@code grant}.
   *
   * @throws IllegalArgumentException if no grant of that name is configured with provider cor
   */
  public CorClient client(String grant) {
    return clients.computeIfAbsent(
        grant,
        name -> {
          ConfiguredGrant configured =
              grants
                  .find(name)
                  .filter(g -> g.provider() == ConfiguredGrant.ProviderKind.COR)
                  .orElseThrow(
                      () ->
                          new IllegalArgumentException(
                              "no COR grant '"
                                  + name
                                  + "' is configured (tokenbroker.grants."
                                  + name
                                  + ".provider: cor)"));
          return CorGrants.cor(configured.property(), configured.properties())
              .client(broker, configured.key());
        });
  }

  /** The names of the COR grants. */
  public Set<String> grants() {
    Set<String> names = new TreeSet<>();
    grants.all().values().stream()
        .filter(g -> g.provider() == ConfiguredGrant.ProviderKind.COR)
        .forEach(g -> names.add(g.name()));
    return names;
  }

  @Override
  public String toString() {
    return "CorClients" + grants();
  }
}
