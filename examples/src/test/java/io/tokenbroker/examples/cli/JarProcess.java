package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code java -jar target/tokenbroker.jar} as a child process with a private home. */
final class JarProcess {
  static final Path JAR = Path.of(System.getProperty("tokenbroker.jar", "target/tokenbroker.jar"));

  final Map<String, String> env = new HashMap<>();

  /** Environment variables the child does not inherit. */
  final List<String> unset = new ArrayList<>();

  /** JVM options before {@code -jar}. */
  final List<String> jvmOptions = new ArrayList<>();

  JarProcess(Path home) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run 'mvnw -pl examples -am verify'");
    }
    env.put("TOKENBROKER_HOME", home.toString());
  }

  /** A started child; its stderr lines can be awaited while it runs. */
  static final class Child {
    final Process process;
    final LineWatcher out = new LineWatcher();
    final LineWatcher err = new LineWatcher();
    private final Thread[] pumps;

    Child(Process process) {
      this.process = process;
      this.pumps =
          new Thread[] {pump(process.getInputStream(), out), pump(process.getErrorStream(), err)};
    }

    OutputStream stdin() {
      return process.getOutputStream();
    }

    CliRunner.Result await() throws Exception {
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("tokenbroker did not exit; stderr so far:\n" + err.text());
      }
      for (Thread t : pumps) {
        t.join(10_000);
      }
      return new CliRunner.Result(process.exitValue(), out.text(), err.text());
    }

    private static Thread pump(InputStream in, OutputStream to) {
      Thread t =
          new Thread(
              () -> {
                try (in) {
                  in.transferTo(to);
                } catch (IOException e) {
                  // the child went away
                }
              },
              "pump");
      t.setDaemon(true);
      t.start();
      return t;
    }
  }

  Child start(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("TOKENBROKER_STORE");
    builder.environment().remove("TOKENBROKER_KEYSET");
    builder.environment().putAll(env);
    unset.forEach(builder.environment()::remove);
    try {
      return new Child(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  CliRunner.Result run(String... args) throws Exception {
    Child child = start(args);
    child.stdin().close();
    return child.await();
  }

  CliRunner.Result runWithInput(String input, String... args) throws Exception {
    Child child = start(args);
    try (OutputStream in = child.stdin()) {
      in.write(input.getBytes(UTF_8));
    }
    return child.await();
  }
}
