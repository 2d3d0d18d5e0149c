-- tokenbroker JDBC token store: PostgreSQL (database encoding UTF8).
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row with version 0 and no sealed bytes only carries a lease for a grant not stored yet.
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        TEXT         NOT NULL PRIMARY KEY,
  version          BIGINT       NOT NULL,
  sealed           BYTEA,
  expires_at       BIGINT,
  lease_owner      VARCHAR(128),
  lease_expires_at BIGINT,
  created_at       BIGINT       NOT NULL,
  updated_at       BIGINT       NOT NULL
)
