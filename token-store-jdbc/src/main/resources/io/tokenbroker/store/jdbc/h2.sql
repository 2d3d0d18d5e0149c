-- tokenbroker JDBC token store: H2 2.x.
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row without sealed bytes is an absent grant: only leased so far (version 0), or deleted (a
-- tombstone that keeps its version and lease_fence, so neither ever repeats for the key).
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        VARCHAR(256)  NOT NULL PRIMARY KEY,
  version          BIGINT        NOT NULL,
  sealed           VARBINARY,
  expires_at       BIGINT,
  lease_owner      VARCHAR(128),
  lease_expires_at BIGINT,
  lease_fence      BIGINT        NOT NULL DEFAULT 0,
  created_at       BIGINT        NOT NULL,
  updated_at       BIGINT        NOT NULL
)
