-- 0001_init: sessions, messages, memories (+ tsvector keyword index), facts, rules, embedding cache.
-- Applied by pg-migrate.ts in one transaction under pg_advisory_xact_lock, in the store's schema
-- (the search path). Absent scope parts (agent_id, namespace) are stored as '' so that equality
-- filters stay simple; times are epoch milliseconds (bigint).

CREATE TABLE sessions (
  tenant_id            text    NOT NULL,
  id                   text    NOT NULL,
  user_id              text    NOT NULL,
  agent_id             text    NOT NULL DEFAULT '',
  namespace            text    NOT NULL DEFAULT '',
  metadata             jsonb   NOT NULL DEFAULT '{}',
  created_at           bigint  NOT NULL,
  updated_at           bigint  NOT NULL,
  summary              text,
  summarized_up_to_seq integer NOT NULL DEFAULT 0,
  last_seq             integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id, created_at, id);
CREATE INDEX sessions_by_time ON sessions (tenant_id, created_at, id);

CREATE TABLE messages (
  tenant_id     text    NOT NULL,
  id            text    NOT NULL,
  session_id    text    NOT NULL,
  seq           integer NOT NULL,
  role          text    NOT NULL,
  name          text,
  content       text    NOT NULL,
  metadata      jsonb   NOT NULL DEFAULT '{}',
  created_at    bigint  NOT NULL,
  client_msg_id text,
  token_count   integer NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, session_id, seq),
  -- NULLs are distinct: messages without a clientMsgId never collide.
  UNIQUE (tenant_id, session_id, client_msg_id)
);

CREATE TABLE memories (
  row_id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              text    NOT NULL,
  tenant_id       text    NOT NULL,
  user_id         text    NOT NULL,
  agent_id        text    NOT NULL DEFAULT '',
  namespace       text    NOT NULL DEFAULT '',
  session_id      text,
  kind            text    NOT NULL,
  text            text    NOT NULL,
  context         text,
  tags            jsonb   NOT NULL DEFAULT '[]',
  importance      double precision NOT NULL DEFAULT 0.5,
  source          jsonb   NOT NULL DEFAULT '[]',
  content_hash    text    NOT NULL,
  metadata        jsonb   NOT NULL DEFAULT '{}',
  -- The vector as little-endian float32 bytes: the truth, read by getEmbeddings and by exact
  -- scoring when pgvector is missing. With pgvector, embedding_vec (added at open) mirrors it.
  embedding       bytea,
  embedding_model text,
  created_at      bigint  NOT NULL,
  updated_at      bigint  NOT NULL,
  valid_from      bigint  NOT NULL,
  valid_to        bigint,
  superseded_by   text,
  -- Keyword index: the text at weight A (1.0), the neighbourhood context at weight C (0.2).
  tsv             tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', text), 'A') ||
                    setweight(to_tsvector('english', coalesce(context, '')), 'C')) STORED,
  UNIQUE (tenant_id, id)
);
CREATE INDEX memories_by_scope ON memories (tenant_id, user_id, created_at);
CREATE INDEX memories_by_session ON memories (tenant_id, session_id);
CREATE INDEX memories_by_hash ON memories (tenant_id, user_id, content_hash);
CREATE INDEX memories_by_model ON memories (embedding_model) WHERE embedding_model IS NOT NULL;
CREATE INDEX memories_tsv ON memories USING gin (tsv);

CREATE TABLE facts (
  tenant_id   text   NOT NULL,
  id          text   NOT NULL,
  user_id     text   NOT NULL,
  agent_id    text   NOT NULL DEFAULT '',
  namespace   text   NOT NULL DEFAULT '',
  subject     text   NOT NULL,
  key         text   NOT NULL,
  value       jsonb  NOT NULL,
  valid_from  bigint NOT NULL,
  valid_to    bigint,
  recorded_at bigint NOT NULL,
  source      text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX facts_by_key ON facts (tenant_id, user_id, agent_id, namespace, subject, key, valid_from);

CREATE TABLE fact_rules (
  tenant_id text  NOT NULL,
  user_id   text  NOT NULL,
  agent_id  text  NOT NULL DEFAULT '',
  namespace text  NOT NULL DEFAULT '',
  subject   text  NOT NULL,
  key       text  NOT NULL,
  rule      jsonb NOT NULL,
  PRIMARY KEY (tenant_id, user_id, agent_id, namespace, subject, key)
);

CREATE TABLE embedding_cache (
  model        text   NOT NULL,
  content_hash text   NOT NULL,
  vector       bytea  NOT NULL,
  created_at   bigint NOT NULL,
  PRIMARY KEY (model, content_hash)
);
