package io.tokenbroker.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.spring.apps.PlainApp;
import io.tokenbroker.spring.support.Secrets;
import io.tokenbroker.testkit.cor.CorSandbox;
import io.tokenbroker.testkit.procore.ProcoreSandbox;
import io.tokenbroker.testkit.procore.ProcoreSeed;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/** COR and Procore grants from properties, used through CorClients and ProcoreClients. */
class AdaptersTest {

  @Test
  void corAndProcoreClientsByGrantName() {
    try (CorSandbox cor = CorSandbox.start();
        ProcoreSandbox procore = ProcoreSandbox.start()) {
      cor.registerApiKey("cor-api-key", Secrets.CLIENT_SECRET);
      procore.registerServiceAccount("procore-service", Secrets.CLIENT_SECRET);
      Map<String, String> p = new LinkedHashMap<>();
      p.put("tokenbroker.grants.cor.provider", "cor");
      p.put("tokenbroker.grants.cor.grant-type", "client-credentials");
      p.put("tokenbroker.grants.cor.client-id", "cor-api-key");
      p.put("tokenbroker.grants.cor.client-secret", Secrets.CLIENT_SECRET);
      p.put("tokenbroker.grants.cor.cor.api-url", cor.apiBaseUri().toString());
      p.put("tokenbroker.grants.procore.provider", "procore");
      p.put("tokenbroker.grants.procore.grant-type", "client-credentials");
      p.put("tokenbroker.grants.procore.client-id", "procore-service");
      p.put("tokenbroker.grants.procore.client-secret", Secrets.CLIENT_SECRET);
      p.put("tokenbroker.grants.procore.procore.environment", procore.environment());
      p.put("tokenbroker.grants.procore.procore.login-url", procore.loginUrl().toString());
      p.put("tokenbroker.grants.procore.procore.api-url", procore.apiUrl().toString());
      p.put("tokenbroker.grants.procore.procore.company-id", Long.toString(ProcoreSeed.COMPANY_ID));

      try (ConfigurableApplicationContext app =
          io.tokenbroker.spring.support.Apps.run(PlainApp.class, WebApplicationType.NONE, p)) {
        CorClients corClients = app.getBean(CorClients.class);
        ProcoreClients procoreClients = app.getBean(ProcoreClients.class);

        assertEquals(Set.of("cor"), corClients.grants());
        assertTrue(corClients.client("cor").me() != null);
        assertTrue(corClients.client("cor").projects().stream().findAny().isPresent());
        assertEquals(Set.of("procore"), procoreClients.grants());
        assertTrue(procoreClients.client("procore").isServiceAccount());
        assertEquals(ProcoreSeed.COMPANY_ID, procoreClients.company("procore").companyId());
        assertTrue(procoreClients.company("procore").projects().stream().findAny().isPresent());
        assertThrows(IllegalArgumentException.class, () -> corClients.client("procore"));
        assertThrows(IllegalArgumentException.class, () -> procoreClients.client("cor"));
      }
    }
  }
}
