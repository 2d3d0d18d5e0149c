package io.tokenbroker.testkit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every secret the testkit's fake servers issued or were configured with while a leak check is
 * running: access and refresh tokens, authorization codes, client secrets, passwords. {@link
 * FakeAuthorizationServer}, {@code CorSandbox} and {@code ProcoreSandbox} feed it; a test may add
 * secrets of its own with {@link #record}. {@link LogCapture} and {@link SecretLeakCheck} look for
 * them in what was logged and printed.
 *
 * <p>The registry holds values only while at least one {@link LogCapture} is open or a {@link
 * SecretLeakCheck} runs (it is "armed"), so a benchmark that issues millions of tokens without a
 * check keeps nothing. Values shorter than {@link #MIN_LENGTH} characters are not kept: a client
 * secret such as {@code "secret"} occurs by chance in ordinary text ("client secret missing").
 *
 * <p>Thread-safe; one registry per JVM, so leak checks assume tests of one JVM run one at a time
 * (JUnit's default).
 */
public final class IssuedSecrets {
  /** The shortest value worth looking for: {@value}. */
  public static final int MIN_LENGTH = 8;

  private static final Map<String, String> SECRETS = new ConcurrentHashMap<>();
  private static final AtomicInteger ARMED = new AtomicInteger();

  private IssuedSecrets() {}

  /**
   * Records {@code secret}, described by {@code kind} (e.g. {@code "access token"}; the kind is
   * shown in failure messages, the value never), if a leak check is armed and the value is at least
   * {@link #MIN_LENGTH} characters long.
   */
  public static void record(String kind, String secret) {
    requireNonNull(kind, "kind == null");
    requireNonNull(secret, "secret == null");
    if (ARMED.get() > 0 && secret.length() >= MIN_LENGTH) {
      SECRETS.putIfAbsent(secret, kind);
    }
  }

  /** How many secrets are recorded now. */
  public static int size() {
    return SECRETS.size();
  }

  /** The kinds of the recorded secrets that occur in {@code text}, one entry per secret found. */
  public static List<String> foundIn(String text) {
    requireNonNull(text, "text == null");
    return foundIn(SECRETS, text);
  }

  /** The recorded secrets now (value to kind). */
  static Map<String, String> snapshot() {
    return Map.copyOf(SECRETS);
  }

  static List<String> foundIn(Map<String, String> secrets, String text) {
    List<String> found = new ArrayList<>();
    if (text.length() < MIN_LENGTH) {
      return found;
    }
    secrets.forEach(
        (secret, kind) -> {
          if (text.contains(secret)) {
            found.add(kind);
          }
        });
    return found;
  }

  /** Starts keeping secrets (nested calls count). */
  static void arm() {
    ARMED.incrementAndGet();
  }

  /** Stops keeping secrets once the outermost arming ends, and forgets them. */
  static void disarm() {
    if (ARMED.decrementAndGet() <= 0) {
      ARMED.set(0);
      SECRETS.clear();
    }
  }
}
