package io.tokenbroker.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.jspecify.annotations.Nullable;

/**
 * Captures, from {@link #start()} to {@link #close()}, everything that could carry a secret out of
 * a test: every record of the root {@code java.util.logging} logger (where {@code System.Logger}
 * goes by default) at its configured level, tokenbroker's own loggers ({@code io.tokenbroker}) at
 * every level, {@code System.out}, {@code System.err}, and the output of {@link ChildJvm}s. The
 * output still reaches its usual place; the capture only listens.
 *
 * <pre>{@code
 * try (LogCapture capture = LogCapture.start()) {
 *   broker.accessToken(key);
 *   assertTrue(capture.logs().contains("refresh"));
 *   capture.assertNoSecrets(); // no token, code or client secret a fake server issued
 * }
 * }</pre>
 *
 * <p>{@link SecretLeakCheck} runs one around every test of a module that enables it. Several
 * captures may be open at once; each sees everything. Thread-safe; output written by any thread
 * while the capture is open is kept.
 */
public final class LogCapture implements AutoCloseable {
  private static final Logger ROOT = Logger.getLogger("");
  private static final Logger LIBRARY = Logger.getLogger("io.tokenbroker");
  private static final List<LogCapture> OPEN = new CopyOnWriteArrayList<>();
  private static final Object STREAMS_LOCK = new Object();
  private static PrintStream originalOut = System.out;
  private static PrintStream originalErr = System.err;
  private static Level originalLibraryLevel = LIBRARY.getLevel();

  @SuppressWarnings("JdkObsolete") // appended to by the threads that log
  private final StringBuffer logs = new StringBuffer();

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  @SuppressWarnings("JdkObsolete") // appended to by the threads that read child processes
  private final StringBuffer childOutput = new StringBuffer();

  private final Handler handler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable Map<String, String> secretsAtClose;

  private LogCapture() {
    SimpleFormatter formatter = new SimpleFormatter();
    this.handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (!closed.get()) {
              logs.append(formatter.format(record));
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    handler.setLevel(Level.ALL);
  }

  /** Starts capturing, and keeping the secrets fake servers issue from now on. */
  public static LogCapture start() {
    LogCapture capture = new LogCapture();
    IssuedSecrets.arm();
    synchronized (STREAMS_LOCK) {
      if (OPEN.isEmpty()) {
        originalOut = System.out;
        originalErr = System.err;
        originalLibraryLevel = LIBRARY.getLevel();
        System.setOut(tee(originalOut, true));
        System.setErr(tee(originalErr, false));
        LIBRARY.setLevel(Level.ALL);
      }
      OPEN.add(capture);
    }
    ROOT.addHandler(capture.handler);
    return capture;
  }

  private static PrintStream tee(PrintStream original, boolean out) {
    OutputStream copy =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            for (LogCapture capture : OPEN) {
              ByteArrayOutputStream target = out ? capture.stdout : capture.stderr;
              synchronized (target) {
                target.write(b, off, len);
              }
            }
          }

          @Override
          public void flush() {
            original.flush();
          }
        };
    return new PrintStream(copy, true, UTF_8);
  }

  /** Feeds a line a {@link ChildJvm} printed to every open capture. */
  static void childOutput(String source, String line) {
    for (LogCapture capture : OPEN) {
      capture.childOutput.append(source).append(": ").append(line).append('\n');
    }
  }

  /** Whether any capture is open, i.e. child output is being checked. */
  static boolean isCapturing() {
    return !OPEN.isEmpty();
  }

  /** The log records captured so far, formatted as a handler prints them, stack traces included. */
  public String logs() {
    return logs.toString();
  }

  /** What was written to {@code System.out} so far. */
  public String stdout() {
    synchronized (stdout) {
      return stdout.toString(UTF_8);
    }
  }

  /** What was written to {@code System.err} so far. */
  public String stderr() {
    synchronized (stderr) {
      return stderr.toString(UTF_8);
    }
  }

  /** What {@link ChildJvm}s printed so far, each line prefixed by the child's name and stream. */
  public String childOutput() {
    return childOutput.toString();
  }

  /** Everything captured: logs, stdout, stderr and child output. */
  public String text() {
    return logs() + stdout() + stderr() + childOutput();
  }

  /**
   * Where a secret of {@link IssuedSecrets} occurs in what was captured, e.g. {@code "access token
   * in stderr"}; empty if nowhere. Never contains a secret itself.
   */
  public List<String> leaks() {
    Map<String, String> closedWith = secretsAtClose;
    Map<String, String> secrets = closedWith != null ? closedWith : IssuedSecrets.snapshot();
    List<String> leaks = new ArrayList<>();
    for (String kind : IssuedSecrets.foundIn(secrets, logs())) {
      leaks.add(kind + " in the log");
    }
    for (String kind : IssuedSecrets.foundIn(secrets, stdout())) {
      leaks.add(kind + " in stdout");
    }
    for (String kind : IssuedSecrets.foundIn(secrets, stderr())) {
      leaks.add(kind + " in stderr");
    }
    for (String kind : IssuedSecrets.foundIn(secrets, childOutput())) {
      leaks.add(kind + " in a child JVM's output");
    }
    return leaks;
  }

  /**
   * Fails if any secret a fake server issued or was configured with (see {@link IssuedSecrets}) was
   * logged or printed.
   *
   * @throws AssertionError naming the kind of secret and where it appeared, never its value
   */
  public void assertNoSecrets() {
    List<String> leaks = leaks();
    if (!leaks.isEmpty()) {
      throw new AssertionError("secrets leaked: " + String.join("; ", leaks));
    }
  }

  /**
   * Stops capturing (idempotent); what was captured stays readable, and {@link #leaks()} keeps
   * checking it against the secrets recorded until now.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    secretsAtClose = IssuedSecrets.snapshot();
    ROOT.removeHandler(handler);
    synchronized (STREAMS_LOCK) {
      OPEN.remove(this);
      if (OPEN.isEmpty()) {
        System.out.flush();
        System.err.flush();
        System.setOut(originalOut);
        System.setErr(originalErr);
        LIBRARY.setLevel(originalLibraryLevel);
      }
    }
    IssuedSecrets.disarm();
  }
}
