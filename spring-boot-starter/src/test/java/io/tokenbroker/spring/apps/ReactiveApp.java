package io.tokenbroker.spring.apps;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.TokenBrokerExchangeFilter;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** A reactive application calling a protected API with WebClient, also from its own endpoint. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(ReactiveApp.ProxyController.class)
public class ReactiveApp {
  @Bean
  WebClient reportingWebClient(TokenBroker broker, Environment env) {
    return WebClient.builder()
        .baseUrl(env.getRequiredProperty("resource.url"))
        .filter(TokenBrokerExchangeFilter.forGrant(broker, "reporting"))
        .build();
  }

  /** Runs on the event loop: the filter must not block it. */
  @RestController
  static class ProxyController {
    private final WebClient reportingWebClient;

    ProxyController(TokenBroker broker, Environment env) {
      this.reportingWebClient =
          WebClient.builder()
              .baseUrl(env.getRequiredProperty("resource.url"))
              .filter(TokenBrokerExchangeFilter.forGrant(broker, "proxied"))
              .build();
    }

    @GetMapping("/proxy")
    Mono<String> proxy() {
      return reportingWebClient.get().uri("/api/report").retrieve().bodyToMono(String.class);
    }
  }
}
