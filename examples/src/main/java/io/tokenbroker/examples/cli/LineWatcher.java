package io.tokenbroker.examples.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An output stream that keeps everything written and hands out complete lines as they arrive: the
 * demo watches a consent's stderr for the authorization URL with it (tests do the same).
 */
final class LineWatcher extends OutputStream {
  private final ByteArrayOutputStream all = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  @Override
  public synchronized void write(int b) {
    all.write(b);
    if (b == '\n') {
      lines.add(line.toString(UTF_8).replace("\r", ""));
      line.reset();
    } else {
      line.write(b);
    }
  }

  synchronized String text() {
    return all.toString(UTF_8);
  }

  /** Waits for a line matching {@code test}, skipping others. */
  String awaitLine(Predicate<String> test, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      @Nullable String next = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (next == null) {
        throw new IllegalStateException(
            "no matching line within " + timeout + "; output so far:\n" + text());
      }
      if (test.test(next)) {
        return next;
      }
    }
  }
}
