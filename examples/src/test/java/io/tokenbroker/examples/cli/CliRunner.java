package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs the CLI in-process through its real entry point with captured streams and a private home.
 */
final class CliRunner {
  final Path home;
  final Map<String, String> env = new HashMap<>();
  CliContext.SecretPrompt prompt = p -> null; // like a process without a terminal
  CliContext.Browser browser = uri -> false;
  Clock clock = Clock.systemUTC();

  CliRunner(Path home) {
    this.home = home;
    env.put("TOKENBROKER_HOME", home.toString());
  }

  /** The outcome of one command. */
  record Result(int exit, String out, String err) {
    String all() {
      return out + err;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** A command still running, whose stderr can be watched. */
  static final class Running {
    final LineWatcher out = new LineWatcher();
    final LineWatcher err = new LineWatcher();
    CompletableFuture<Integer> exit;

    Result await() throws Exception {
      int code = exit.get(60, TimeUnit.SECONDS);
      return new Result(code, out.text(), err.text());
    }
  }

  Result run(String... args) throws Exception {
    return start(new ByteArrayInputStream(new byte[0]), args).await();
  }

  Result runWithInput(String stdin, String... args) throws Exception {
    return start(new ByteArrayInputStream(stdin.getBytes(UTF_8)), args).await();
  }

  Running start(InputStream in, String... args) {
    Running r = new Running();
    CliContext ctx =
        new CliContext(
            in,
            new PrintStream(r.out, true, UTF_8),
            new PrintStream(r.err, true, UTF_8),
            env,
            CliContext.home(env, null, "/nonexistent-user-home"),
            clock,
            prompt,
            browser);
    r.exit =
        CompletableFuture.supplyAsync(
            () -> TokenBrokerCli.run(ctx, args),
            runnable -> {
              Thread t = new Thread(runnable, "cli " + String.join(" ", args));
              t.setDaemon(true);
              t.start();
            });
    return r;
  }

  /** Runs {@code args} through {@link FastPath} only; null when it leaves them to the broker. */
  @Nullable Integer fast(String... args) {
    java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(sink, true, UTF_8),
            new PrintStream(sink, true, UTF_8),
            env,
            CliContext.home(env, null, "/nonexistent-user-home"),
            clock,
            prompt,
            browser);
    return FastPath.run(ctx, args);
  }

  static String[] args(String first, @Nullable List<String> rest, String... more) {
    List<String> all = new ArrayList<>();
    all.add(first);
    if (rest != null) {
      all.addAll(rest);
    }
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
