package io.tokenbroker.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenbroker.cor.CorClient;
import io.tokenbroker.oauth.BrokerListener;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.procore.ProcoreClient;
import io.tokenbroker.spring.internal.TokenBrokerFailureAnalyzer;
import io.tokenbroker.spring.internal.TokenBrokerMetrics;
import io.tokenbroker.spring.support.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.ClassUtils;

/** What the starter adds depending on the classpath and the application's own beans. */
class ConditionsTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  TokenBrokerAutoConfiguration.class,
                  TokenBrokerActuatorAutoConfiguration.class,
                  TokenBrokerMetricsAutoConfiguration.class))
          .withPropertyValues(
              "tokenbroker.grants.reporting.grant-type=client-credentials",
              "tokenbroker.grants.reporting.token-uri=https://login.example/token",
              "tokenbroker.grants.reporting.client-id=app",
              "tokenbroker.grants.reporting.client-secret=" + Secrets.CLIENT_SECRET);

  @Test
  void everythingIsThereWithTheOptionalLibraries() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(TokenBroker.class);
          assertThat(context).hasSingleBean(CorClients.class);
          assertThat(context).hasSingleBean(ProcoreClients.class);
          assertThat(context).hasSingleBean(TokenBrokerEndpoint.class);
          assertThat(context).hasSingleBean(TokenBrokerMetrics.class);
          assertThat(
                  context.getBean(TokenBroker.class).status(GrantKey.of("reporting")).registered())
              .isTrue();
          // The health indicator of the Boot line on the classpath (Boot 4's type, or Boot 3's).
          String indicator =
              ClassUtils.isPresent(
                      "org.springframework.boot.health.contributor.HealthIndicator", null)
                  ? "org.springframework.boot.health.contributor.HealthIndicator"
                  : "org.springframework.boot.actuate.health.HealthIndicator";
          assertThat(context.getBean("tokenbrokerHealthIndicator"))
              .isInstanceOf(ClassUtils.resolveClassName(indicator, null));
        });
  }

  @Test
  void withoutTheAdaptersThereAreNoVendorClients() {
    runner
        .withClassLoader(new FilteredClassLoader(CorClient.class, ProcoreClient.class))
        .run(
            context -> {
              assertThat(context).hasSingleBean(TokenBroker.class);
              assertThat(context).doesNotHaveBean(CorClients.class);
              assertThat(context).doesNotHaveBean(ProcoreClients.class);
            });
  }

  @Test
  void aCorGrantWithoutTheCorAdapterFailsNamingTheProperty() {
    runner
        .withClassLoader(new FilteredClassLoader("io.tokenbroker.cor"))
        .withPropertyValues("tokenbroker.grants.reporting.provider=cor")
        .run(
            context ->
                assertThat(
                        new TokenBrokerFailureAnalyzer()
                            .analyze(context.getStartupFailure())
                            .getDescription())
                    .isEqualTo(
                        "tokenbroker.grants.reporting.provider: needs io.tokenbroker:cor-adapter on"
                            + " the classpath"));
  }

  @Test
  void withoutActuatorOrMicrometerThereAreNoHealthEndpointOrMetrics() {
    runner
        .withClassLoader(
            new FilteredClassLoader(
                "org.springframework.boot.actuate",
                "org.springframework.boot.health",
                "io.micrometer.core"))
        .run(
            context -> {
              assertThat(context).hasSingleBean(TokenBroker.class);
              assertThat(context).doesNotHaveBean(TokenBrokerEndpoint.class);
              assertThat(context).doesNotHaveBean("tokenbrokerHealthIndicator");
              assertThat(context).doesNotHaveBean(TokenBrokerMetrics.class);
            });
  }

  @Test
  void theHealthIndicatorCanBeTurnedOff() {
    runner
        .withPropertyValues("management.health.tokenbroker.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("tokenbrokerHealthIndicator"));
  }

  @Test
  void jdbcWithoutADataSourceFailsNamingTheProperty() {
    runner
        .withPropertyValues("tokenbroker.store=jdbc")
        .run(
            context ->
                assertThat(
                        new TokenBrokerFailureAnalyzer()
                            .analyze(context.getStartupFailure())
                            .getDescription())
                    .startsWith("tokenbroker.store: jdbc needs one DataSource bean"));
  }

  @Test
  void customizersAndListenerBeansShapeTheBroker() {
    List<String> events = new ArrayList<>();
    runner
        .withBean(
            TokenBrokerCustomizer.class,
            () -> builder -> builder.requestTimeout(Duration.ofSeconds(1)))
        .withBean(
            "first",
            BrokerListener.class,
            () ->
                new BrokerListener() {
                  @Override
                  public void refreshStarted(GrantKey key) {
                    throw new IllegalStateException("a broken listener");
                  }
                })
        .withBean(
            "second",
            BrokerListener.class,
            () ->
                new BrokerListener() {
                  @Override
                  public void refreshFailed(
                      GrantKey key, io.tokenbroker.oauth.TokenBrokerException failure) {
                    events.add("refreshFailed " + key);
                  }
                })
        .withPropertyValues("tokenbroker.grants.reporting.token-uri=https://127.0.0.1:1/token")
        .run(
            context -> {
              TokenBroker broker = context.getBean(TokenBroker.class);
              try {
                broker.accessToken(GrantKey.of("reporting"));
              } catch (RuntimeException expected) {
                // nothing listens on port 1
              }
              assertThat(events).containsExactly("refreshFailed reporting");
            });
  }

  @Test
  void anApplicationTokenBrokerReplacesTheStartersOne() {
    runner
        .withBean("myBroker", TokenBroker.class, () -> TokenBroker.builder().build())
        .run(
            context -> {
              assertThat(context).hasSingleBean(TokenBroker.class);
              assertThat(context).hasBean("myBroker");
            });
  }
}
