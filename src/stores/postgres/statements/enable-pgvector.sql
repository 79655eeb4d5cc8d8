-- enable-pgvector: run at open when the `vector` extension is installed (not a numbered
-- migration: a server may gain pgvector later). No parameters. The column has no fixed
-- dimensions: vectors of every model live in it, and each model gets its own partial HNSW
-- index over `embedding_vec::vector(dims)` (pg-vectors.ts), so models never mix.
ALTER TABLE memories ADD COLUMN IF NOT EXISTS embedding_vec vector;
ALTER TABLE memory_embeddings ADD COLUMN IF NOT EXISTS vec vector;
