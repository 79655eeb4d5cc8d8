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
  SwitchResult,
} from '../../spec/reembed-store.js';
import { blobToVector, vectorToBlob } from './rows.js';
import type { SqliteInternals } from './sqlite-internals.js';
import type { SqliteVectors } from './sqlite-vectors.js';

/** Memories without a vector in model ?1 (bound twice). */
const LACKING = `(m.embedding_model IS NULL OR m.embedding_model != ?)
  AND NOT EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.model = ? AND e.memory_rowid = m.rowid)`;

interface StateRow {
  active_model: string | null;
  active_spec: string | null;
  previous_model: string | null;
  previous_spec: string | null;
  switched_at: number | null;
}

/**
 * The SQLite side of blue/green re-embedding (migration 0004, src/spec/reembed-store.ts):
 * secondary vectors in `memory_embeddings`, the active model in the one `embedding_state` row,
 * job checkpoints in `reembed_checkpoints`. Cursors are memory rowids.
 */
export class SqliteReembed implements Omit<ReembedStoreV1, 'scanSecondaryEmbeddings'> {
  constructor(
    private readonly internals: () => SqliteInternals,
    private readonly vectors: () => SqliteVectors,
  ) {}

  async listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage> {
    const from = parseCursor(after);
    const rows = this.internals()
      .sql.get(
        `SELECT m.rowid, m.tenant_id, m.id, m.text, m.content_hash FROM memories m
          WHERE m.rowid > ? AND ${LACKING} ORDER BY m.rowid LIMIT ?`,
      )
      .all(from, model, model, limit) as Array<{ rowid: number; tenant_id: string; id: string; text: string; content_hash: string }>;
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ tenantId: row.tenant_id, id: row.id, text: row.text, contentHash: row.content_hash })),
      next: last === undefined ? after : String(last.rowid),
      done: rows.length < limit,
    };
  }

  async putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const internals = this.internals();
    const find = internals.sql.get('SELECT rowid, user_id, content_hash, embedding_model FROM memories WHERE tenant_id = ? AND id = ?');
    const insert = internals.sql.get('INSERT OR REPLACE INTO memory_embeddings (model, memory_rowid, vector) VALUES (?, ?, ?)');
    const { value: written, span } = internals.logged(() => {
      const done: Array<{ rowid: number; tenantId: string; userId: string; vector: Float32Array }> = [];
      for (const entry of entries) {
        const row = find.get(entry.tenantId, entry.id) as
          | { rowid: number; user_id: string; content_hash: string; embedding_model: string | null }
          | undefined;
        // Gone, rewritten since it was listed, or its main vector is already this model's.
        if (!row || row.content_hash !== entry.contentHash || row.embedding_model === model) continue;
        insert.run(model, row.rowid, vectorToBlob(entry.vector));
        done.push({ rowid: row.rowid, tenantId: entry.tenantId, userId: row.user_id, vector: entry.vector });
      }
      return done;
    });
    this.vectors().onSecondary(model, written);
    internals.advance(span);
    await this.vectors().settle();
    return written.length;
  }

  async sampleMemories(limit: number): Promise<ReembedSample[]> {
    const rows = this.internals()
      .sql.get('SELECT tenant_id, user_id, id, text FROM memories ORDER BY random() LIMIT ?')
      .all(limit) as Array<{ tenant_id: string; user_id: string; id: string; text: string }>;
    return rows.map((row) => ({ tenantId: row.tenant_id, userId: row.user_id, id: row.id, text: row.text }));
  }

  async getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    if (ids.length === 0) return [];
    const rows = this.internals()
      .sql.get(
        `SELECT m.id, e.model, e.vector FROM memories m JOIN memory_embeddings e ON e.memory_rowid = m.rowid
          WHERE m.tenant_id = ? AND m.id IN (SELECT value FROM json_each(?)) ORDER BY m.rowid, e.model`,
      )
      .all(tenantId, JSON.stringify(ids)) as Array<{ id: string; model: string; vector: Buffer }>;
    return rows.map((row) => ({ id: row.id, model: row.model, embedding: blobToVector(row.vector) }));
  }

  async countEmbeddings(model: string): Promise<EmbeddingCoverage> {
    const row = this.internals()
      .sql.raw(
        `SELECT (SELECT count(*) FROM memories),
                (SELECT count(*) FROM memories WHERE embedding_model = ?) + (SELECT count(*) FROM memory_embeddings WHERE model = ?)`,
      )
      .get(model, model) as [number, number];
    return { memories: row[0], embedded: row[1] };
  }

  async getEmbeddingState(): Promise<EmbeddingState> {
    return this.readState();
  }

  async switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult> {
    const { db, sql } = this.internals();
    return db
      .transaction((): SwitchResult => {
        const missing = (sql.raw(`SELECT count(*) FROM memories m WHERE ${LACKING}`).get(target.id, target.id) as [number])[0];
        const state = this.readState();
        if (missing > 0) return { switched: false, missing, state };
        const active = state.active ?? current;
        if (active?.id === target.id) {
          if (state.active === null) this.writeState({ active: target, previous: null, switchedAt: Date.now() });
          return { switched: true, missing: 0, state: this.readState() };
        }
        this.writeState({ active: target, previous: active, switchedAt: Date.now() });
        return { switched: true, missing: 0, state: this.readState() };
      })
      .immediate();
  }

  async dropEmbeddings(model: string): Promise<number> {
    const internals = this.internals();
    const state = this.readState();
    const active = state.active?.id;
    if (active === undefined || active === model) {
      throw new StrataError('INVALID_INPUT', `cannot drop the vectors of ${model}: it is the active model (or none was switched to)`, {
        details: { field: 'model', model },
      });
    }
    const { value: removed } = internals.logged(() => {
      const secondary = internals.sql.get('DELETE FROM memory_embeddings WHERE model = ?').run(model).changes;
      // Main-column vectors of the dropped model take the active model's vector (the rewrite
      // trigger then drops the memory's secondary rows, that one included).
      const main = internals.sql
        .get(
          `UPDATE memories SET
             embedding = (SELECT e.vector FROM memory_embeddings e WHERE e.model = ? AND e.memory_rowid = memories.rowid),
             embedding_model = ?
           WHERE embedding_model = ? AND EXISTS (SELECT 1 FROM memory_embeddings e WHERE e.model = ? AND e.memory_rowid = memories.rowid)`,
        )
        .run(active, active, model, active).changes;
      if (state.previous?.id === model) this.writeState({ ...state, previous: null });
      return secondary + main;
    });
    // No advance: the loaded graphs catch up from index_log on their next search.
    this.vectors().forget(model);
    return removed;
  }

  async getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null> {
    const row = this.internals()
      .sql.get('SELECT cursor, embedded, started_at, updated_at FROM reembed_checkpoints WHERE model = ?')
      .get(model) as { cursor: string | null; embedded: number; started_at: number; updated_at: number } | undefined;
    return row ? { cursor: row.cursor, embedded: row.embedded, startedAt: row.started_at, updatedAt: row.updated_at } : null;
  }

  async putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void> {
    const { sql } = this.internals();
    if (checkpoint === null) {
      sql.get('DELETE FROM reembed_checkpoints WHERE model = ?').run(model);
      return;
    }
    sql
      .get(
        `INSERT INTO reembed_checkpoints (model, cursor, embedded, started_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (model) DO UPDATE SET cursor = excluded.cursor, embedded = excluded.embedded,
           started_at = excluded.started_at, updated_at = excluded.updated_at`,
      )
      .run(model, checkpoint.cursor, checkpoint.embedded, checkpoint.startedAt, checkpoint.updatedAt);
  }

  private readState(): EmbeddingState {
    const row = this.internals()
      .sql.get('SELECT active_model, active_spec, previous_model, previous_spec, switched_at FROM embedding_state WHERE id = 1')
      .get() as StateRow | undefined;
    return {
      active: setting(row?.active_model, row?.active_spec),
      previous: setting(row?.previous_model, row?.previous_spec),
      switchedAt: row?.switched_at ?? null,
    };
  }

  private writeState(state: EmbeddingState): void {
    this.internals()
      .sql.get(
        `INSERT INTO embedding_state (id, active_model, active_spec, previous_model, previous_spec, switched_at) VALUES (1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET active_model = excluded.active_model, active_spec = excluded.active_spec,
           previous_model = excluded.previous_model, previous_spec = excluded.previous_spec, switched_at = excluded.switched_at`,
      )
      .run(
        state.active?.id ?? null,
        state.active?.spec ?? null,
        state.previous?.id ?? null,
        state.previous?.spec ?? null,
        state.switchedAt,
      );
  }
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
