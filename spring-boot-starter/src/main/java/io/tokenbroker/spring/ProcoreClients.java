package io.tokenbroker.spring;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.procore.CompanyClient;
import io.tokenbroker.procore.ProcoreClient;
import io.tokenbroker.spring.internal.ConfiguredGrant;
import io.tokenbroker.spring.internal.ConfiguredGrants;
import io.tokenbroker.spring.internal.ProcoreGrants;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link ProcoreClient}s for the grants configured with {@code provider: procore}, by grant name; a
 * bean when procore-adapter is on the classpath.
 *
 * <pre>{@code
 * ProcoreClient procore = procoreClients.client("procore");
 * CompanyClient company = procoreClients.company("procore");   // procore.company-id
 * company.projects().stream()...
 * }</pre>
 *
 * <p>A client-credentials grant is a Procore service account: its requests all need the company, so
 * use {@link #company}. Each client is built once and shared. Thread-safe.
 */
public final class ProcoreClients {
  private final TokenBroker broker;
  private final ConfiguredGrants grants;
  private final ConcurrentMap<String, ProcoreClient> clients = new ConcurrentHashMap<>();

  ProcoreClients(TokenBroker broker, ConfiguredGrants grants) {
    this.broker = broker;
    this.grants = grants;
  }

  /**
   * The client of the Procore grant {@code grant}.
   *
   * @throws IllegalArgumentException if no grant of that name is configured with provider procore
   */
  public ProcoreClient client(String grant) {
    return clients.computeIfAbsent(
        grant,
        name -> {
          ConfiguredGrant configured = procoreGrant(name);
          return ProcoreGrants.procore(configured.property(), configured.properties())
              .client(broker, configured.key());
        });
  }

  /**
   * The calls of the grant's company, {@code procore.company-id} (each carries {@code
   * Procore-Company-Id}).
   *
   * @throws IllegalStateException if the grant has no {@code procore.company-id}
   */
  public CompanyClient company(String grant) {
    ConfiguredGrant configured = procoreGrant(grant);
    Long companyId = configured.properties().getProcore().getCompanyId();
    if (companyId == null) {
      throw new IllegalStateException(
          configured.property() + ".procore.company-id is not set; use client(grant).company(id)");
    }
    return client(grant).company(companyId);
  }

  /** The names of the Procore grants. */
  public Set<String> grants() {
    Set<String> names = new TreeSet<>();
    grants.all().values().stream()
        .filter(g -> g.provider() == ConfiguredGrant.ProviderKind.PROCORE)
        .forEach(g -> names.add(g.name()));
    return names;
  }

  private ConfiguredGrant procoreGrant(String name) {
    return grants
        .find(name)
        .filter(g -> g.provider() == ConfiguredGrant.ProviderKind.PROCORE)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no Procore grant '"
                        + name
                        + "' is configured (tokenbroker.grants."
                        + name
                        + ".provider: procore)"));
  }

  @Override
  public String toString() {
    return "ProcoreClients" + grants();
  }
}
