-- 0003_reembed: blue/green re-embedding (src/spec/reembed-store.ts, pg-reembed.ts).
--
-- memory_embeddings: a memory's vectors in models other than its main column's, written by a
-- re-embed job; a memory's vector in model M is memories.embedding when embedding_model = M,
-- else its row here (never both). Deleting a memory deletes its rows (ON DELETE CASCADE);
-- rewriting its main vector deletes them too (computed from the old text; the next pass embeds
-- it again). With pgvector, `vec` (added at open, statements/enable-pgvector.sql) mirrors
-- `vector` and each model gets a partial HNSW index, as on memories.
--
-- embedding_state: one row, the active model and the previous one; a switch is one UPDATE.
-- reembed_checkpoints: a job's cursor (memories.row_id) per target model.

CREATE TABLE memory_embeddings (
  model         text   NOT NULL,
  memory_row_id bigint NOT NULL REFERENCES memories (row_id) ON DELETE CASCADE,
  vector        bytea  NOT NULL,
  PRIMARY KEY (model, memory_row_id)
);
CREATE INDEX memory_embeddings_by_memory ON memory_embeddings (memory_row_id);

-- Schema-qualified through TG_TABLE_SCHEMA: the function runs with the caller's search_path.
CREATE FUNCTION memory_embeddings_drop_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM %I.memory_embeddings WHERE memory_row_id = $1', TG_TABLE_SCHEMA) USING NEW.row_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER memories_rewrite_drops_secondary AFTER UPDATE OF embedding ON memories
  FOR EACH ROW WHEN (OLD.embedding IS DISTINCT FROM NEW.embedding) EXECUTE FUNCTION memory_embeddings_drop_stale();

CREATE TABLE embedding_state (
  id             integer PRIMARY KEY CHECK (id = 1),
  active_model   text,
  active_spec    text,
  previous_model text,
  previous_spec  text,
  switched_at    bigint
);

CREATE TABLE reembed_checkpoints (
  model      text   PRIMARY KEY,
  cursor     text,
  embedded   bigint NOT NULL,
  started_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
