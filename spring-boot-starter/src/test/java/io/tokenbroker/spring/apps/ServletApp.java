package io.tokenbroker.spring.apps;

import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.spring.TokenBrokerInterceptor;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.util.DefaultUriBuilderFactory;

/** A servlet application calling a protected API with RestClient and RestTemplate. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ServletApp {
  @Bean
  RestClient reportingClient(TokenBroker broker, Environment env) {
    return RestClient.builder()
        .baseUrl(env.getRequiredProperty("resource.url"))
        .requestInterceptor(TokenBrokerInterceptor.forGrant(broker, "reporting"))
        .build();
  }

  @Bean
  RestTemplate reportingTemplate(TokenBroker broker, Environment env) {
    RestTemplate template = new RestTemplate();
    template.setUriTemplateHandler(
        new DefaultUriBuilderFactory(env.getRequiredProperty("resource.url")));
    template.getInterceptors().add(TokenBrokerInterceptor.forGrant(broker, "reporting"));
    return template;
  }
}
