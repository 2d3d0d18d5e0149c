-- tokenbroker JDBC token store: SQLite 3.
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row with version 0 and no sealed bytes only carries a lease for a grant not stored yet.
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        TEXT    NOT NULL PRIMARY KEY,
  version          INTEGER NOT NULL,
  sealed           BLOB,
  expires_at       INTEGER,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
)
