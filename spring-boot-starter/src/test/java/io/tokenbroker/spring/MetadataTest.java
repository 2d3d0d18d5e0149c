package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.spring.support.Json;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The configuration metadata (for IDE completion) names every property. */
class MetadataTest {
  @Test
  @SuppressWarnings("unchecked")
  void everyPropertyIsInTheGeneratedMetadata() throws Exception {
    Set<String> names = new HashSet<>();
    for (URL url :
        Collections.list(
            getClass()
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        Map<String, Object> metadata =
            Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        for (Map<String, Object> property :
            (List<Map<String, Object>>) metadata.get("properties")) {
          names.add((String) property.get("name"));
        }
      }
    }
    for (String name : List.of("store", "keyset", "keyset-env", "refresh-ahead", "grants")) {
      assertTrue(names.contains("tokenbroker." + name), name);
    }
    for (String name :
        List.of(
            "provider",
            "grant-type",
            "issuer-uri",
            "token-uri",
            "authorization-uri",
            "revocation-uri",
            "client-id",
            "client-secret",
            "client-authentication",
            "scopes",
            "parameters",
            "procore.environment",
            "procore.company-id",
            "cor.subdomain",
            "cor.app-name",
            "cor.api-url")) {
      assertTrue(names.contains("tokenbroker.grants.*." + name), name);
    }
  }
}
