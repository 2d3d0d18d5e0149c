-- tokenbroker JDBC token store: SQLite 3.
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row without sealed bytes is an absent grant: only leased so far (version 0), or deleted (a
-- tombstone that keeps its version and lease_fence, so neither ever repeats for the key).
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        TEXT    NOT NULL PRIMARY KEY,
  version          INTEGER NOT NULL,
  sealed           BLOB,
  expires_at       INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  lease_fence      INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
)
