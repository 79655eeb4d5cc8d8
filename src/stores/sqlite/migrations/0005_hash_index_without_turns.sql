-- 0005_hash_index_without_turns: memories_by_hash leaves out turn memories.
--
-- A content hash is random, so every memory inserted into memories_by_hash dirties a leaf page
-- of its own: at 100k memories that was about a third of the pages each addMessages commit
-- wrote to the WAL, one per turn. Turns are written by addMessages (which never looks them up
-- by hash); the lookups by hash are the dedupe of remember and of consolidation's notes, whose
-- queries name their kinds and add `kind <> 'turn'` so that SQLite may use this partial index.
-- A lookup by hash among turns (remember with kind 'turn') reads the user's memories through
-- memories_by_scope instead.

DROP INDEX memories_by_hash;
CREATE INDEX memories_by_hash ON memories (tenant_id, user_id, content_hash) WHERE kind <> 'turn';
