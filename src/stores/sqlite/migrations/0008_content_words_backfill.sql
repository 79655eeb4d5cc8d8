-- 0008_content_words_backfill: memories stored without content words get them in the background.
--
-- Memories written before 0006, and every memory after a change of encoding (0006 clears their
-- words), were scanned by every search that met them, for good. A store now encodes them in
-- small batches after it opens (content-words-backfill.ts); `complete` says none is left, so
-- that an open does not look again.
--
-- 0007's record trigger is recreated on the columns it is for: an update of the stored words
-- alone (the backfill, the clearing) is not a change of the memory, and logging 100k of them
-- would only make every other process drop its caches.

ALTER TABLE content_words_state ADD COLUMN complete INTEGER NOT NULL DEFAULT 0;

DROP TRIGGER memories_log_record;
CREATE TRIGGER memories_log_record
  AFTER UPDATE OF agent_id, namespace, session_id, kind, tags, importance, source, content_hash, metadata, created_at,
    updated_at, valid_from, valid_to, superseded_by ON memories
  WHEN old.text IS new.text AND old.context IS new.context AND old.embedding IS new.embedding
    AND old.embedding_model IS new.embedding_model AND old.tenant_id IS new.tenant_id AND old.user_id IS new.user_id
BEGIN
  INSERT INTO index_log (memory_rowid, indexes) VALUES (new.rowid, 0);
END;
