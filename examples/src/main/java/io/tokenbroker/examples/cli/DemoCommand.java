package io.tokenbroker.examples.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code demo}: the offline tour. Starts the COR and Procore sandboxes on loopback and walks
 * through client credentials, paged API calls, an out-of-band consent, a refresh and the store,
 * using the CLI itself and the library embedded, in a temporary directory. See {@link Demo}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an offline tour against local sandboxes.",
      "",
      "Starts COR and Procore sandboxes on 127.0.0.1, logs in to both (client credentials; an"
          + " out-of-band consent), calls their APIs across pages, shows a refresh and the"
          + " encrypted store. Uses a temporary directory only (ignores --store and --keyset) and"
          + " needs no network or account."
    })
final class DemoCommand implements Callable<Integer> {
  @ParentCommand RootCommand root;

  @Option(
      names = "--keep",
      description = "Keep the temporary store and keyset (the path is printed).")
  boolean keep;

  @Option(
      names = "--token-lifetime",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      defaultValue = "8s",
      description =
          "Lifetime of the Procore sandbox's access tokens; short, so that a refresh"
              + " happens during the demo (default ${DEFAULT-VALUE}).")
  Duration tokenLifetime;

  @Override
  public Integer call() throws Exception {
    if (tokenLifetime.compareTo(Duration.ofSeconds(2)) < 0
        || tokenLifetime.compareTo(Duration.ofMinutes(2)) > 0) {
      throw CliException.usage("--token-lifetime must be between 2s and 2m", null);
    }
    CliContext ctx = root.ctx;
    Path dir = Files.createTempDirectory("tokenbroker-demo-"); // owner-only on POSIX
    try {
      new Demo(ctx, dir, tokenLifetime).run();
    } finally {
      if (keep) {
        ctx.out.println(
            "Kept the demo's store and keyset in "
                + dir
                + " (e.g. TOKENBROKER_HOME="
                + dir
                + " tokenbroker status).");
      } else {
        deleteRecursively(dir);
      }
    }
    return ExitCodes.OK;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
