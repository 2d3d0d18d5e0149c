package io.tokenbroker.examples.spring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** Runs the example as its README says, against the fake authorization server and an API stub. */
class ReportingApplicationTest {
  @TempDir Path dir;

  @Test
  void theReportComesFromTheProtectedApiWithTheBrokersToken() throws Exception {
    try (FakeAuthorizationServer server = FakeAuthorizationServer.start()) {
      server.registerClient("reporting-service", "example-secret");
      HttpServer api =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      api.createContext(
          "/reports/latest",
          exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            boolean ok =
                authorization != null
                    && authorization.startsWith("Bearer ")
                    && server.introspect(authorization.substring(7)).active();
            byte[] body =
                (ok ? "{\"report\":\"latest\",\"rows\":3}" : "{\"error\":\"invalid_token\"}")
                    .getBytes(UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(ok ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      api.start();
      // The same settings the README passes as environment variables.
      String[] args = {
        "--server.port=0",
        "--REPORTING_STORE=" + dir.resolve("tokens"),
        "--REPORTING_KEYSET=" + dir.resolve("keyset.json"),
        "--REPORTING_TOKEN_URI=" + server.tokenEndpoint(),
        "--REPORTING_CLIENT_ID=reporting-service",
        "--REPORTING_CLIENT_SECRET=example-secret",
        "--REPORTING_API_URL=http://127.0.0.1:" + api.getAddress().getPort(),
      };
      try (ConfigurableApplicationContext app =
          SpringApplication.run(ReportingApplication.class, args)) {
        String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
        HttpClient http = HttpClient.newHttpClient();

        for (int i = 0; i < 3; i++) {
          HttpResponse<String> report =
              http.send(
                  HttpRequest.newBuilder(URI.create(base + "/report")).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertEquals(200, report.statusCode(), report.body());
          assertEquals("{\"report\":\"latest\",\"rows\":3}", report.body());
        }
        assertEquals(1, server.tokenRequestCount(), "one token for every call");
        assertEquals("reports.read", server.introspect(server.lastAccessToken()).scope());

        HttpResponse<String> status =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/actuator/tokenbroker")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(status.body().contains("\"reporting\""), status.body());
        assertFalse(status.body().contains(server.lastAccessToken()));
      } finally {
        api.stop(0);
      }
    }
  }
}
