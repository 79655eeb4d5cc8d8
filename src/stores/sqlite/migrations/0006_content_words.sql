-- 0006_content_words: each memory's content words, stored beside its text.
--
-- The soft match of a search (src/retrieval/soft-match.ts) needs the vocabulary rows of every
-- candidate's words; scanning a hundred-odd candidate texts for them was about a fifth of a
-- search's CPU at 100k memories. They are computed once, when the text is written
-- (SoftMatcher.encode), for the text and for the context. NULL: not stored (a memory written
-- before this migration, or whose words another encoding wrote); the search scans its text,
-- and a store encodes such memories in the background after it opens (content-words-backfill.ts).
-- content_words_state names the encoding the stored words are in (vocabulary, stop words, byte
-- order): a store opening the file with another clears them. `complete`: no memory is left
-- without words, so that an open does not look again.

ALTER TABLE memories ADD COLUMN text_words BLOB;
ALTER TABLE memories ADD COLUMN context_words BLOB;
CREATE TABLE content_words_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  complete    INTEGER NOT NULL DEFAULT 0
);
