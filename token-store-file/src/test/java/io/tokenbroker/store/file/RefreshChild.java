package io.tokenbroker.store.file;

import io.tokenbroker.oauth.ClientRegistration;
import io.tokenbroker.oauth.ClientSecret;
import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.GrantType;
import io.tokenbroker.oauth.Keysets;
import io.tokenbroker.oauth.Provider;
import io.tokenbroker.oauth.TokenBroker;
import io.tokenbroker.testkit.RecordingBrokerListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The main class of the child JVMs that {@link MultiProcessRefreshTest} starts: one {@link
 * TokenBroker} over a {@link FileTokenStore}, several threads calling {@code accessToken} for a
 * while. Tokens are reported only as SHA-256 digests.
 *
 * <p>Arguments: store directory, keyset file, token endpoint, authorization endpoint, client id,
 * grant key, thread count. Protocol: reads the client secret (one line), prints {@code READY};
 * reads {@code GO <millis>}, calls for that long, then prints {@code TOKENS <thread> <calls>
 * <digest,...>} per thread (distinct tokens in the order the thread saw them), {@code EVENTS
 * name=count ...}, a {@code FAILURE ...} line per exception, and {@code DONE}. Exits 0 only if no
 * call failed. It closes its broker before reporting, which lets a background refresh still in
 * flight finish and persist.
 */
public final class RefreshChild {
  private RefreshChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String secret = in.readLine();
    RecordingBrokerListener events = new RecordingBrokerListener();
    FileTokenStore store = FileTokenStore.create(Path.of(args[0]));
    TokenBroker broker =
        TokenBroker.builder()
            .store(store)
            .keyset(Keysets.fromFile(Path.of(args[1])))
            .listener(events)
            .build();
    Provider provider =
        Provider.builder("fake")
            .tokenEndpoint(URI.create(args[2]))
            .authorizationEndpoint(URI.create(args[3]))
            .build();
    GrantKey key = GrantKey.of(args[5]);
    broker.register(
        key,
        ClientRegistration.of(provider, args[4], ClientSecret.of(secret)),
        GrantType.AUTHORIZATION_CODE);
    int threadCount = Integer.parseInt(args[6]);
    out.println("READY");
    out.flush();

    String go = in.readLine();
    long runNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(go.substring("GO ".length())));
    long deadline = System.nanoTime() + runNanos;
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    List<List<String>> seen = new ArrayList<>();
    long[] calls = new long[threadCount];
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < threadCount; i++) {
      int index = i;
      List<String> tokens = new ArrayList<>();
      seen.add(tokens);
      Thread thread =
          new Thread(
              () -> {
                String last = null;
                try {
                  while (System.nanoTime() < deadline) {
                    String value = broker.accessToken(key).revealValue();
                    calls[index]++;
                    if (!value.equals(last)) {
                      tokens.add(digest(value));
                      last = value;
                    }
                    // Paced callers: a busy loop would starve the other processes of CPU.
                    LockSupport.parkNanos(
                        ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(2)));
                  }
                } catch (RuntimeException | Error e) {
                  failures.add(e.getClass().getName() + ": " + e.getMessage());
                  e.printStackTrace();
                }
              },
              "caller-" + i);
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    // Closing first lets a background refresh still in flight finish and persist, so that the
    // events counted below include its outcome.
    broker.close();
    for (int i = 0; i < threadCount; i++) {
      out.println("TOKENS caller-" + i + " " + calls[i] + " " + String.join(",", seen.get(i)));
    }
    StringBuilder eventLine = new StringBuilder("EVENTS");
    events
        .counts()
        .forEach((name, count) -> eventLine.append(' ').append(name).append('=').append(count));
    out.println(eventLine);
    for (String failure : failures) {
      out.println("FAILURE " + failure.replace('\n', ' '));
    }
    out.println("DONE");
    out.flush();
    System.exit(failures.isEmpty() ? 0 : 2);
  }

  static String digest(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
