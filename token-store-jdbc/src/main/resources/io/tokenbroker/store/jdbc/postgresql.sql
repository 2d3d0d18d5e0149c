-- tokenbroker JDBC token store: PostgreSQL (database encoding UTF8).
-- grant_key uses the "C" collation: keys sort by code point, whatever the database's locale, and
-- the primary key's index serves paged reads (ORDER BY grant_key COLLATE "C").
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row without sealed bytes is an absent grant: only leased so far (version 0), or deleted (a
-- tombstone that keeps its version and lease_fence, so neither ever repeats for the key).
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        TEXT         COLLATE "C" NOT NULL PRIMARY KEY,
  version          BIGINT       NOT NULL,
  sealed           BYTEA,
  expires_at       BIGINT,
  lease_owner      VARCHAR(128),
  lease_expires_at BIGINT,
  lease_fence      BIGINT       NOT NULL DEFAULT 0,
  created_at       BIGINT       NOT NULL,
  updated_at       BIGINT       NOT NULL
)
