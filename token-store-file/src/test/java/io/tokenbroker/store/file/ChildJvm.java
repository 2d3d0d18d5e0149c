package io.tokenbroker.store.file;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running a main class of the test class path, talking in lines over stdin/stdout;
 * stderr goes to a file, shown when something fails.
 */
final class ChildJvm implements AutoCloseable {
  private static final String EOF = "\u0000EOF";

  private final Process process;
  private final Path stderr;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final Thread reader;
  private final Writer stdin;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the child died mid-line; what was read is kept
              } finally {
                lines.add(EOF);
              }
            },
            "child-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM on this test's class path. */
  static ChildJvm start(Path workDir, String name, Class<?> mainClass, String... args) {
    return start(workDir, name, java.util.Map.of(), mainClass, args);
  }

  /** As {@link #start(Path, String, Class, String...)}, with extra environment variables. */
  static ChildJvm start(
      Path workDir,
      String name,
      java.util.Map<String, String> environment,
      Class<?> mainClass,
      String... args) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-Xmx128m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Path stderr = workDir.resolve(name + ".stderr.txt");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
      builder.environment().putAll(environment);
      Process process = builder.start();
      return new ChildJvm(process, stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the next line matching {@code wanted}, returning it; fails on exit or timeout. */
  String await(Predicate<String> wanted, long timeoutSeconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError("child timed out; " + describe());
      }
      if (line.equals(EOF)) {
        lines.add(EOF);
        throw new AssertionError("child ended early; " + describe());
      }
      seen.add(line);
      if (wanted.test(line)) {
        return line;
      }
    }
  }

  void send(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL on POSIX: no shutdown hooks, no finally blocks, no flushing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  int waitFor() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("child did not exit; " + describe());
    }
    return process.exitValue();
  }

  /** After the child ended: every line it printed, complete lines only. */
  List<String> allLines() throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(30));
    List<String> all = new ArrayList<>(seen);
    for (String line; (line = lines.poll()) != null; ) {
      if (!line.equals(EOF)) {
        all.add(line);
      }
    }
    lines.add(EOF);
    seen.clear();
    seen.addAll(all);
    return all;
  }

  String describe() {
    String errors;
    try {
      errors = Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      errors = e.toString();
    }
    return "alive=" + process.isAlive() + ", last lines=" + tail(seen) + ", stderr:\n" + errors;
  }

  private static List<String> tail(List<String> lines) {
    return lines.subList(Math.max(0, lines.size() - 5), lines.size());
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
