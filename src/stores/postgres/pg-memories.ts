import type { EraseCounts, MemoryFilter, MemoryPatch, NewMemory, Page } from '../../spec/memory-store.js';
import type { MemoryRecord } from '../../spec/records.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { PgParams, pgMemoryFilter } from './pg-filter.js';
import { bytesVector, json, PG_MEMORY_COLUMNS, type PgMemoryRow, pgMemory, vectorBytes } from './pg-rows.js';
import { staleCursor } from './pg-sessions.js';
import type { PgVectors } from './pg-vectors.js';

/** Memories (rows, filters, pages), the embedding cache and a user's erase. */
export class PgMemories {
  constructor(
    private readonly driver: PgDriver,
    private readonly vectors: PgVectors,
  ) {}

  /** Inserts one memory row on `on` (a transaction or the driver). */
  readonly insertRow = async (on: PgQueryable, memory: NewMemory): Promise<void> => {
    const embedding = memory.embedding && memory.embeddingModel ? memory.embedding : null;
    const vec = this.vectors.column(embedding);
    await on.query(
      `INSERT INTO memories (id, tenant_id, user_id, agent_id, namespace, session_id, kind, text, context, tags, importance, source,
         content_hash, metadata, embedding, embedding_model, created_at, updated_at, valid_from, valid_to${vec === null ? '' : ', embedding_vec'})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13, $14::jsonb, $15, $16, $17, $17, $18, $19${vec === null ? '' : ', $20::vector'})`,
      [
        memory.id,
        memory.tenantId,
        memory.userId,
        memory.agentId ?? '',
        memory.namespace ?? '',
        memory.sessionId,
        memory.kind,
        memory.text,
        memory.context,
        json(memory.tags),
        memory.importance,
        json(memory.source),
        memory.contentHash,
        json(memory.metadata),
        embedding ? vectorBytes(embedding) : null,
        embedding ? memory.embeddingModel : null,
        memory.createdAt,
        memory.validFrom,
        memory.validTo,
        ...(vec === null ? [] : [vec]),
      ],
    );
  };

  async insert(memory: NewMemory): Promise<MemoryRecord> {
    await this.vectors.prepare([memory]);
    await this.insertRow(this.driver, memory);
    const [record] = await this.get(memory.tenantId, [memory.id]);
    return record as MemoryRecord;
  }

  /** MemoryStoreV1.insertMemories: one transaction, nothing read back. */
  async insertMany(memories: readonly NewMemory[]): Promise<void> {
    if (memories.length === 0) return;
    await this.vectors.prepare(memories);
    await this.driver.transaction(async (tx) => {
      for (const memory of memories) await this.insertRow(tx, memory);
    });
  }

  async update(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null> {
    const params = new PgParams();
    const sets = [`updated_at = ${params.add(patch.updatedAt)}`];
    const assign = (column: string, value: unknown, cast = ''): void => {
      sets.push(`${column} = ${params.add(value)}${cast}`);
    };
    if (patch.text !== undefined) assign('text', patch.text);
    if (patch.context !== undefined) assign('context', patch.context);
    if (patch.tags !== undefined) assign('tags', json(patch.tags), '::jsonb');
    if (patch.importance !== undefined) assign('importance', patch.importance);
    if (patch.metadata !== undefined) assign('metadata', json(patch.metadata), '::jsonb');
    if (patch.contentHash !== undefined) assign('content_hash', patch.contentHash);
    if (patch.embedding !== undefined) {
      await this.vectors.prepare([{ embedding: patch.embedding, embeddingModel: patch.embeddingModel ?? null }]);
      assign('embedding', vectorBytes(patch.embedding));
      assign('embedding_model', patch.embeddingModel ?? null);
      if (this.vectors.mode === 'pgvector') assign('embedding_vec', this.vectors.column(patch.embedding), '::vector');
    }
    if (patch.validTo !== undefined) assign('valid_to', patch.validTo);
    if (patch.supersededBy !== undefined) assign('superseded_by', patch.supersededBy);
    const { rows } = await this.driver.query<PgMemoryRow>(
      `UPDATE memories m SET ${sets.join(', ')} WHERE m.tenant_id = ${params.add(tenantId)} AND m.id = ${params.add(id)}
       RETURNING ${PG_MEMORY_COLUMNS}`,
      params.values,
    );
    return rows[0] ? pgMemory(rows[0]) : null;
  }

  /** MemoryStoreV1.appendTurnContext: one UPDATE (the generated tsvector follows the context). */
  async appendTurnContext(tenantId: string, memoryId: string, line: string, nextTurn: string): Promise<boolean> {
    const { rows } = await this.driver.query<{ id: string }>(
      `UPDATE memories SET context = CASE WHEN coalesce(context, '') = '' THEN $1 ELSE context || E'\\n' || $1 END,
         metadata = jsonb_set(metadata, '{nextTurn}', to_jsonb($2::text))
       WHERE tenant_id = $3 AND id = $4 AND kind = 'turn'
       RETURNING id`,
      [line, nextTurn, tenantId, memoryId],
    );
    return rows.length > 0;
  }

  async get(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.driver.query<PgMemoryRow>(
      `SELECT ${PG_MEMORY_COLUMNS} FROM memories m WHERE m.tenant_id = $1 AND m.id = ANY($2::text[])`,
      [tenantId, [...ids]],
    );
    const byId = new Map(rows.map((row) => [row.id, pgMemory(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async embeddings(tenantId: string, ids: readonly string[], model?: string): Promise<Map<string, Float32Array>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.driver.query<{ id: string; embedding: Uint8Array }>(
      model === undefined
        ? 'SELECT id, embedding FROM memories WHERE tenant_id = $1 AND id = ANY($2::text[]) AND embedding IS NOT NULL'
        : `SELECT id, embedding FROM memories WHERE tenant_id = $1 AND id = ANY($2::text[]) AND embedding_model = $3
           UNION ALL
           SELECT m.id, e.vector FROM memories m JOIN memory_embeddings e ON e.memory_row_id = m.row_id AND e.model = $3
            WHERE m.tenant_id = $1 AND m.id = ANY($2::text[])`,
      model === undefined ? [tenantId, [...ids]] : [tenantId, [...ids], model],
    );
    return new Map(rows.map((row) => [row.id, bytesVector(row.embedding)]));
  }

  async list(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]> {
    const params = new PgParams();
    let where = pgMemoryFilter(filter, params, Date.now());
    if (page.after !== undefined) {
      const { rows } = await this.driver.query<{ row_id: string }>('SELECT row_id FROM memories WHERE tenant_id = $1 AND id = $2', [
        filter.tenantId,
        page.after,
      ]);
      if (!rows[0]) throw staleCursor(page.after);
      where += ` AND m.row_id > ${params.add(rows[0].row_id)}`;
    }
    const { rows } = await this.driver.query<PgMemoryRow>(
      `SELECT ${PG_MEMORY_COLUMNS} FROM memories m WHERE ${where} ORDER BY m.row_id LIMIT ${params.add(page.limit)}`,
      params.values,
    );
    return rows.map(pgMemory);
  }

  async count(filter: MemoryFilter): Promise<number> {
    const params = new PgParams();
    const where = pgMemoryFilter(filter, params, Date.now());
    const { rows } = await this.driver.query<{ n: string | number }>(`SELECT count(*) AS n FROM memories m WHERE ${where}`, params.values);
    return Number(rows[0]?.n ?? 0);
  }

  async delete(tenantId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { rowCount } = await this.driver.query('DELETE FROM memories WHERE tenant_id = $1 AND id = ANY($2::text[])', [
      tenantId,
      [...ids],
    ]);
    return rowCount;
  }

  async cached(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    if (hashes.length === 0) return new Map();
    const { rows } = await this.driver.query<{ content_hash: string; vector: Uint8Array }>(
      'SELECT content_hash, vector FROM embedding_cache WHERE model = $1 AND content_hash = ANY($2::text[])',
      [model, [...hashes]],
    );
    return new Map(rows.map((row) => [row.content_hash, bytesVector(row.vector)]));
  }

  async cache(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    if (entries.size === 0) return;
    const hashes = [...entries.keys()];
    // Hex text, decoded in SQL: every driver sends a text[] the same way.
    const vectors = [...entries.values()].map((vector) => vectorBytes(vector).toString('hex'));
    await this.driver.query(
      `INSERT INTO embedding_cache (model, content_hash, vector, created_at)
       SELECT $1, h, decode(v, 'hex'), $4 FROM unnest($2::text[], $3::text[]) AS e(h, v) ON CONFLICT DO NOTHING`,
      [model, hashes, vectors, Date.now()],
    );
  }

  /** One transaction: the user's messages, memories, facts, rules and sessions. */
  forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    return this.driver.transaction(async (tx) => {
      const run = async (sql: string): Promise<number> => (await tx.query(sql, [tenantId, userId])).rowCount;
      const messages = await run(
        'DELETE FROM messages WHERE tenant_id = $1 AND session_id IN (SELECT id FROM sessions WHERE tenant_id = $1 AND user_id = $2)',
      );
      const memories = await run('DELETE FROM memories WHERE tenant_id = $1 AND user_id = $2');
      const facts = await run('DELETE FROM facts WHERE tenant_id = $1 AND user_id = $2');
      await run('DELETE FROM fact_rules WHERE tenant_id = $1 AND user_id = $2');
      const sessions = await run('DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2');
      return { sessions, messages, memories, facts };
    });
  }
}
