-- 0004_reembed: blue/green re-embedding (src/spec/reembed-store.ts).
--
-- memory_embeddings: a memory's vectors in models other than its main column's, written by a
-- re-embed job. A memory's vector in model M is memories.embedding when embedding_model = M,
-- else its row here (never both: putEmbeddings skips memories whose main model is M).
-- Keyed by the memory's rowid, like index_log and the HNSW labels.
-- Deleting a memory deletes its rows; rewriting its main vector deletes them too (they were
-- computed from the old text; the next pass embeds it again). Changes go to index_log so that
-- every process's HNSW graph of that model catches up.
--
-- embedding_state: one row, the active model (search and new writes) and the previous one
-- (kept for a rollback); a switch is one UPDATE of this row.
-- reembed_checkpoints: a job's cursor per target model, for resuming.

CREATE TABLE memory_embeddings (
  model        TEXT    NOT NULL,
  memory_rowid INTEGER NOT NULL,
  vector       BLOB    NOT NULL,
  PRIMARY KEY (model, memory_rowid)
) WITHOUT ROWID;
CREATE INDEX memory_embeddings_by_memory ON memory_embeddings (memory_rowid);

CREATE TRIGGER memory_embeddings_memory_delete AFTER DELETE ON memories BEGIN
  DELETE FROM memory_embeddings WHERE memory_rowid = old.rowid;
END;
CREATE TRIGGER memory_embeddings_memory_rewrite AFTER UPDATE OF embedding ON memories BEGIN
  DELETE FROM memory_embeddings WHERE memory_rowid = new.rowid;
END;
CREATE TRIGGER memory_embeddings_log_insert AFTER INSERT ON memory_embeddings BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.memory_rowid, 1);
END;
CREATE TRIGGER memory_embeddings_log_update AFTER UPDATE ON memory_embeddings BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.memory_rowid, 1);
END;
CREATE TRIGGER memory_embeddings_log_delete AFTER DELETE ON memory_embeddings BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (old.memory_rowid, 1);
END;

CREATE TABLE embedding_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  active_model   TEXT,
  active_spec    TEXT,
  previous_model TEXT,
  previous_spec  TEXT,
  switched_at    INTEGER
);

CREATE TABLE reembed_checkpoints (
  model      TEXT    PRIMARY KEY,
  cursor     TEXT,
  embedded   INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
