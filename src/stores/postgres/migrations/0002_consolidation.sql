-- 0002_consolidation: checkpoints and leases of the consolidation job (ConsolidationStoreV1, pg-consolidation.ts).
--
-- consolidation_checkpoints: per session, the seq up to which its turns were consolidated, the
-- deterministic id of the run that got there and the session's current summary memory. Written in
-- the same transaction as the run's memories, so a crash leaves either both or neither.
--
-- consolidation_leases: which worker is consolidating a session, until when. A worker locks the
-- lease row with SELECT ... FOR UPDATE SKIP LOCKED and takes it when it is expired; `token`
-- changes on each acquisition so that a worker whose lease expired and was taken cannot commit.
--
-- Both reference their session ON DELETE CASCADE: a user's erase (forgetUser) takes them along.

CREATE TABLE consolidation_checkpoints (
  tenant_id         text    NOT NULL,
  session_id        text    NOT NULL,
  up_to_seq         integer NOT NULL,
  run_id            text    NOT NULL,
  summary_memory_id text,
  updated_at        bigint  NOT NULL,
  PRIMARY KEY (tenant_id, session_id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE consolidation_leases (
  tenant_id  text   NOT NULL,
  session_id text   NOT NULL,
  worker     text   NOT NULL,
  token      text   NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (tenant_id, session_id),
  FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);

-- Retention looks messages up by age (pg-retention.ts).
CREATE INDEX messages_by_time ON messages (tenant_id, created_at);
