package io.tokenbroker.store.jdbc;

import io.tokenbroker.oauth.GrantKey;
import io.tokenbroker.oauth.TokenStore.Lease;
import io.tokenbroker.oauth.TokenStoreException;
import java.lang.System.Logger.Level;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lease of a {@link JdbcTokenStore}: the owner string and fencing number written into the grant's
 * row when it was taken. Closing releases it if the row still names this owner; if the database
 * cannot be reached then, the failure is logged and the lease runs out by itself.
 */
final class JdbcLease implements Lease {
  private static final System.Logger LOG = System.getLogger(JdbcTokenStore.class.getName());

  /** Runs the release statement of one store. */
  @FunctionalInterface
  interface Releaser {
    void release(String operation, GrantKey key, StatementRunner.Work<Void> work);
  }

  final String table;
  final GrantKey key;
  final String owner;
  final long fence;
  private final long expiresAtMillis;
  private final Statements sql;
  private final Releaser releaser;
  private final AtomicBoolean closed = new AtomicBoolean();

  JdbcLease(
      String table,
      GrantKey key,
      String owner,
      long fence,
      long expiresAtMillis,
      Statements sql,
      Releaser releaser) {
    this.table = table;
    this.key = key;
    this.owner = owner;
    this.fence = fence;
    this.expiresAtMillis = expiresAtMillis;
    this.sql = sql;
    this.releaser = releaser;
  }

  @Override
  public GrantKey key() {
    return key;
  }

  @Override
  public long fence() {
    return fence;
  }

  @Override
  @SuppressWarnings(
      "NullAway") // the Work<Void> returns null: NullAway reads it as T without JSpecify mode
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      releaser.release(
          "release the lease on",
          key,
          (connection, dialect, attempt) -> {
            try (PreparedStatement release = connection.prepareStatement(sql.release)) {
              dialect.bindKey(release, 1, key.value());
              release.setString(2, owner);
              release.executeUpdate();
            }
            return null;
          });
    } catch (TokenStoreException e) {
      LOG.log(
          Level.WARNING,
          "JDBC token store: could not release the lease on grant {0}; it runs out by itself at"
              + " {1}: {2}",
          key,
          Instant.ofEpochMilli(expiresAtMillis),
          e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "JdbcLease[key="
        + key
        + ", fence "
        + fence
        + ", until="
        + Instant.ofEpochMilli(expiresAtMillis)
        + "]";
  }
}
