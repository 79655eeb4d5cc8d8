-- 0002_in_process_indexes: keyword and vector search run on in-process indexes (an in-memory
-- BM25 index with FTS5's scoring, HNSW graphs) kept beside the file; this log tells them what
-- changed.
--
-- index_log: the memories whose indexed parts changed, in commit order. Each in-process index
-- remembers the last seq it reflects and catches up from here when another process wrote to
-- the file; a persisted index records its seq the same way. `indexes` says which index an
-- entry concerns: 1 vectors, 2 keywords. It replaces the bare version counter of 0001, which
-- told that something changed but not what.
--
-- memories_fts goes: the in-memory keyword index answers every keyword search (same BM25
-- scores, without visiting every matching row), so maintaining FTS5 on each write was pure
-- cost (about a fifth of the ingest time).

CREATE TABLE index_log (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  memory_rowid INTEGER NOT NULL,
  indexes      INTEGER NOT NULL
);

CREATE TRIGGER memories_log_insert AFTER INSERT ON memories BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 3);
END;
CREATE TRIGGER memories_log_delete AFTER DELETE ON memories BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (old.rowid, 3);
END;
CREATE TRIGGER memories_log_vector AFTER UPDATE OF embedding, embedding_model ON memories BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 1);
END;
CREATE TRIGGER memories_log_keyword AFTER UPDATE OF text, context ON memories BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 2);
END;
CREATE TRIGGER memories_log_scope AFTER UPDATE OF tenant_id, user_id ON memories BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 3);
END;

DROP TRIGGER memories_vec_insert;
DROP TRIGGER memories_vec_delete;
DROP TRIGGER memories_vec_update;
DROP TABLE index_state;

DROP TRIGGER memories_fts_insert;
DROP TRIGGER memories_fts_delete;
DROP TRIGGER memories_fts_update;
DROP TABLE memories_fts;
