package io.tokenbroker.examples.cli;

import io.tokenbroker.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Runs {@code java -jar target/tokenbroker.jar} as a {@link ChildJvm} with a private home. */
final class JarProcess {
  static final Path JAR = Path.of(System.getProperty("tokenbroker.jar", "target/tokenbroker.jar"));

  final Map<String, String> env = new HashMap<>();

  /** Environment variables the child does not inherit. */
  final List<String> unset = new ArrayList<>();

  /** JVM options before {@code -jar}. */
  final List<String> jvmOptions = new ArrayList<>();

  /** Commands whose stdout is a secret on purpose (the token, or git's password line). */
  private static final Set<String> PRINTS_TOKEN = Set.of("token", "git-credential", "exec");

  JarProcess(Path home) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run 'mvnw -pl examples -am verify'");
    }
    env.put("TOKENBROKER_HOME", home.toString());
  }

  /**
   * Starts the jar with {@code args}. Only {@code token}, {@code git-credential} and {@code exec}
   * print a secret (the token, to stdout) on purpose; every other command's output is checked for
   * leaks.
   */
  ChildJvm start(String... args) {
    List<String> options = new ArrayList<>(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1"));
    options.addAll(jvmOptions);
    ChildJvm.Builder builder =
        ChildJvm.jar(JAR)
            .name("tokenbroker " + (args.length == 0 ? "" : args[0]))
            .jvmOptions(options.toArray(String[]::new))
            .args(args)
            .removeEnv("TOKENBROKER_STORE")
            .removeEnv("TOKENBROKER_KEYSET");
    env.forEach(builder::env);
    unset.forEach(builder::removeEnv);
    if (args.length > 0 && PRINTS_TOKEN.contains(args[0])) {
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
