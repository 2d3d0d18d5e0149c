package io.tokenbroker.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tokenbroker.cor.Cor;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.procore.Procore;
import io.tokenbroker.store.file.FileTokenStore;
import io.tokenbroker.store.jdbc.JdbcTokenStore;
import io.tokenbroker.testkit.FakeAuthorizationServer;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The library modules' descriptors as the jars (or class directories) on this class path hold them:
 * each has its name and exports its API packages only, never an {@code internal} one.
 */
class ModuleDescriptorsTest {
  private static ModuleDescriptor descriptor(Class<?> member) throws Exception {
    Path location = Path.of(member.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<ModuleReference> found = ModuleFinder.of(location).findAll();
    assertEquals(1, found.size(), () -> location + " holds no single module");
    return found.iterator().next().descriptor();
  }

  private static Set<String> exports(ModuleDescriptor descriptor) {
    Set<String> packages = new TreeSet<>();
    for (ModuleDescriptor.Exports export : descriptor.exports()) {
      assertEquals(Set.of(), export.targets(), "no qualified exports");
      packages.add(export.source());
    }
    return packages;
  }

  private static void assertModule(Class<?> member, String name, String... exported)
      throws Exception {
    ModuleDescriptor descriptor = descriptor(member);
    assertEquals(name, descriptor.name());
    assertEquals(new TreeSet<>(Set.of(exported)), exports(descriptor), name);
  }

  @Test
  void coreExportsItsApiButNotInternal() throws Exception {
    assertModule(TokenBroker.class, "io.tokenbroker.oauth", "io.tokenbroker.oauth");
    assertEquals(
        true,
        descriptor(TokenBroker.class).packages().contains("io.tokenbroker.oauth.internal"),
        "the internal package is in the module, just not exported");
  }

  @Test
  void everyOtherLibraryModuleExportsItsPackages() throws Exception {
    assertModule(
        FakeAuthorizationServer.class,
        "io.tokenbroker.testkit",
        "io.tokenbroker.testkit",
        "io.tokenbroker.testkit.cor",
        "io.tokenbroker.testkit.procore");
    assertModule(FileTokenStore.class, "io.tokenbroker.store.file", "io.tokenbroker.store.file");
    assertModule(JdbcTokenStore.class, "io.tokenbroker.store.jdbc", "io.tokenbroker.store.jdbc");
    assertModule(Cor.class, "io.tokenbroker.cor", "io.tokenbroker.cor");
    assertModule(Procore.class, "io.tokenbroker.procore", "io.tokenbroker.procore");
  }
}
