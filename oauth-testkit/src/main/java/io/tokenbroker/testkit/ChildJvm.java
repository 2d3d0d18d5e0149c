package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A child JVM for multi-process tests: a main class of the current test class path (or a jar),
 * talking in lines over stdin and stdout. A test awaits the lines it needs, kills the child with
 * SIGKILL mid-work, and reads everything it printed afterwards.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.builder(Worker.class).name("worker-1").args(dir).start()) {
 *   child.awaitLine(line -> line.equals("READY"), Duration.ofSeconds(60));
 *   child.send("GO");
 *   child.kill(); // no shutdown hooks, no finally blocks, no flushing
 * }
 * }</pre>
 *
 * <p>Both output streams are read as they come (the child never blocks on a full pipe) and kept;
 * while a {@link LogCapture} is open (e.g. under {@link SecretLeakCheck}) every line also goes to
 * it, so a secret a child prints fails the test, unless the builder said the child's stdout carries
 * secrets on purpose ({@link Builder#stdoutCarriesSecrets()}, e.g. a CLI that prints a token).
 * {@link #close()} kills the child if it still runs. Thread-safe.
 */
public final class ChildJvm implements AutoCloseable {
  private static final String EOF = "\u0000EOF";

  private final String name;
  private final Process process;
  private final Stream out;
  private final Stream err;
  private final OutputStream stdin;

  /** One output stream of the child: every line kept, and a queue of lines not yet awaited. */
  private static final class Stream {
    final List<String> all = new ArrayList<>();
    final BlockingQueue<String> pending = new LinkedBlockingQueue<>();
    final Thread reader;

    Stream(InputStream in, String source, boolean checked) {
      reader =
          new Thread(
              () -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, UTF_8))) {
                  for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (all) {
                      all.add(line);
                    }
                    if (checked) {
                      LogCapture.childOutput(source, line);
                    }
                    pending.add(line);
                  }
                } catch (IOException e) {
                  // The child died mid-line; what was read is kept.
                } finally {
                  pending.add(EOF);
                }
              },
              source);
      reader.setDaemon(true);
      reader.start();
    }

    List<String> lines() {
      synchronized (all) {
        return List.copyOf(all);
      }
    }
  }

  private ChildJvm(String name, Process process, boolean stdoutChecked) {
    this.name = name;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.out = new Stream(process.getInputStream(), name + " stdout", stdoutChecked);
    this.err = new Stream(process.getErrorStream(), name + " stderr", true);
  }

  /** A child running {@code mainClass} of this JVM's class path. */
  public static Builder builder(Class<?> mainClass) {
    requireNonNull(mainClass, "mainClass == null");
    return new Builder(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()))
        .name(mainClass.getSimpleName());
  }

  /** A child running {@code java -jar jar}. */
  public static Builder jar(Path jar) {
    requireNonNull(jar, "jar == null");
    return new Builder(List.of("-jar", jar.toString())).name(jar.getFileName().toString());
  }

  /** Starts {@code mainClass} with {@code args} with the default settings. */
  public static ChildJvm start(Class<?> mainClass, String... args) {
    return builder(mainClass).args(args).start();
  }

  // ---------------------------------------------------------------- talking

  /**
   * Waits for the next line on stdout matching {@code wanted}, skipping others, and returns it.
   *
   * @throws AssertionError if the child ends or {@code timeout} passes first; the message shows the
   *     child's last lines and its stderr
   */
  public String awaitLine(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    return await(out, wanted, timeout);
  }

  /** Like {@link #awaitLine}, on stderr. */
  public String awaitErrorLine(Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    return await(err, wanted, timeout);
  }

  private String await(Stream stream, Predicate<String> wanted, Duration timeout)
      throws InterruptedException {
    requireNonNull(wanted, "wanted == null");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? stream.pending.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError(
            name + " printed no such line within " + timeout + "; " + describe());
      }
      if (line.equals(EOF)) {
        stream.pending.add(EOF);
        throw new AssertionError(name + " ended before printing such a line; " + describe());
      }
      if (wanted.test(line)) {
        return line;
      }
    }
  }

  /** Writes {@code line} and a newline to the child's stdin. */
  public void send(String line) throws IOException {
    synchronized (stdin) {
      stdin.write((line + "\n").getBytes(UTF_8));
      stdin.flush();
    }
  }

  /** Closes the child's stdin (end of input). */
  public void closeStdin() throws IOException {
    synchronized (stdin) {
      stdin.close();
    }
  }

  // ---------------------------------------------------------------- life

  /** The child's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the child still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Kills the child with SIGKILL (on POSIX: no shutdown hooks, no finally, no flushing), waits for
   * it to die and for what it had printed to be read.
   */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    out.reader.join(TimeUnit.SECONDS.toMillis(30));
    err.reader.join(TimeUnit.SECONDS.toMillis(30));
  }

  /**
   * Waits for the child to exit and for its output to be read, and returns its exit code.
   *
   * @throws AssertionError if it does not exit within {@code timeout}; it is killed then
   */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      String state = describe();
      kill();
      throw new AssertionError(name + " did not exit within " + timeout + "; " + state);
    }
    out.reader.join(TimeUnit.SECONDS.toMillis(30));
    err.reader.join(TimeUnit.SECONDS.toMillis(30));
    return process.exitValue();
  }

  /** Every complete line the child printed to stdout so far. */
  public List<String> stdoutLines() {
    return out.lines();
  }

  /** Every complete line the child printed to stderr so far. */
  public List<String> stderrLines() {
    return err.lines();
  }

  /** What the child printed to stdout so far, one {@code \n} after each line. */
  public String stdout() {
    return join(out.lines());
  }

  /** What the child printed to stderr so far, one {@code \n} after each line. */
  public String stderr() {
    return join(err.lines());
  }

  private static String join(List<String> lines) {
    StringBuilder sb = new StringBuilder();
    lines.forEach(line -> sb.append(line).append('\n'));
    return sb.toString();
  }

  /** The child's state, last stdout lines and stderr, for failure messages. */
  public String describe() {
    List<String> lines = out.lines();
    return "alive="
        + process.isAlive()
        + ", last lines="
        + lines.subList(Math.max(0, lines.size() - 5), lines.size())
        + ", stderr:\n"
        + stderr();
  }

  /** Kills the child if it still runs, and waits for it. */
  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ChildJvm[" + name + ", pid " + process.pid() + "]";
  }

  // ---------------------------------------------------------------- builder

  /**
   * How to start a {@link ChildJvm}. Defaults: the {@code java} of this JVM, options for a quick
   * small child ({@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx128m}), this process's
   * environment and working directory, both output streams checked for secrets.
   */
  public static final class Builder {
    private final List<String> target;
    private String name = "child";
    private final List<String> jvmOptions =
        new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m"));
    private final List<String> args = new ArrayList<>();
    private final Map<String, @Nullable String> env = new LinkedHashMap<>();
    private @Nullable Path directory;
    private boolean stdoutChecked = true;

    private Builder(List<String> target) {
      this.target = target;
    }

    /** A name for failure messages and the output lines a {@link LogCapture} sees. */
    public Builder name(String name) {
      this.name = requireNonNull(name, "name == null");
      return this;
    }

    /** Replaces the JVM options (before the class path or {@code -jar}). */
    public Builder jvmOptions(String... options) {
      jvmOptions.clear();
      jvmOptions.addAll(List.of(options));
      return this;
    }

    /** Appends program arguments. */
    public Builder args(String... args) {
      this.args.addAll(List.of(args));
      return this;
    }

    /** Appends program arguments. */
    public Builder args(List<String> args) {
      this.args.addAll(args);
      return this;
    }

    /** Sets an environment variable of the child. */
    public Builder env(String name, String value) {
      env.put(requireNonNull(name, "name == null"), requireNonNull(value, "value == null"));
      return this;
    }

    /** Removes an environment variable this process would pass on. */
    public Builder removeEnv(String name) {
      env.put(requireNonNull(name, "name == null"), null);
      return this;
    }

    /** The child's working directory. */
    public Builder directory(Path directory) {
      this.directory = requireNonNull(directory, "directory == null");
      return this;
    }

    /**
     * Says that the child prints secrets to stdout on purpose (e.g. a command whose output is a
     * token), so its stdout is not checked for leaks; stderr still is.
     */
    public Builder stdoutCarriesSecrets() {
      this.stdoutChecked = false;
      return this;
    }

    /**
     * Starts the child.
     *
     * @throws UncheckedIOException if it cannot be started
     */
    public ChildJvm start() {
      String java =
          ProcessHandle.current()
              .info()
              .command()
              .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(jvmOptions);
      command.addAll(target);
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command);
      env.forEach(
          (key, value) -> {
            if (value == null) {
              builder.environment().remove(key);
            } else {
              builder.environment().put(key, value);
            }
          });
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      try {
        return new ChildJvm(name, builder.start(), stdoutChecked);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name, e);
      }
    }
  }
}
