-- 0008_message_deletes: a count of deleted messages, so that another connection's commit need
-- not empty every session tail a store keeps in process.
--
-- Messages are appended, never updated; they go only by deletion (retention, an erase, a
-- session's end). A store that sees another connection's commit (PRAGMA data_version moved)
-- compares this count with the one it saw last: unchanged, a cached tail stays good as long
-- as its newest message is still the session's newest (one lookup, where reading the tail
-- again was a hundred-odd microseconds, at every write and context read); changed, every
-- tail goes, as before. Restored messages belong to sessions restored with them (a restore
-- into an existing session fails), so no cached tail can miss one.

CREATE TABLE message_deletes (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO message_deletes (id, n) VALUES (1, 0);

CREATE TRIGGER messages_delete_count AFTER DELETE ON messages BEGIN
  UPDATE message_deletes SET n = n + 1 WHERE id = 1;
END;
