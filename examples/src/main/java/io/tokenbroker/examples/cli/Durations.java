package io.tokenbroker.examples.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations as people type them: {@code 30s}, {@code 5m}, {@code 1h}, {@code 1h30m}, {@code 500ms},
 * {@code 2d}; also ISO-8601 ({@code PT5M}). A bare number is refused, since its unit would be a
 * guess.
 */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

  private Durations() {}

  static Duration parse(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    if (s.startsWith("pt") || s.startsWith("p")) {
      try {
        Duration d = Duration.parse(s.toUpperCase(Locale.ROOT));
        if (d.isNegative()) {
          throw invalid(text);
        }
        return d;
      } catch (DateTimeParseException e) {
        throw invalid(text);
      }
    }
    if (s.isEmpty()) {
      throw invalid(text);
    }
    Matcher m = PART.matcher(s);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        throw invalid(text);
      }
      end = m.end();
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw invalid(text);
      }
      try {
        total =
            switch (m.group(2)) {
              case "ms" -> total.plusMillis(n);
              case "s" -> total.plusSeconds(n);
              case "m" -> total.plus(Duration.ofMinutes(n));
              case "h" -> total.plus(Duration.ofHours(n));
              default -> total.plus(Duration.ofDays(n));
            };
      } catch (ArithmeticException e) {
        throw invalid(text);
      }
    }
    if (end != s.length()) {
      throw invalid(text);
    }
    return total;
  }

  /** {@code 1h5m}, {@code 59m}, {@code 30s}, {@code 0s}: the largest two units, for messages. */
  static String format(Duration d) {
    boolean negative = d.isNegative();
    long seconds = Math.abs(d.toSeconds());
    long days = seconds / 86_400;
    long hours = seconds / 3600 % 24;
    long minutes = seconds / 60 % 60;
    long secs = seconds % 60;
    String out;
    if (days > 0) {
      out = days + "d" + (hours > 0 ? hours + "h" : "");
    } else if (hours > 0) {
      out = hours + "h" + (minutes > 0 ? minutes + "m" : "");
    } else if (minutes > 0) {
      out = minutes + "m" + (secs > 0 ? secs + "s" : "");
    } else {
      out = secs + "s";
    }
    return negative ? "-" + out : out;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'" + text + "' is not a duration; write it like 30s, 5m, 1h or 1h30m");
  }

  /** Lets picocli read {@code Duration} options. */
  static final class Converter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
