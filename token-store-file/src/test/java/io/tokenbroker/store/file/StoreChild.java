package io.tokenbroker.store.file;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The main class of the child JVMs that {@link MultiProcessTest} starts. Talks over stdin/stdout in
 * lines; exits with status 3 if it ever reads an invalid entry.
 */
public final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    FileTokenStore store = FileTokenStore.create(Path.of(args[1]));
    switch (args[0]) {
      case "write-loop" ->
          writeLoop(
              store,
              out,
              in,
              args.length > 4 ? Integer.parseInt(args[4]) : -1,
              GrantKey.of(args[2]),
              GrantKey.of(args[3]));
      case "increment" ->
          increment(store, out, in, GrantKey.of(args[2]), Integer.parseInt(args[3]));
      case "hold-lease" -> holdLease(store, out, in, GrantKey.of(args[2]));
      case "take-consents" -> takeConsents(store, out, in, Integer.parseInt(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** The body of the one large write a marked writer announces: long enough to be caught. */
  static final int MARKED_WRITE_BYTES = 8 * 1024 * 1024;

  /**
   * Forever: load a key, check its payload, write the next version with a fresh payload, and print
   * {@code ACK key version digest} once the write returned. Alternates between two keys.
   *
   * <p>A marked writer ({@code markAfter >= 0}) waits for {@code GO} after {@code READY}; once it
   * has made {@code markAfter} writes, it prints {@code WRITING key} right before its next write of
   * the first key, whose payload is {@link #MARKED_WRITE_BYTES} long, so that the test can see its
   * temporary file and kill it before the rename.
   */
  private static void writeLoop(
      FileTokenStore store, PrintStream out, BufferedReader in, int markAfter, GrantKey... keys)
      throws IOException {
    Random random = new Random();
    out.println("READY");
    out.flush();
    if (markAfter >= 0 && !"GO".equals(in.readLine())) {
      throw new IOException("expected GO");
    }
    int writes = 0;
    boolean marked = false;
    for (long i = 0; ; i++) {
      GrantKey key = keys[(int) (i % keys.length)];
      Optional<TokenStore.Lease> lease = store.tryAcquireLease(key, Duration.ofMinutes(1));
      if (lease.isEmpty()) {
        continue; // another child writes this key now
      }
      try (TokenStore.Lease held = lease.get()) {
        Optional<StoredGrant> current = store.load(key);
        long version = current.map(StoredGrant::version).orElse(0L);
        if (current.isPresent()) {
          try {
            Payloads.verify(current.get().sealed(), version);
          } catch (IllegalStateException e) {
            out.println("BAD " + key + " " + version + " " + e.getMessage());
            out.flush();
            System.exit(3);
          }
        }
        byte[] payload;
        if (markAfter >= 0 && !marked && writes >= markAfter && key.equals(keys[0])) {
          marked = true;
          payload = Payloads.make(version + 1, random, MARKED_WRITE_BYTES);
          out.println("WRITING " + key);
          out.flush();
        } else {
          payload = Payloads.make(version + 1, random);
        }
        OptionalLong written = store.compareAndSet(held, version, payload, null);
        if (written.isPresent()) {
          writes++;
          out.println("ACK " + key + " " + written.getAsLong() + " " + Payloads.digest(payload));
          out.flush();
        }
      }
    }
  }

  /**
   * After {@code GO}: tries to take pending consents {@code consent-0} to {@code consent-<n-1>},
   * printing {@code TOOK id} for each it got, then {@code DONE}.
   */
  private static void takeConsents(TokenStore store, PrintStream out, BufferedReader in, int count)
      throws Exception {
    out.println("READY");
    out.flush();
    in.readLine(); // GO
    java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < count; i++) {
      if (store.takePendingConsent("consent-" + i, now).isPresent()) {
        out.println("TOOK consent-" + i);
      }
    }
    out.println("DONE");
    out.flush();
  }

  private static void increment(
      TokenStore store, PrintStream out, BufferedReader in, GrantKey key, int count)
      throws Exception {
    out.println("READY");
    out.flush();
    in.readLine(); // GO
    int conflicts = 0;
    for (int done = 0; done < count; ) {
      Optional<TokenStore.Lease> lease = store.tryAcquireLease(key, Duration.ofMinutes(1));
      if (lease.isEmpty()) {
        conflicts++;
        continue;
      }
      try (TokenStore.Lease held = lease.get()) {
        long version = store.load(key).map(StoredGrant::version).orElse(0L);
        byte[] payload = ("v" + (version + 1)).getBytes(StandardCharsets.UTF_8);
        if (store.compareAndSet(held, version, payload, null).isPresent()) {
          done++;
        } else {
          conflicts++;
        }
      }
    }
    out.println("DONE " + count + " " + conflicts);
    out.flush();
  }

  private static void holdLease(TokenStore store, PrintStream out, BufferedReader in, GrantKey key)
      throws Exception {
    Optional<TokenStore.Lease> lease = store.tryAcquireLease(key, Duration.ofHours(1));
    out.println(lease.isPresent() ? "HELD" : "BUSY");
    out.flush();
    in.readLine(); // wait to be killed or told to release
    lease.ifPresent(TokenStore.Lease::close);
    out.println("RELEASED");
    out.flush();
  }
}
