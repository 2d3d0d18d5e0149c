package io.tokenbroker.store.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.StoredGrant;
import io.tokenbroker.oauth.TokenStore.Lease;
import java.time.Duration;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A separate JVM process for {@link MultiProcessLeaseTest}: takes the lease on one grant, reads the
 * counter in it, writes counter + 1 with compare-and-set, releases, until the counter reaches the
 * target. Prints one {@code W <counter>} line per write and {@code DONE <writes> <conflicts>}. In
 * hold mode it takes the lease, prints {@code HOLDING} and waits to be killed.
 *
 * <p>Arguments: JDBC URL, table, grant key, target, lease TTL in ms, {@code hold} or {@code work}.
 */
public final class LeaseWorker {
  private LeaseWorker() {}

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(args[0]);
    JdbcTokenStore store = JdbcTokenStore.builder(dataSource).table(args[1]).build();
    GrantKey key = GrantKey.of(args[2]);
    int target = Integer.parseInt(args[3]);
    Duration ttl = Duration.ofMillis(Long.parseLong(args[4]));
    boolean hold = args[5].equals("hold");

    int writes = 0;
    int conflicts = 0;
    while (true) {
      Optional<Lease> taken = store.tryAcquireLease(key, ttl);
      if (taken.isEmpty()) {
        Thread.sleep(2); // poll, as the broker does for a bounded time
        continue;
      }
      try (Lease lease = taken.get()) {
        if (hold) {
          System.out.println("HOLDING " + lease.key());
          System.out.flush();
          Thread.sleep(Long.MAX_VALUE);
        }
        StoredGrant grant = store.load(key).orElseThrow();
        int counter = Integer.parseInt(new String(grant.sealed(), UTF_8));
        if (counter >= target) {
          break;
        }
        byte[] next = Integer.toString(counter + 1).getBytes(UTF_8);
        if (store.compareAndSet(lease, grant.version(), next, null).isPresent()) {
          writes++;
          System.out.println("W " + (counter + 1));
        } else {
          conflicts++;
        }
      }
    }
    System.out.println("DONE " + writes + " " + conflicts);
    System.out.flush();
  }
}
