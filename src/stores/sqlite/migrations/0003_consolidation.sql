-- 0003_consolidation: checkpoints and leases of the consolidation job (ConsolidationStoreV1).
--
-- consolidation_checkpoints: per session, the seq up to which its turns were consolidated,
-- the deterministic id of the run that got there and the session's current summary memory.
-- Written in the same transaction as the run's memories, so a crash leaves either both or
-- neither.
--
-- consolidation_leases: which worker is consolidating a session, until when. A worker takes
-- a free or expired lease; `token` changes on each acquisition so that a worker whose lease
-- expired and was taken cannot commit.

CREATE TABLE consolidation_checkpoints (
  tenant_id         TEXT    NOT NULL,
  session_id        TEXT    NOT NULL,
  up_to_seq         INTEGER NOT NULL,
  run_id            TEXT    NOT NULL,
  summary_memory_id TEXT,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, session_id)
) WITHOUT ROWID;

CREATE TABLE consolidation_leases (
  tenant_id  TEXT    NOT NULL,
  session_id TEXT    NOT NULL,
  worker     TEXT    NOT NULL,
  token      TEXT    NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, session_id)
) WITHOUT ROWID;

-- A session's erase (forgetUser) takes its checkpoint and lease with it.
CREATE TRIGGER sessions_consolidation_delete AFTER DELETE ON sessions BEGIN
  DELETE FROM consolidation_checkpoints WHERE tenant_id = old.tenant_id AND session_id = old.id;
  DELETE FROM consolidation_leases WHERE tenant_id = old.tenant_id AND session_id = old.id;
END;
