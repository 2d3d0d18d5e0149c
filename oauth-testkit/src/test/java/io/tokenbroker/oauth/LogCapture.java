package io.tokenbroker.oauth;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures everything the library logs (System.Logger goes to java.util.logging by default), at
 * every level, formatted as a handler would print it, stack traces included.
 */
final class LogCapture extends Handler implements AutoCloseable {
  private static final Logger ROOT = Logger.getLogger("io.tokenbroker");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final SimpleFormatter formatter = new SimpleFormatter();
  private final Level previous;

  LogCapture() {
    previous = ROOT.getLevel();
    ROOT.setLevel(Level.ALL);
    ROOT.addHandler(this);
    setLevel(Level.ALL);
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(formatter.format(record));
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    ROOT.removeHandler(this);
    ROOT.setLevel(previous);
  }

  String text() {
    return String.join("", lines);
  }

  int size() {
    return lines.size();
  }
}
