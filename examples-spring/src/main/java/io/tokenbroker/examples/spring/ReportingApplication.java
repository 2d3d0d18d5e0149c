package io.tokenbroker.examples.spring;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.TokenBrokerInterceptor;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A reporting service that reads an OAuth-protected API. The grant {@code reporting} is declared in
 * {@code application.yml}; the starter builds the broker, and one interceptor puts the token on
 * every request (one token request per expiry, one refresh after a 401).
 */
@SpringBootApplication
public class ReportingApplication {
  public static void main(String[] args) {
    SpringApplication.run(ReportingApplication.class, args);
  }

  @Bean
  RestClient reportingApi(TokenBroker broker, @Value("${reporting.api-url}") String apiUrl) {
    return RestClient.builder()
        .baseUrl(apiUrl)
        .requestInterceptor(TokenBrokerInterceptor.forGrant(broker, "reporting"))
        .build();
  }

  /** {@code GET /report}: the latest report, read from the protected API. */
  @RestController
  static class ReportController {
    private final RestClient reportingApi;

    ReportController(RestClient reportingApi) {
      this.reportingApi = reportingApi;
    }

    @GetMapping(value = "/report", produces = "application/json")
    @Nullable String report() {
      return reportingApi.get().uri("/reports/latest").retrieve().body(String.class);
    }
  }
}
