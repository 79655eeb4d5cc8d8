import { createHash } from 'node:crypto';
import type { MemoryFilter, NewMemory, ScoredId } from '../../spec/memory-store.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { PgParams, pgMemoryFilter } from './pg-filter.js';
import { statement } from './pg-migrate.js';
import { bytesVector, vectorLiteral } from './pg-rows.js';

/** How vectors are searched: pgvector (HNSW per model) or exact cosine in-process over bytea. */
export type VectorMode = 'pgvector' | 'exact';

/** Rows read per chunk when a rebuild copies bytea vectors into embedding_vec. */
const BACKFILL_CHUNK = 500;

/**
 * Vector search. Every memory keeps its vector as float32 bytes (`embedding`) with its model
 * (`embedding_model`). With pgvector the same vector is mirrored in `embedding_vec` (type
 * `vector`, no fixed dims), and each model gets a partial HNSW index over
 * `embedding_vec::vector(dims)` WHERE embedding_model = that model, created on first use: a
 * query names the model, so it can only meet vectors of that model, and models of different
 * dims share one column. Without pgvector the filtered scope is scored exactly in-process.
 *
 * A model's vectors also live in `memory_embeddings` (migration 0003: secondary vectors a
 * re-embed job writes; `vec` and a partial HNSW index per model there too): every search reads
 * both and merges them.
 */
export class PgVectors {
  private readonly indexed = new Set<string>();

  constructor(
    private readonly driver: PgDriver,
    readonly mode: VectorMode,
  ) {}

  /** Detects pgvector at open: installed, or installable (CREATE EXTENSION) by this role. */
  static async detect(driver: PgDriver): Promise<{ mode: VectorMode; reason: string }> {
    const installed = async (): Promise<boolean> =>
      (await driver.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS ok`)).rows[0]?.ok ===
      true;
    if (await installed()) return { mode: 'pgvector', reason: 'pgvector installed' };
    const available = await driver.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`, []);
    if (available.rows.length === 0) {
      return { mode: 'exact', reason: 'the vector extension is not available on this server: vector search scores the scope exactly' };
    }
    try {
      await driver.query('CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public', []);
    } catch (cause) {
      // Another process may have created it meanwhile; otherwise the role lacks the right.
      if (!(await installed())) {
        const message = cause instanceof Error ? cause.message : String(cause);
        return { mode: 'exact', reason: `cannot create the vector extension (${message}): vector search scores the scope exactly` };
      }
    }
    return { mode: 'pgvector', reason: 'pgvector created' };
  }

  /**
   * Adds the vector column (pgvector only) and fills it for vectors stored before the extension
   * existed; called at open, after the migrations.
   */
  async open(): Promise<void> {
    if (this.mode !== 'pgvector') return;
    await this.driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['strata-pgvector']);
      await tx.query(statement('enable-pgvector'));
    });
    await this.backfill();
  }

  /** The vector column's value for an insert or update (null without pgvector). */
  column(vector: Float32Array | null): string | null {
    return this.mode === 'pgvector' && vector ? vectorLiteral(vector) : null;
  }

  /** Creates the HNSW index of a model's secondary vectors (before a re-embed job writes them). */
  async prepareSecondary(model: string, dims: number): Promise<void> {
    if (this.mode === 'pgvector') await this.ensureIndex(model, dims, 'memory_embeddings');
  }

  /** Creates the HNSW index of every model among these memories that has none yet. */
  async prepare(memories: readonly Pick<NewMemory, 'embedding' | 'embeddingModel'>[]): Promise<void> {
    if (this.mode !== 'pgvector') return;
    for (const memory of memories) {
      if (memory.embedding && memory.embeddingModel) await this.ensureIndex(memory.embeddingModel, memory.embedding.length);
    }
  }

  async search(filter: MemoryFilter, vector: Float32Array, model: string, k: number, exact: boolean): Promise<ScoredId[]> {
    if (k <= 0) return [];
    if (this.mode === 'exact') return this.scoreInProcess(filter, vector, model, k);
    if (!exact) {
      const hits = await this.annSearch(filter, vector, model, k);
      // The graph's candidates, filtered, may be fewer than k in a narrow scope: exact then.
      if (hits.length === k) return hits;
    }
    const params = new PgParams([vectorLiteral(vector), model]);
    const where = pgMemoryFilter(filter, params, Date.now());
    const limit = params.add(k);
    // `embedding_vec <=> $1` (no dims cast) matches no index expression: always an exact scan.
    const { rows } = await this.driver.query<{ id: string; score: number }>(
      `SELECT id, score FROM (
         (SELECT m.id, m.row_id, 1 - (m.embedding_vec <=> $1::vector) AS score FROM memories m
           WHERE ${where} AND m.embedding_model = $2 AND m.embedding_vec IS NOT NULL
           ORDER BY m.embedding_vec <=> $1::vector, m.row_id LIMIT ${limit})
         UNION ALL
         (SELECT m.id, m.row_id, 1 - (e.vec <=> $1::vector) AS score FROM memory_embeddings e JOIN memories m ON m.row_id = e.memory_row_id
           WHERE ${where} AND e.model = $2 AND e.vec IS NOT NULL
           ORDER BY e.vec <=> $1::vector, m.row_id LIMIT ${limit})
       ) AS hits ORDER BY score DESC, row_id LIMIT ${limit}`,
      params.values,
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }

  /** Vectors per model, rebuilding what derives from the table: the vector column and the indexes. */
  async rebuild(): Promise<Array<{ model: string; vectors: number }>> {
    const { rows } = await this.driver.query<{ model: string; dims: number; n: number | string; secondary: boolean }>(
      `SELECT model, max(dims) AS dims, sum(n) AS n, bool_or(secondary) AS secondary FROM (
         SELECT embedding_model AS model, max(length(embedding)) / 4 AS dims, count(*) AS n, false AS secondary FROM memories
          WHERE embedding_model IS NOT NULL AND embedding IS NOT NULL GROUP BY embedding_model
         UNION ALL
         SELECT model, max(length(vector)) / 4 AS dims, count(*) AS n, true AS secondary FROM memory_embeddings GROUP BY model
       ) AS per_model GROUP BY model ORDER BY model`,
      [],
    );
    if (this.mode === 'pgvector') {
      await this.backfill();
      this.indexed.clear();
      for (const row of rows) {
        await this.ensureIndex(row.model, Number(row.dims));
        await this.driver.query(`REINDEX INDEX CONCURRENTLY ${indexName(row.model)}`);
        if (row.secondary) {
          await this.ensureIndex(row.model, Number(row.dims), 'memory_embeddings');
          await this.driver.query(`REINDEX INDEX CONCURRENTLY ${indexName(row.model, 'memory_embeddings')}`);
        }
      }
    }
    return rows.map((row) => ({ model: row.model, vectors: Number(row.n) }));
  }

  /** Copies bytea vectors into embedding_vec where it is missing (a server that gained pgvector later). */
  private async backfill(): Promise<void> {
    for (;;) {
      const { rows } = await this.driver.query<{ model: string; memory_row_id: string | number; vector: Uint8Array }>(
        `SELECT model, memory_row_id, vector FROM memory_embeddings WHERE vec IS NULL LIMIT ${BACKFILL_CHUNK}`,
        [],
      );
      if (rows.length === 0) break;
      await this.driver.query(
        `UPDATE memory_embeddings e SET vec = v.vec::vector FROM unnest($1::text[], $2::bigint[], $3::text[]) AS v(model, id, vec)
          WHERE e.model = v.model AND e.memory_row_id = v.id`,
        [
          rows.map((row) => row.model),
          rows.map((row) => String(row.memory_row_id)),
          rows.map((row) => vectorLiteral(bytesVector(row.vector))),
        ],
      );
    }
    for (;;) {
      const { rows } = await this.driver.query<{ row_id: string | number; embedding: Uint8Array }>(
        `SELECT row_id, embedding FROM memories WHERE embedding IS NOT NULL AND embedding_vec IS NULL LIMIT ${BACKFILL_CHUNK}`,
        [],
      );
      if (rows.length === 0) return;
      await this.driver.query(
        'UPDATE memories m SET embedding_vec = v.vec::vector FROM unnest($1::bigint[], $2::text[]) AS v(id, vec) WHERE m.row_id = v.id',
        [rows.map((row) => String(row.row_id)), rows.map((row) => vectorLiteral(bytesVector(row.embedding)))],
      );
    }
  }

  private async annSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number): Promise<ScoredId[]> {
    const dims = vector.length;
    if (!Number.isInteger(dims) || dims <= 0) return [];
    const params = new PgParams([vectorLiteral(vector)]);
    const where = pgMemoryFilter(filter, params, Date.now());
    // The model as a literal: the planner can match the partial index's predicate only then.
    const distance = `(m.embedding_vec::vector(${dims})) <=> $1::vector(${dims})`;
    const secondaryDistance = `(e.vec::vector(${dims})) <=> $1::vector(${dims})`;
    return this.driver.transaction(async (tx: PgQueryable) => {
      // For this transaction only, one round trip: pgvector >= 0.8 keeps scanning the graph until
      // k rows pass the filter; a candidate list of at least 2k.
      await tx.query(`SELECT set_config('hnsw.iterative_scan', 'strict_order', true), set_config('hnsw.ef_search', $1, true)`, [
        String(Math.min(1000, Math.max(40, k * 2))),
      ]);
      const limit = params.add(k);
      const { rows } = await tx.query<{ id: string; score: number }>(
        `SELECT m.id, 1 - (${distance}) AS score FROM memories m
         WHERE ${where} AND m.embedding_model = ${literal(model)} AND m.embedding_vec IS NOT NULL
         ORDER BY ${distance} LIMIT ${limit}`,
        params.values,
      );
      // Secondary vectors of the model (a re-embed job's), through their own partial index.
      const secondary = await tx.query<{ id: string; score: number }>(
        `SELECT m.id, 1 - (${secondaryDistance}) AS score FROM memory_embeddings e JOIN memories m ON m.row_id = e.memory_row_id
         WHERE e.model = ${literal(model)} AND e.vec IS NOT NULL AND ${where}
         ORDER BY ${secondaryDistance} LIMIT ${limit}`,
        params.values,
      );
      return [...rows, ...secondary.rows]
        .map((row) => ({ id: row.id, score: Number(row.score) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    });
  }

  private async scoreInProcess(filter: MemoryFilter, vector: Float32Array, model: string, k: number): Promise<ScoredId[]> {
    const params = new PgParams([model]);
    const where = pgMemoryFilter(filter, params, Date.now());
    const { rows } = await this.driver.query<{ id: string; embedding: Uint8Array }>(
      `SELECT m.id, m.embedding FROM memories m WHERE ${where} AND m.embedding_model = $1 AND m.embedding IS NOT NULL
       UNION ALL
       SELECT m.id, e.vector FROM memories m JOIN memory_embeddings e ON e.memory_row_id = m.row_id AND e.model = $1 WHERE ${where}`,
      params.values,
    );
    const queryNorm = Math.hypot(...vector) || 1;
    const scored = rows.map((row) => ({ id: row.id, score: cosine(vector, queryNorm, bytesVector(row.embedding)) }));
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }

  private async ensureIndex(model: string, dims: number, table: VectorTable = 'memories'): Promise<void> {
    const key = `${table}\u0000${model}\u0000${dims}`;
    if (this.indexed.has(key)) return;
    const [column, modelColumn] = table === 'memories' ? ['embedding_vec', 'embedding_model'] : ['vec', 'model'];
    // Under a lock: two processes creating one index at once would collide in pg_class.
    await this.driver.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`strata-vector-index:${model}`]);
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${indexName(model, table)} ON ${table} USING hnsw ((${column}::vector(${dims})) vector_cosine_ops)
         WHERE ${modelColumn} = ${literal(model)}`,
      );
    });
    this.indexed.add(key);
  }
}

type VectorTable = 'memories' | 'memory_embeddings';

/** One index per model and table, named by a hash of the model id (ids may hold any character). */
function indexName(model: string, table: VectorTable = 'memories'): string {
  const prefix = table === 'memories' ? 'memories_hnsw_' : 'memory_embeddings_hnsw_';
  return `${prefix}${createHash('sha256').update(model).digest('hex').slice(0, 16)}`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function cosine(query: Float32Array, queryNorm: number, other: Float32Array): number {
  let dot = 0;
  let norm = 0;
  const n = Math.min(query.length, other.length);
  for (let i = 0; i < n; i++) {
    const value = other[i] as number;
    dot += (query[i] as number) * value;
    norm += value * value;
  }
  return norm === 0 ? 0 : dot / (queryNorm * Math.sqrt(norm));
}
