package io.tokenbroker.examples.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --min-valid}, shared by the commands that hand out a token (a picocli mixin). */
final class MinValidOption {
  @Option(
      names = "--min-valid",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      defaultValue = "5m",
      description =
          "Refresh first if the token expires sooner than this (default ${DEFAULT-VALUE}).")
  Duration minValid;
}
