-- 0001_api_keys: API keys of the HTTP service. Only a hash of each secret is stored.
-- Parameters: none. Kept in its own file (<data>/keys.db) beside the memory database.

CREATE TABLE api_keys (
  id           TEXT    NOT NULL PRIMARY KEY,
  tenant_id    TEXT    NOT NULL,
  name         TEXT,
  scopes       TEXT    NOT NULL,
  secret_hash  TEXT    NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);
