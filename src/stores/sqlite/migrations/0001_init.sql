-- 0001_init: sessions, messages, memories (+ FTS5 keyword index), facts, rules, embedding cache.
-- Absent scope parts (agent_id, namespace) are stored as '' so that equality filters stay simple.

CREATE TABLE sessions (
  tenant_id            TEXT    NOT NULL,
  id                   TEXT    NOT NULL,
  user_id              TEXT    NOT NULL,
  agent_id             TEXT    NOT NULL DEFAULT '',
  namespace            TEXT    NOT NULL DEFAULT '',
  metadata             TEXT    NOT NULL DEFAULT '{}',
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL,
  summary              TEXT,
  summarized_up_to_seq INTEGER NOT NULL DEFAULT 0,
  last_seq             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id, created_at);

CREATE TABLE messages (
  tenant_id     TEXT    NOT NULL,
  id            TEXT    NOT NULL,
  session_id    TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  role          TEXT    NOT NULL,
  name          TEXT,
  content       TEXT    NOT NULL,
  metadata      TEXT    NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  client_msg_id TEXT,
  token_count   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_by_seq ON messages (tenant_id, session_id, seq);
CREATE UNIQUE INDEX messages_by_client_id ON messages (tenant_id, session_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;

CREATE TABLE memories (
  rowid           INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL,
  tenant_id       TEXT    NOT NULL,
  user_id         TEXT    NOT NULL,
  agent_id        TEXT    NOT NULL DEFAULT '',
  namespace       TEXT    NOT NULL DEFAULT '',
  session_id      TEXT,
  kind            TEXT    NOT NULL,
  text            TEXT    NOT NULL,
  context         TEXT,
  tags            TEXT    NOT NULL DEFAULT '[]',
  importance      REAL    NOT NULL DEFAULT 0.5,
  source          TEXT    NOT NULL DEFAULT '[]',
  content_hash    TEXT    NOT NULL,
  metadata        TEXT    NOT NULL DEFAULT '{}',
  embedding       BLOB,
  embedding_model TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  valid_from      INTEGER NOT NULL,
  valid_to        INTEGER,
  superseded_by   TEXT
);
CREATE UNIQUE INDEX memories_by_id ON memories (tenant_id, id);
CREATE INDEX memories_by_scope ON memories (tenant_id, user_id, created_at);
CREATE INDEX memories_by_session ON memories (tenant_id, session_id);
CREATE INDEX memories_by_hash ON memories (tenant_id, user_id, content_hash);

-- Keyword index: BM25 over text and neighbourhood context, Porter stemming.
CREATE VIRTUAL TABLE memories_fts USING fts5 (
  text, context,
  content = 'memories', content_rowid = 'rowid',
  tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts (rowid, text, context) VALUES (new.rowid, new.text, coalesce(new.context, ''));
END;
CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, context)
    VALUES ('delete', old.rowid, old.text, coalesce(old.context, ''));
END;
CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, context ON memories BEGIN
  INSERT INTO memories_fts (memories_fts, rowid, text, context)
    VALUES ('delete', old.rowid, old.text, coalesce(old.context, ''));
  INSERT INTO memories_fts (rowid, text, context) VALUES (new.rowid, new.text, coalesce(new.context, ''));
END;

-- Every change to stored vectors bumps this counter; a persisted ANN index records the
-- counter it was saved at and is rebuilt when the two differ.
CREATE TABLE index_state (
  name    TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO index_state (name, version) VALUES ('vectors', 0);
CREATE TRIGGER memories_vec_insert AFTER INSERT ON memories WHEN new.embedding IS NOT NULL BEGIN
  UPDATE index_state SET version = version + 1 WHERE name = 'vectors';
END;
CREATE TRIGGER memories_vec_delete AFTER DELETE ON memories WHEN old.embedding IS NOT NULL BEGIN
  UPDATE index_state SET version = version + 1 WHERE name = 'vectors';
END;
CREATE TRIGGER memories_vec_update AFTER UPDATE OF embedding, embedding_model ON memories BEGIN
  UPDATE index_state SET version = version + 1 WHERE name = 'vectors';
END;

CREATE TABLE facts (
  tenant_id   TEXT    NOT NULL,
  id          TEXT    NOT NULL,
  user_id     TEXT    NOT NULL,
  agent_id    TEXT    NOT NULL DEFAULT '',
  namespace   TEXT    NOT NULL DEFAULT '',
  subject     TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  value       TEXT    NOT NULL,
  valid_from  INTEGER NOT NULL,
  valid_to    INTEGER,
  recorded_at INTEGER NOT NULL,
  source      TEXT,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX facts_by_key ON facts (tenant_id, user_id, agent_id, namespace, subject, key, valid_from);

CREATE TABLE fact_rules (
  tenant_id TEXT NOT NULL,
  user_id   TEXT NOT NULL,
  agent_id  TEXT NOT NULL DEFAULT '',
  namespace TEXT NOT NULL DEFAULT '',
  subject   TEXT NOT NULL,
  key       TEXT NOT NULL,
  rule      TEXT NOT NULL,
  PRIMARY KEY (tenant_id, user_id, agent_id, namespace, subject, key)
) WITHOUT ROWID;

CREATE TABLE embedding_cache (
  model        TEXT    NOT NULL,
  content_hash TEXT    NOT NULL,
  vector       BLOB    NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (model, content_hash)
) WITHOUT ROWID;
