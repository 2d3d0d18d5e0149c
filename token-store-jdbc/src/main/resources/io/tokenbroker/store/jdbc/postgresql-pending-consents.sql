-- tokenbroker JDBC token store, pending consents: PostgreSQL.
-- One row per started authorization request, sealed by the broker (state, PKCE verifier, redirect
-- URI, template, grant key); consent_id is a hash of the request's state, never the state itself.
-- Rows are taken (deleted) when the consent completes; expired rows are purged.
CREATE TABLE IF NOT EXISTS tokenbroker_pending_consents (
  consent_id VARCHAR(128) NOT NULL PRIMARY KEY,
  sealed     BYTEA        NOT NULL,
  expires_at BIGINT       NOT NULL,
  created_at BIGINT       NOT NULL
)
