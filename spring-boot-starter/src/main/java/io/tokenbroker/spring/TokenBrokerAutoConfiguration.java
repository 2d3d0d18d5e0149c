package io.tokenbroker.spring;

import com.google.crypto.tink.KeysetHandle;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.ClientConfigurationException;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.spring.internal.CompositeBrokerListener;
import io.tokenbroker.spring.internal.ConfiguredGrant;
import io.tokenbroker.spring.internal.ConfiguredGrants;
import io.tokenbroker.spring.internal.GrantStates;
import io.tokenbroker.spring.internal.StoreFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Builds the application's {@link TokenBroker} from {@code tokenbroker.*} ({@link
 * TokenBrokerProperties}) and registers every configured grant; where cor-adapter or
 * procore-adapter are on the classpath, adds {@link CorClients} and {@link ProcoreClients}.
 *
 * <p>The broker is closed when the application context closes: refreshes in flight finish and
 * tokens held in memory (because the store was down) are written, before the store's DataSource is
 * closed. Customize it with {@link TokenBrokerCustomizer} beans; {@link BrokerListener} beans
 * receive its events; a {@link TokenStore} bean replaces {@code tokenbroker.store}; a {@link Clock}
 * bean, if the application has exactly one, is its time source.
 */
@AutoConfiguration(
    afterName = {
      // Boot 4 and Boot 3 names of the DataSource auto-configuration, for tokenbroker.store: jdbc.
      "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
      "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"
    })
@ConditionalOnClass(TokenBroker.class)
@EnableConfigurationProperties(TokenBrokerProperties.class)
public class TokenBrokerAutoConfiguration {
  private static final Log LOG = LogFactory.getLog(TokenBrokerAutoConfiguration.class);

  /** The checked {@code tokenbroker.grants}. */
  @Bean
  @ConditionalOnMissingBean
  public ConfiguredGrants tokenBrokerGrants(
      TokenBrokerProperties properties, ConfigurableListableBeanFactory beanFactory) {
    return ConfiguredGrants.from(properties, beanFactory.getBeanClassLoader());
  }

  /** The store {@code tokenbroker.store} names. */
  @Bean
  @ConditionalOnMissingBean
  public TokenStore tokenBrokerStore(
      TokenBrokerProperties properties,
      ObjectProvider<DataSource> dataSources,
      ConfigurableListableBeanFactory beanFactory) {
    return StoreFactory.store(
        properties,
        () -> {
          DataSource dataSource = dataSources.getIfUnique();
          if (dataSource != null) {
            // Closed after the broker, which writes held tokens when it closes.
            for (String name : beanFactory.getBeanNamesForType(DataSource.class, false, false)) {
              beanFactory.registerDependentBean(name, "tokenBrokerStore");
            }
          }
          return dataSource;
        },
        beanFactory.getBeanClassLoader());
  }

  /** The broker, with every configured grant registered. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public TokenBroker tokenBroker(
      TokenBrokerProperties properties,
      ConfiguredGrants grants,
      TokenStore tokenBrokerStore,
      ObjectProvider<BrokerListener> listeners,
      ObjectProvider<TokenBrokerCustomizer> customizers,
      ObjectProvider<Clock> clock) {
    TokenBroker.Builder builder = TokenBroker.builder().store(tokenBrokerStore);
    KeysetHandle keyset = StoreFactory.keyset(properties);
    if (keyset != null) {
      builder.keyset(keyset);
    } else if (!(tokenBrokerStore instanceof InMemoryTokenStore)) {
      throw new TokenBrokerConfigurationException(
          "tokenbroker.keyset",
          "is required with a persistent store ("
              + tokenBrokerStore.getClass().getSimpleName()
              + "): set a keyset file (created if missing) or tokenbroker.keyset-env");
    }
    Duration refreshAhead = properties.getRefreshAhead();
    if (refreshAhead != null) {
      if (refreshAhead.isNegative() || refreshAhead.isZero()) {
        throw new TokenBrokerConfigurationException(
            "tokenbroker.refresh-ahead", "must be positive");
      }
      builder.refreshAhead(refreshAhead);
    }
    List<BrokerListener> all = listeners.orderedStream().toList();
    if (!all.isEmpty()) {
      builder.listener(all.size() == 1 ? all.get(0) : new CompositeBrokerListener(all));
    }
    Clock time = clock.getIfUnique();
    if (time != null) {
      builder.clock(time);
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    TokenBroker broker = builder.build();
    try {
      for (ConfiguredGrant grant : grants.all().values()) {
        register(broker, grant, tokenBrokerStore);
      }
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  private static void register(TokenBroker broker, ConfiguredGrant grant, TokenStore store) {
    try {
      broker.register(grant.key(), grant.registration(), grant.type());
    } catch (ClientConfigurationException e) {
      throw new TokenBrokerConfigurationException(grant.property(), ConfiguredGrants.problem(e));
    }
    if (!grant.type().renewsByItself() && store instanceof InMemoryTokenStore) {
      LOG.warn(
          grant.property()
              + " is a consented grant in the in-memory store: a consent made with the"
              + " tokenbroker CLI cannot reach it; set tokenbroker.store to file:DIR or jdbc");
    }
  }

  /** Status of the grants, for the health indicator, the endpoint and the gauge. */
  @Bean
  @ConditionalOnMissingBean
  public GrantStates tokenBrokerGrantStates(
      TokenBroker broker, ConfiguredGrants grants, ObjectProvider<Clock> clock) {
    return new GrantStates(broker, grants, clock.getIfUnique(Clock::systemUTC));
  }

  /** COR clients by grant name. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.tokenbroker.cor.CorClient")
  static class CorClientsConfiguration {
    @Bean
    @ConditionalOnMissingBean
    CorClients corClients(TokenBroker broker, ConfiguredGrants grants) {
      return new CorClients(broker, grants);
    }
  }

  /** Procore clients by grant name. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.tokenbroker.procore.ProcoreClient")
  static class ProcoreClientsConfiguration {
    @Bean
    @ConditionalOnMissingBean
    ProcoreClients procoreClients(TokenBroker broker, ConfiguredGrants grants) {
      return new ProcoreClients(broker, grants);
    }
  }
}
