package io.tokenbroker.spring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.InMemoryTokenStore;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Apps;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/** One test per store choice: memory, file, and JDBC over the application's DataSource (H2). */
class StoresTest {
  private static final GrantKey KEY = GrantKey.of("reporting");

  @TempDir Path dir;
  FakeAuthorizationServer server;

  @BeforeEach
  void start() {
    server = FakeAuthorizationServer.start();
    server.registerClient("app", io.tokenbroker.spring.support.Secrets.CLIENT_SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Starts the application twice on the same store; returns the tokens each got. */
  private List<String> tokensOfTwoRuns(
      Map<String, String> properties, Class<? extends TokenStore> expected) {
    List<String> tokens = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      try (ConfigurableApplicationContext app =
          Apps.run(PlainApp.class, WebApplicationType.NONE, properties)) {
        assertInstanceOf(expected, app.getBean(TokenStore.class));
        tokens.add(app.getBean(TokenBroker.class).accessToken(KEY).revealValue());
      }
    }
    return tokens;
  }

  @Test
  void memoryStoreIsTheDefaultAndForgetsOnRestart() {
    List<String> tokens =
        tokensOfTwoRuns(Apps.clientCredentials(server, "reporting"), InMemoryTokenStore.class);

    assertEquals(2, server.tokenRequestCount());
    assertFalse(tokens.get(0).equals(tokens.get(1)));
  }

  @Test
  void fileStoreKeepsSealedGrantsAcrossRestarts() throws Exception {
    Path keyset = dir.resolve("keys/keyset.json");
    Map<String, String> properties = Apps.clientCredentials(server, "reporting");
    properties.put("tokenbroker.store", "file:" + dir.resolve("tokens"));
    properties.put("tokenbroker.keyset", keyset.toString());

    List<String> tokens = tokensOfTwoRuns(properties, FileTokenStore.class);

    assertEquals(1, server.tokenRequestCount(), "the second run used the stored token");
    assertEquals(tokens.get(0), tokens.get(1));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyset)));
    try (Stream<Path> files = Files.walk(dir.resolve("tokens"))) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertFalse(
            new String(Files.readAllBytes(file), UTF_8).contains(tokens.get(0)), "sealed: " + file);
      }
    }
  }

  @Test
  void jdbcStoreUsesTheApplicationsDataSource() throws Exception {
    String url = "jdbc:h2:mem:stores-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    Map<String, String> properties = Apps.clientCredentials(server, "reporting");
    properties.put("spring.datasource.url", url);
    properties.put("tokenbroker.store", "jdbc");
    properties.put("tokenbroker.keyset", dir.resolve("keyset.json").toString());

    List<String> tokens = tokensOfTwoRuns(properties, JdbcTokenStore.class);

    assertEquals(1, server.tokenRequestCount(), "the second run used the stored token");
    assertEquals(tokens.get(0), tokens.get(1));
    try (Connection db = DriverManager.getConnection(url, "sa", "");
        ResultSet rows = db.createStatement().executeQuery("SELECT * FROM tokenbroker_grants")) {
      int count = 0;
      while (rows.next()) {
        count++;
        assertEquals("reporting", rows.getString("grant_key"));
        for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
          byte[] value = rows.getBytes(column);
          if (value != null) {
            assertFalse(new String(value, UTF_8).contains(tokens.get(0)), "sealed in the database");
          }
        }
      }
      assertEquals(1, count);
    }
  }
}
