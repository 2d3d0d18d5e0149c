-- tokenbroker JDBC token store: MySQL 8 / MariaDB 10.5+ (InnoDB).
-- grant_key holds the key's UTF-8 bytes: binary comparison, so keys that differ only in case,
-- accents or trailing spaces stay distinct. Read it with CAST(grant_key AS CHAR CHARACTER SET utf8mb4).
-- One row per grant. Times are epoch milliseconds (UTC) taken from the application's clock.
-- A row without sealed bytes is an absent grant: only leased so far (version 0), or deleted (a
-- tombstone that keeps its version and lease_fence, so neither ever repeats for the key).
CREATE TABLE IF NOT EXISTS tokenbroker_grants (
  grant_key        VARBINARY(1024) NOT NULL,
  version          BIGINT          NOT NULL,
  sealed           MEDIUMBLOB,
  expires_at       BIGINT,
  lease_owner      VARCHAR(128),
  lease_expires_at BIGINT,
  lease_fence      BIGINT          NOT NULL DEFAULT 0,
  created_at       BIGINT          NOT NULL,
  updated_at       BIGINT          NOT NULL,
  PRIMARY KEY (grant_key)
) ENGINE=InnoDB
