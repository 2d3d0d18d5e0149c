package io.tokenbroker.examples.cli;

import io.tokenbroker.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code java -jar target/tokenbroker.jar} as a {@link ChildJvm} with a private home. */
final class JarProcess {
  static final Path JAR = Path.of(System.getProperty("tokenbroker.jar", "target/tokenbroker.jar"));

  final Map<String, String> env = new HashMap<>();

  JarProcess(Path home) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run 'mvnw -pl examples -am verify'");
    }
    env.put("TOKENBROKER_HOME", home.toString());
  }

  /**
   * Starts the jar with {@code args}. Only {@code tokenbroker token} prints a secret (the token, to
   * stdout) on purpose; every other command's output is checked for leaks.
   */
  ChildJvm start(String... args) {
    ChildJvm.Builder builder =
        ChildJvm.jar(JAR)
            .name("tokenbroker " + (args.length == 0 ? "" : args[0]))
            .jvmOptions("-Xshare:auto", "-XX:TieredStopAtLevel=1")
            .args(args)
            .removeEnv("TOKENBROKER_STORE")
            .removeEnv("TOKENBROKER_KEYSET");
    env.forEach(builder::env);
    if (args.length > 0 && args[0].equals("token")) {
      builder.stdoutCarriesSecrets();
    }
    return builder.start();
  }

  /** Waits for {@code child} to exit and returns what it did. */
  static CliRunner.Result await(ChildJvm child) throws Exception {
    int exit = child.waitFor(Duration.ofSeconds(90));
    return new CliRunner.Result(exit, child.stdout(), child.stderr());
  }

  CliRunner.Result run(String... args) throws Exception {
    ChildJvm child = start(args);
    child.closeStdin();
    return await(child);
  }
}
