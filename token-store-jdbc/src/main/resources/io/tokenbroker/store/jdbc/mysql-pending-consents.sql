-- tokenbroker JDBC token store, pending consents: MySQL 8 / MariaDB 10.5+ (InnoDB).
-- One row per started authorization request, sealed by the broker (state, PKCE verifier, redirect
-- URI, template, grant key); consent_id is a hash of the request's state, never the state itself.
-- Rows are taken (deleted) when the consent completes; expired rows are purged.
CREATE TABLE IF NOT EXISTS tokenbroker_pending_consents (
  consent_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sealed     MEDIUMBLOB   NOT NULL,
  expires_at BIGINT       NOT NULL,
  created_at BIGINT       NOT NULL,
  PRIMARY KEY (consent_id)
) ENGINE=InnoDB
