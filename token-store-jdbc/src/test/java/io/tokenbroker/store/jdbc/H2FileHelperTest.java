package io.tokenbroker.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.testkit.StoreWrites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2FileHelperTest {
  @TempDir Path directory;

  @Test
  void grantsSurviveClosingAndReopening() {
    Path file = directory.resolve("nested/dir/tokens");
    StoredGrant grant =
        new StoredGrant(
            GrantKey.of("k"), 1, new byte[] {1, 2, 3}, Instant.parse("2026-01-01T00:00:00Z"));
    try (JdbcTokenStore store = JdbcTokenStore.h2File(file)) {
      assertEquals(1, StoreWrites.put(store, grant.key(), grant.sealed(), grant.expiresAt()));
    }
    assertTrue(Files.exists(directory.resolve("nested/dir/tokens.mv.db")));
    try (JdbcTokenStore store =
        JdbcTokenStore.h2File(directory.resolve("nested/dir/tokens.mv.db"))) {
      assertEquals(grant, store.load(GrantKey.of("k")).orElseThrow());
    }
  }

  @Test
  void fileIsReadableByTheOwnerOnly() throws Exception {
    try (JdbcTokenStore store = JdbcTokenStore.h2File(directory.resolve("tokens"))) {
      assertEquals(java.util.List.of(), store.list());
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(directory.resolve("tokens.mv.db"))));
    }
  }

  @Test
  void pathsCannotSmuggleSettings() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JdbcTokenStore.h2File(directory.resolve("tokens;INIT=RUNSCRIPT FROM 'x'")));
    assertTrue(e.getMessage().contains("';'"), e.getMessage());
  }
}
