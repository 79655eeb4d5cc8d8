import { StrataError } from '../../errors/strata-error.js';
import type {
  EmbeddingCoverage,
  EmbeddingModelSetting,
  EmbeddingState,
  ReembedCheckpoint,
  ReembedEntry,
  ReembedPage,
  ReembedSample,
  ReembedStoreV1,
  SecondaryEmbedding,
  SecondaryEmbeddingPage,
  SwitchResult,
} from '../../spec/reembed-store.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { bytesVector, PG_MEMORY_COLUMNS, type PgMemoryRow, pgMemory, vectorBytes, vectorLiteral } from './pg-rows.js';
import type { PgVectors } from './pg-vectors.js';

/** Memories without a vector in model $1. */
const LACKING = `(m.embedding_model IS NULL OR m.embedding_model <> $1)
  AND NOT EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.model = $1 AND e.memory_row_id = m.row_id)`;

interface StateRow {
  active_model: string | null;
  active_spec: string | null;
  previous_model: string | null;
  previous_spec: string | null;
  switched_at: string | number | null;
}

/**
 * The PostgreSQL side of blue/green re-embedding (migration 0003, src/spec/reembed-store.ts):
 * secondary vectors in `memory_embeddings` (and its `vec` column with pgvector), the active model
 * in the one `embedding_state` row, whose switch takes the row's lock and counts what is missing
 * in the same transaction. Cursors are memories.row_id.
 */
export class PgReembed implements ReembedStoreV1 {
  constructor(
    private readonly driver: PgDriver,
    private readonly vectors: () => PgVectors,
  ) {}

  async listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage> {
    const { rows } = await this.driver.query<{
      row_id: string | number;
      tenant_id: string;
      id: string;
      text: string;
      content_hash: string;
    }>(
      `SELECT m.row_id, m.tenant_id, m.id, m.text, m.content_hash FROM memories m
        WHERE m.row_id > $2 AND ${LACKING} ORDER BY m.row_id LIMIT $3`,
      [model, String(parseCursor(after)), limit],
    );
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ tenantId: row.tenant_id, id: row.id, text: row.text, contentHash: row.content_hash })),
      next: last === undefined ? after : String(last.row_id),
      done: rows.length < limit,
    };
  }

  async putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const vectors = this.vectors();
    const first = entries[0] as ReembedEntry;
    await vectors.prepareSecondary(model, first.vector.length);
    const pgvector = vectors.mode === 'pgvector';
    // One statement: memories gone, rewritten (hash changed) or already of this model are skipped by the join.
    const { rowCount } = await this.driver.query(
      `INSERT INTO memory_embeddings (model, memory_row_id, vector${pgvector ? ', vec' : ''})
       SELECT $1, m.row_id, decode(v.hex, 'hex')${pgvector ? ', v.lit::vector' : ''}
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS v(tenant_id, id, hash, hex, lit)
         JOIN memories m ON m.tenant_id = v.tenant_id AND m.id = v.id AND m.content_hash = v.hash
        WHERE m.embedding_model IS DISTINCT FROM $1
       ON CONFLICT (model, memory_row_id) DO UPDATE SET vector = excluded.vector${pgvector ? ', vec = excluded.vec' : ''}`,
      [
        model,
        entries.map((entry) => entry.tenantId),
        entries.map((entry) => entry.id),
        entries.map((entry) => entry.contentHash),
        entries.map((entry) => vectorBytes(entry.vector).toString('hex')),
        entries.map((entry) => (pgvector ? vectorLiteral(entry.vector) : '')),
      ],
    );
    return rowCount;
  }

  async sampleMemories(limit: number): Promise<ReembedSample[]> {
    const { rows } = await this.driver.query<{ tenant_id: string; user_id: string; id: string; text: string }>(
      'SELECT tenant_id, user_id, id, text FROM memories ORDER BY random() LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({ tenantId: row.tenant_id, userId: row.user_id, id: row.id, text: row.text }));
  }

  async getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.driver.query<{ id: string; model: string; vector: Uint8Array }>(
      `SELECT m.id, e.model, e.vector FROM memories m JOIN memory_embeddings e ON e.memory_row_id = m.row_id
        WHERE m.tenant_id = $1 AND m.id = ANY($2::text[]) ORDER BY m.row_id, e.model`,
      [tenantId, [...ids]],
    );
    return rows.map((row) => ({ id: row.id, model: row.model, embedding: bytesVector(row.vector) }));
  }

  async countEmbeddings(model: string): Promise<EmbeddingCoverage> {
    const { rows } = await this.driver.query<{ memories: string | number; embedded: string | number }>(
      `SELECT (SELECT count(*) FROM memories) AS memories,
              (SELECT count(*) FROM memories WHERE embedding_model = $1) + (SELECT count(*) FROM memory_embeddings WHERE model = $1) AS embedded`,
      [model],
    );
    return { memories: Number(rows[0]?.memories ?? 0), embedded: Number(rows[0]?.embedded ?? 0) };
  }

  getEmbeddingState(): Promise<EmbeddingState> {
    return readState(this.driver);
  }

  switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult> {
    return this.driver.transaction(async (tx): Promise<SwitchResult> => {
      // SHARE: memory writes in flight finish first and new ones wait for this commit, so the
      // count below is the truth at the switch. The row's lock orders concurrent switches.
      await tx.query('LOCK TABLE memories IN SHARE MODE', []);
      await tx.query('INSERT INTO embedding_state (id) VALUES (1) ON CONFLICT (id) DO NOTHING', []);
      await tx.query('SELECT 1 FROM embedding_state WHERE id = 1 FOR UPDATE', []);
      const { rows } = await tx.query<{ n: string | number }>(`SELECT count(*) AS n FROM memories m WHERE ${LACKING}`, [target.id]);
      const missing = Number(rows[0]?.n ?? 0);
      const state = await readState(tx);
      if (missing > 0) return { switched: false, missing, state };
      const active = state.active ?? current;
      const next: EmbeddingState =
        active?.id === target.id
          ? { active: target, previous: state.previous, switchedAt: state.switchedAt ?? Date.now() }
          : { active: target, previous: active, switchedAt: Date.now() };
      await writeState(tx, next);
      return { switched: true, missing: 0, state: await readState(tx) };
    });
  }

  async dropEmbeddings(model: string): Promise<number> {
    const state = await readState(this.driver);
    const active = state.active?.id;
    if (active === undefined || active === model) {
      throw new StrataError('INVALID_INPUT', `cannot drop the vectors of ${model}: it is the active model (or none was switched to)`, {
        details: { field: 'model', model },
      });
    }
    const pgvector = this.vectors().mode === 'pgvector';
    return this.driver.transaction(async (tx) => {
      const secondary = (await tx.query('DELETE FROM memory_embeddings WHERE model = $1', [model])).rowCount;
      // Main-column vectors of the dropped model take the active model's (the rewrite trigger then
      // drops the memory's secondary rows, that one included).
      const main = (
        await tx.query(
          `UPDATE memories m SET embedding = e.vector, embedding_model = $2${pgvector ? ', embedding_vec = e.vec' : ''}
             FROM memory_embeddings e WHERE e.memory_row_id = m.row_id AND e.model = $2 AND m.embedding_model = $1`,
          [model, active],
        )
      ).rowCount;
      if (state.previous?.id === model) await writeState(tx, { ...state, previous: null });
      return secondary + main;
    });
  }

  /** Cursor: `<row_id>:<model>` of the last item, in (model, row_id) order. */
  async scanSecondaryEmbeddings(after: string | null, limit: number): Promise<SecondaryEmbeddingPage> {
    const colon = after === null ? -1 : after.indexOf(':');
    const rowId = after === null ? 0 : Number(after.slice(0, colon));
    if (after !== null && (colon < 0 || !Number.isSafeInteger(rowId))) {
      throw new StrataError('INVALID_INPUT', `scan cursor ${after} is not one this store returned`, { details: { field: 'after' } });
    }
    const { rows } = await this.driver.query<PgMemoryRow & { secondary_model: string; vector: Uint8Array }>(
      `SELECT e.model AS secondary_model, e.vector, ${PG_MEMORY_COLUMNS} FROM memory_embeddings e JOIN memories m ON m.row_id = e.memory_row_id
        WHERE (e.model, e.memory_row_id) > ($1, $2) ORDER BY e.model, e.memory_row_id LIMIT $3`,
      [after === null ? '' : after.slice(colon + 1), String(rowId), limit],
    );
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ model: row.secondary_model, memory: pgMemory(row), embedding: bytesVector(row.vector) })),
      next: rows.length < limit || last === undefined ? null : `${last.row_id}:${last.secondary_model}`,
    };
  }

  async getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null> {
    const { rows } = await this.driver.query<{
      cursor: string | null;
      embedded: string | number;
      started_at: string | number;
      updated_at: string | number;
    }>('SELECT cursor, embedded, started_at, updated_at FROM reembed_checkpoints WHERE model = $1', [model]);
    const row = rows[0];
    return row
      ? { cursor: row.cursor, embedded: Number(row.embedded), startedAt: Number(row.started_at), updatedAt: Number(row.updated_at) }
      : null;
  }

  async putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void> {
    if (checkpoint === null) {
      await this.driver.query('DELETE FROM reembed_checkpoints WHERE model = $1', [model]);
      return;
    }
    await this.driver.query(
      `INSERT INTO reembed_checkpoints (model, cursor, embedded, started_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model) DO UPDATE SET cursor = excluded.cursor, embedded = excluded.embedded,
         started_at = excluded.started_at, updated_at = excluded.updated_at`,
      [model, checkpoint.cursor, checkpoint.embedded, checkpoint.startedAt, checkpoint.updatedAt],
    );
  }
}

async function readState(on: PgQueryable): Promise<EmbeddingState> {
  const { rows } = await on.query<StateRow>(
    'SELECT active_model, active_spec, previous_model, previous_spec, switched_at FROM embedding_state WHERE id = 1',
    [],
  );
  const row = rows[0];
  return {
    active: setting(row?.active_model, row?.active_spec),
    previous: setting(row?.previous_model, row?.previous_spec),
    switchedAt: row?.switched_at === null || row?.switched_at === undefined ? null : Number(row.switched_at),
  };
}

async function writeState(on: PgQueryable, state: EmbeddingState): Promise<void> {
  await on.query(
    `INSERT INTO embedding_state (id, active_model, active_spec, previous_model, previous_spec, switched_at) VALUES (1, $1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET active_model = excluded.active_model, active_spec = excluded.active_spec,
       previous_model = excluded.previous_model, previous_spec = excluded.previous_spec, switched_at = excluded.switched_at`,
    [state.active?.id ?? null, state.active?.spec ?? null, state.previous?.id ?? null, state.previous?.spec ?? null, state.switchedAt],
  );
}

function setting(id: string | null | undefined, spec: string | null | undefined): EmbeddingModelSetting | null {
  return id ? { id, spec: spec ?? '' } : null;
}

function parseCursor(after: string | null): number {
  const from = after === null ? 0 : Number(after);
  if (!Number.isSafeInteger(from) || from < 0) {
    throw new StrataError('INVALID_INPUT', `re-embed cursor ${after} is not one this store returned`, { details: { field: 'after' } });
  }
  return from;
}
