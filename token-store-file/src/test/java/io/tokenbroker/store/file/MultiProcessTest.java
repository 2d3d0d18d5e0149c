package io.tokenbroker.store.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore;
import io.tokenbroker.testkit.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several JVMs over one directory: crash safety under SIGKILL, no lost updates, leases. */
class MultiProcessTest {
  private static final int ROUNDS = 10;
  private static final int CHILDREN = 3;
  private static final String SHARED = "shared";
  private static final Duration MARKED_WAIT = Duration.ofSeconds(10);

  /**
   * The fewest rounds whose marked writer must have been killed mid-write (its temporary file seen
   * before the kill and still there after it), so that the test cannot pass without exercising an
   * interrupted write: a third of them. The marked write is 8 MiB, written and forced to disk, so
   * the kill, sent as soon as its temporary file appears, lands before the rename in practice every
   * time; the floor leaves room for a rare miss on a loaded machine.
   */
  private static final int MIN_CERTAIN_MID_WRITE_KILLS = (ROUNDS + 2) / 3;

  @TempDir Path tempDir;

  /** The newest acknowledged (or verified) write of one key. */
  record Ack(long version, String digest) {}

  @Test
  @DisplayName("writers killed with SIGKILL at random points leave the last or the next entry")
  void crashSafety() throws Exception {
    Path dir = tempDir.resolve("tokens");
    FileTokenStore.create(dir);
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, Ack> known = new HashMap<>();
    int kills = 0;
    int midWriteKills = 0;
    int certainMidWriteKills = 0;
    int acks = 0;
    int aheadOfAck = 0;

    for (int round = 0; round < ROUNDS; round++) {
      List<ChildJvm> children = new ArrayList<>();
      int markedIndex = round % CHILDREN;
      try {
        for (int i = 0; i < CHILDREN; i++) {
          ChildJvm.Builder writer =
              ChildJvm.builder(StoreChild.class)
                  .name("writer-" + round + "-" + i)
                  .args("write-loop", dir.toString(), "solo-" + i, SHARED);
          if (i == markedIndex) {
            writer.args(Integer.toString(random.nextInt(25))); // writes before the marked one
          }
          children.add(writer.start());
        }
        for (ChildJvm child : children) {
          child.awaitLine("READY"::equals, Duration.ofSeconds(60));
        }
        // One writer per round is killed mid-write for certain: it announces a large write of its
        // own key, and is killed as soon as that write's temporary file exists.
        ChildJvm marked = children.get(markedIndex);
        marked.send("GO");
        String announced = marked.awaitLine(line -> line.startsWith("WRITING "), MARKED_WAIT);
        Path temp = awaitTempFile(dir, FileNames.hash(GrantKey.of(announced.substring(8))));
        marked.kill();
        kills++;
        if (temp != null && Files.exists(temp)) {
          certainMidWriteKills++;
        }
        for (ChildJvm child : children) {
          if (child == marked) {
            continue;
          }
          // Kill after a random number of acknowledged writes, at a random instant after it.
          int target = random.nextInt(25);
          for (int seen = 0; seen < target; seen++) {
            child.awaitLine(line -> line.startsWith("ACK "), Duration.ofSeconds(60));
          }
          LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(3000)));
          assertTrue(child.isAlive(), () -> "the writer died by itself; " + child.describe());
          child.kill();
          kills++;
        }
      } finally {
        for (ChildJvm child : children) {
          child.close();
        }
      }
      // Every writer of the round is dead and nothing has swept the directory yet (only a store's
      // creation does): each temp file left is a write a kill interrupted, one per writer at most.
      midWriteKills += tempFiles(dir).size();

      Map<String, Ack> newest = new HashMap<>(known);
      for (ChildJvm child : children) {
        for (String line : child.stdoutLines()) {
          String[] parts = line.split(" ");
          assertTrue(!line.startsWith("BAD"), () -> "a writer read a bad entry: " + line);
          if (parts.length == 4 && parts[0].equals("ACK") && parts[3].length() == 64) {
            acks++;
            Ack ack = new Ack(Long.parseLong(parts[2]), parts[3]);
            newest.merge(parts[1], ack, (a, b) -> a.version() >= b.version() ? a : b);
          }
        }
      }

      // A fresh store (as after a restart) sees only complete entries and no temp files.
      FileTokenStore store = FileTokenStore.create(dir);
      assertEquals(List.of(), tempFiles(dir), "stray temp files survive a restart");
      for (Map.Entry<String, Ack> entry : newest.entrySet()) {
        String key = entry.getKey();
        Ack last = entry.getValue();
        int writers = key.equals(SHARED) ? CHILDREN : 1;
        StoredGrant stored =
            store
                .load(GrantKey.of(key))
                .orElseThrow(() -> new AssertionError("lost " + key + ", seed " + seed));
        String context = key + " in round " + round + " (seed " + seed + "): stored " + stored;
        Payloads.verify(stored.sealed(), stored.version());
        assertTrue(stored.version() >= last.version(), "went back before " + last + ": " + context);
        assertTrue(
            stored.version() <= last.version() + writers, "too far past " + last + ": " + context);
        if (stored.version() == last.version()) {
          assertEquals(last.digest(), Payloads.digest(stored.sealed()), context);
        } else {
          aheadOfAck++; // killed after the rename, before the acknowledgement
        }
        known.put(key, new Ack(stored.version(), Payloads.digest(stored.sealed())));
      }
    }
    System.out.printf(
        "crash test (seed %d): %d kills, %d of them mid-write (%d of %d marked writers for"
            + " certain), %d acknowledged writes, %d entries one write past their last"
            + " acknowledgement%n",
        seed, kills, midWriteKills, certainMidWriteKills, ROUNDS, acks, aheadOfAck);
    assertEquals(ROUNDS * CHILDREN, kills);
    assertTrue(
        certainMidWriteKills >= MIN_CERTAIN_MID_WRITE_KILLS,
        "only "
            + certainMidWriteKills
            + " of "
            + ROUNDS
            + " marked writers were killed mid-write (seed "
            + seed
            + "); the test did not exercise interrupted writes");
    assertTrue(midWriteKills >= certainMidWriteKills, "a counted temp file was swept");
    assertTrue(acks > 0, "no write was ever acknowledged");
    assertTrue(known.containsKey(SHARED));
  }

  @Test
  @DisplayName("processes incrementing one grant concurrently lose no update")
  void noLostUpdatesAcrossProcesses() throws Exception {
    Path dir = tempDir.resolve("tokens");
    int perChild = 40;
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < CHILDREN; i++) {
        children.add(
            ChildJvm.builder(StoreChild.class)
                .name("incrementer-" + i)
                .args("increment", dir.toString(), "counter", Integer.toString(perChild))
                .start());
      }
      for (ChildJvm child : children) {
        child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      }
      for (ChildJvm child : children) {
        child.send("GO");
      }
      for (ChildJvm child : children) {
        child.awaitLine(line -> line.startsWith("DONE "), Duration.ofSeconds(60));
        assertEquals(0, child.waitFor(Duration.ofSeconds(60)), child::describe);
      }
    } finally {
      for (ChildJvm child : children) {
        child.close();
      }
    }
    StoredGrant stored = FileTokenStore.create(dir).load(GrantKey.of("counter")).orElseThrow();
    assertEquals(CHILDREN * perChild, stored.version());
    assertEquals("v" + CHILDREN * perChild, new String(stored.sealed(), StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("processes taking the same pending consents at once: each is taken exactly once")
  void pendingConsentsAreTakenOnceAcrossProcesses() throws Exception {
    Path dir = tempDir.resolve("tokens");
    FileTokenStore store = FileTokenStore.create(dir);
    int consents = 200;
    for (int i = 0; i < consents; i++) {
      store.savePendingConsent(
          "consent-" + i,
          ("sealed " + i).getBytes(StandardCharsets.UTF_8),
          java.time.Instant.parse("2026-01-01T00:10:00Z"));
    }
    List<ChildJvm> children = new ArrayList<>();
    List<String> taken = new ArrayList<>();
    try {
      for (int i = 0; i < CHILDREN; i++) {
        children.add(
            ChildJvm.builder(StoreChild.class)
                .name("taker-" + i)
                .args("take-consents", dir.toString(), Integer.toString(consents))
                .start());
      }
      for (ChildJvm child : children) {
        child.awaitLine("READY"::equals, Duration.ofSeconds(60));
      }
      for (ChildJvm child : children) {
        child.send("GO");
      }
      for (ChildJvm child : children) {
        child.awaitLine("DONE"::equals, Duration.ofSeconds(60));
        assertEquals(0, child.waitFor(Duration.ofSeconds(60)), child::describe);
        child.stdoutLines().stream()
            .filter(line -> line.startsWith("TOOK "))
            .forEach(line -> taken.add(line.substring(5)));
      }
    } finally {
      for (ChildJvm child : children) {
        child.close();
      }
    }
    assertEquals(consents, taken.size(), "every consent taken once, none twice: " + taken.size());
    assertEquals(consents, new java.util.HashSet<>(taken).size());
    try (Stream<Path> left = Files.list(dir.resolve("pending"))) {
      assertEquals(List.of(), left.toList(), "nothing left behind");
    }
  }

  @Test
  @DisplayName("a lease excludes other processes and is released when its holder is killed")
  void leaseAcrossProcesses() throws Exception {
    Path dir = tempDir.resolve("tokens");
    FileTokenStore store = FileTokenStore.create(dir);
    GrantKey key = GrantKey.of("refresh/me");
    Duration ttl = Duration.ofHours(1);

    try (ChildJvm holder = holdLease(dir, key, "holder")) {
      assertEquals("HELD", holder.awaitLine(line -> true, Duration.ofSeconds(60)));
      assertEquals(Optional.empty(), store.tryAcquireLease(key, ttl), "held by another process");
      try (ChildJvm second = holdLease(dir, key, "second")) {
        assertEquals("BUSY", second.awaitLine(line -> true, Duration.ofSeconds(60)));
      }

      holder.kill(); // SIGKILL: the holder never closes its lease
      try (TokenStore.Lease lease = store.tryAcquireLease(key, ttl).orElseThrow()) {
        assertEquals(key, lease.key());
      }
    }
    // And a cleanly closed lease is free for others at once.
    try (ChildJvm holder = holdLease(dir, key, "closer")) {
      assertEquals("HELD", holder.awaitLine(line -> true, Duration.ofSeconds(60)));
      holder.send("release");
      assertEquals("RELEASED", holder.awaitLine(line -> true, Duration.ofSeconds(60)));
      store.tryAcquireLease(key, ttl).orElseThrow().close();
    }
  }

  private ChildJvm holdLease(Path dir, GrantKey key, String name) {
    return ChildJvm.builder(StoreChild.class)
        .name(name)
        .args("hold-lease", dir.toString(), key.value())
        .start();
  }

  /**
   * Polls {@code dir} for a temporary file of the key hashed {@code hash} and returns it, or null
   * if none appeared within {@link #MARKED_WAIT} (the write was over before it was seen).
   */
  private static @Nullable Path awaitTempFile(Path dir, String hash) throws IOException {
    String prefix = hash + FileNames.TEMP_INFIX;
    long deadline = System.nanoTime() + MARKED_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> files = Files.list(dir)) {
        Optional<Path> temp =
            files.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst();
        if (temp.isPresent()) {
          return temp.get();
        }
      }
      Thread.onSpinWait();
    }
    return null;
  }

  private static List<Path> tempFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
    }
  }
}
