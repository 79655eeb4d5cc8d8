-- 0007_record_log: every change to a memory row is in index_log, not only its indexed parts.
--
-- A store keeps records, and the filter columns of small scopes' vectors, in process. Until now
-- another connection's commit (PRAGMA data_version moved) emptied those caches whole: with two
-- server processes on one file and writes on both, they were empty at nearly every read. Now a
-- store drops only what the log names as changed since it last looked; so an update of the
-- columns no in-process index reads (validity, importance, tags, metadata, kind, ...) is logged
-- too, with `indexes` 0: the keyword and vector indexes skip such entries. An update that an
-- earlier trigger logs already (text, context, vector, scope) is not logged twice, and an update
-- of the stored content words alone (0006's backfill, its clearing) is not a change of the
-- memory: logging 100k of them would only make every other process drop its caches.

CREATE TRIGGER memories_log_record
  AFTER UPDATE OF agent_id, namespace, session_id, kind, tags, importance, source, content_hash, metadata, created_at,
    updated_at, valid_from, valid_to, superseded_by ON memories
  WHEN old.text IS new.text AND old.context IS new.context AND old.embedding IS new.embedding
    AND old.embedding_model IS new.embedding_model AND old.tenant_id IS new.tenant_id AND old.user_id IS new.user_id
BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 0);
END;
